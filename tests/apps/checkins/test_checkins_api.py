import datetime as dt
import uuid

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.checkins.models import MoodCheckin

URL = "/api/v1/me/checkins/"


def body(**overrides):
    data = {
        "id": str(uuid.uuid4()),
        "occurred_at": timezone.now().isoformat(),
        "timezone": "Europe/London",
        "mood": 6,
        "anxiety": 3,
        "energy": 5,
        "sleep_hours": "7.5",
        "sleep_quality": 7,
        "tags": ["exercise", "social_time"],
        "note": "Walked by the river with Sam.",
    }
    data.update(overrides)
    return data


def test_a_patient_submits_a_check_in(personas, as_user):
    response = as_user(personas.patient).post(URL, body(), format="json")
    assert response.status_code == 201, response.json()
    saved = MoodCheckin.objects.get()
    assert saved.note == "Walked by the river with Sam." and saved.tags == ["exercise", "social_time"]
    assert AuditEvent.objects.filter(object_type="mood_checkin", action="create", object_id=str(saved.id)).exists()


def test_posting_the_same_id_twice_is_harmless(personas, as_user):
    client, data = as_user(personas.patient), body()
    first = client.post(URL, data, format="json")
    again = client.post(URL, {**data, "mood": 1}, format="json")  # a retry after a dropped connection
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["mood"] == 6 and MoodCheckin.objects.count() == 1


def test_a_retry_racing_the_first_upload_gets_the_stored_check_in(personas, as_user, monkeypatch):
    """Both uploads found no row, both inserted: the primary key refuses the second, which answers 200
    with the stored check-in, one row, one audit event (the insert no longer looks the id up twice)."""
    from apps.checkins.services import checkins

    client, data = as_user(personas.patient), body()
    assert client.post(URL, data, format="json").status_code == 201
    lookups = []
    real = checkins.already_submitted

    def first_lookup_misses(model, record_id, patient):
        lookups.append(record_id)
        return None if len(lookups) == 1 else real(model, record_id, patient)

    monkeypatch.setattr(checkins, "already_submitted", first_lookup_misses)
    again = client.post(URL, {**data, "mood": 1}, format="json")
    assert again.status_code == 200 and again.json()["mood"] == 6 and len(lookups) == 2
    assert MoodCheckin.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="mood_checkin", action="create").count() == 1


def test_another_patients_id_is_a_conflict(personas, as_user):
    from tests.conftest import make_patient

    other = make_patient(personas.practice, "pat2", personas.clinician, name="Second")
    data = body()
    as_user(personas.patient).post(URL, data, format="json")
    clash = as_user(other.user).post(URL, data, format="json")
    assert clash.status_code == 409 and clash.json()["error"]["fields"] == {"id": ["This id is already in use."]}


def test_a_late_submission_lands_on_the_patients_local_date(personas, as_user):
    # 23:30 in Los Angeles three days ago is already the next day in UTC.
    la_evening = dt.datetime.combine(
        timezone.localdate() - dt.timedelta(days=3), dt.time(23, 30), tzinfo=dt.timezone(dt.timedelta(hours=-8))
    )
    response = as_user(personas.patient).post(
        URL, body(occurred_at=la_evening.isoformat(), timezone="America/Los_Angeles"), format="json"
    )
    assert response.status_code == 201
    assert response.json()["local_date"] == la_evening.date().isoformat()
    assert la_evening.astimezone(dt.UTC).date() != la_evening.date()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mood", 11),
        ("anxiety", -1),
        ("energy", "high"),
        ("sleep_hours", "25"),
        ("sleep_quality", 12),
        ("timezone", "Moon/Base"),
        ("tags", ["exercise", "skydiving"]),
        ("occurred_at", (timezone.now() + dt.timedelta(hours=2)).isoformat()),
    ],
    # named by field: an id with the time in it differs between two collections (pytest-xdist's workers)
    ids=["mood", "anxiety", "energy", "sleep_hours", "sleep_quality", "timezone", "tags", "occurred_at_future"],
)
def test_bad_values_are_field_errors_and_nothing_is_written(personas, as_user, field, value):
    response = as_user(personas.patient).post(URL, body(**{field: value}), format="json")
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    assert MoodCheckin.objects.count() == 0


def test_a_small_clock_skew_is_allowed(personas, as_user):
    ahead = (timezone.now() + dt.timedelta(minutes=2)).isoformat()
    assert as_user(personas.patient).post(URL, body(occurred_at=ahead), format="json").status_code == 201


def test_the_note_is_encrypted_at_rest(personas, as_user):
    from django.db import connection

    as_user(personas.patient).post(URL, body(), format="json")
    with connection.cursor() as cursor:
        cursor.execute("SELECT note FROM checkins_moodcheckin")
        assert "river" not in cursor.fetchone()[0]


def test_my_recent_check_ins_and_tags(personas, as_user):
    client = as_user(personas.patient)
    client.post(URL, body(), format="json")
    mine = client.get(URL).json()["results"]
    assert len(mine) == 1 and mine[0]["note"].startswith("Walked")
    assert {t["key"] for t in client.get("/api/v1/checkin-tags/").json()} >= {"exercise", "alcohol"}


def test_staff_cannot_use_the_patient_endpoint(personas, as_user):
    assert as_user(personas.clinician).post(URL, body(), format="json").status_code == 403


def test_admins_add_tags(personas, as_user):
    response = as_user(personas.admin).post(
        "/api/v1/practice/checkin-tags/", {"key": "journaling", "label": "Journaling"}, format="json"
    )
    assert response.status_code == 200
    assert as_user(personas.patient).post(URL, body(tags=["journaling"]), format="json").status_code == 201
