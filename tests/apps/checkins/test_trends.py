import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.checkins.models import MoodCheckin
from tests.apps.checkins.factories import submit_phq9


def bulk_checkins(patient, days: int, start: dt.date):
    MoodCheckin.objects.bulk_create(
        [
            MoodCheckin(
                id=uuid.uuid4(),
                patient=patient,
                occurred_at=timezone.now() - dt.timedelta(days=i),
                timezone="Europe/London",
                local_date=start + dt.timedelta(days=i),
                mood=i % 11,
                anxiety=3,
                energy=5,
                sleep_hours=7,
                sleep_quality=6,
            )
            for i in range(days)
        ]
    )


def url(personas, suffix):
    return f"/api/v1/patients/{personas.patient_profile.id}/{suffix}"


def test_the_daily_series_averages_each_local_day(personas, as_user):
    day = dt.date(2026, 5, 4)
    for mood in (2, 6):
        MoodCheckin.objects.create(
            id=uuid.uuid4(),
            patient=personas.patient_profile,
            occurred_at=timezone.now(),
            timezone="UTC",
            local_date=day,
            mood=mood,
            anxiety=4,
            energy=5,
        )
    rows = as_user(personas.clinician).get(url(personas, "trends/daily/"), {"start": "2026-05-01"}).json()
    assert rows == [
        {
            "local_date": "2026-05-04",
            "count": 2,
            "mood": 4.0,
            "anxiety": 4.0,
            "energy": 5.0,
            "sleep_hours": None,
            "sleep_quality": None,
        }
    ]


def test_weekly_aggregates(personas, as_user):
    bulk_checkins(personas.patient_profile, 14, dt.date(2026, 6, 1))  # Monday 1 June, two full weeks
    rows = (
        as_user(personas.clinician)
        .get(url(personas, "trends/weekly/"), {"start": "2026-06-01", "end": "2026-06-14"})
        .json()
    )
    assert [r["week"] for r in rows] == ["2026-06-01", "2026-06-08"]
    first = rows[0]
    assert (first["count"], first["mood_min"], first["mood_max"], first["mood_mean"]) == (7, 0, 6, 3.0)
    assert first["sleep_hours_mean"] == 7.0


@pytest.mark.parametrize("suffix", ["trends/daily/", "trends/weekly/", "adherence/", "questionnaires/", "checkins/"])
def test_trend_endpoints_use_a_fixed_number_of_queries(personas, as_user, django_assert_num_queries, suffix):
    client = as_user(personas.clinician)
    bulk_checkins(personas.patient_profile, 5, dt.date(2024, 1, 1))
    submit_phq9(personas.patient_profile, [1] * 9)
    client.get(url(personas, suffix))  # warm caches (content types etc.)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url(personas, suffix)).status_code == 200
    bulk_checkins(personas.patient_profile, 730, dt.date(2024, 2, 1))  # two years more
    for i in range(25):
        submit_phq9(
            personas.patient_profile, [i % 4] * 9, when=timezone.now() - dt.timedelta(days=14 * (i + 1)), item9=0
        )
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url(personas, suffix)).status_code == 200


def test_a_patient_sees_their_own_trends_and_scores(personas, as_user):
    bulk_checkins(personas.patient_profile, 3, dt.date(2024, 1, 1))
    submit_phq9(personas.patient_profile, [1] * 9)
    client = as_user(personas.patient)
    assert client.get(url(personas, "trends/daily/")).status_code == 404  # the staff's endpoint
    daily = client.get("/api/v1/me/trends/daily/", {"start": "2024-01-02"}).json()
    assert [(d["local_date"], d["mood"]) for d in daily] == [("2024-01-02", 1.0), ("2024-01-03", 2.0)]
    assert sum(w["count"] for w in client.get("/api/v1/me/trends/weekly/").json()) == 3
    assert as_user(personas.clinician).get("/api/v1/me/trends/daily/").status_code == 403
    assert client.get("/api/v1/me/questionnaires/").json()["results"][0]["total_score"] == 9


def test_practice_admins_cannot_read_clinical_trends(personas, as_user):
    assert as_user(personas.admin).get(url(personas, "trends/daily/")).status_code == 404
