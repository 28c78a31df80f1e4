"""The patient timeline: a long window summarises older check-ins per week, and every week opens
with each of its check-ins (so nothing in the history is out of reach)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.checkins.models import MoodCheckin
from apps.plans.timeline import timeline_build, timeline_week, week_start

pytestmark = pytest.mark.django_db


def checkins(patient, days: int) -> None:
    now = timezone.now()
    MoodCheckin.objects.bulk_create(
        [
            MoodCheckin(
                id=uuid.uuid4(),
                patient=patient,
                occurred_at=now - dt.timedelta(days=d),
                timezone="UTC",
                local_date=timezone.localdate(now - dt.timedelta(days=d)),
                mood=d % 10,
                anxiety=3,
                energy=4,
                sleep_hours=7,
            )
            for d in range(days)
        ]
    )


def test_older_checkins_come_as_weeks_with_their_count_and_means(personas):
    patient = personas.patient_profile
    checkins(patient, 300)
    items = timeline_build(patient_id=patient.pk, days=365, itemise_checkin_days=28)
    daily = [i for i in items if i.kind == "checkin"]
    weeks = [i for i in items if i.kind == "checkin_week"]
    first_itemised = week_start(timezone.localdate() - dt.timedelta(days=28))
    assert daily and all(timezone.localdate(i.at) >= first_itemised for i in daily)
    assert weeks and all(w.summary["week"] < first_itemised for w in weeks)
    assert len(daily) + sum(w.summary["count"] for w in weeks) == 300
    full = next(w for w in weeks if w.summary["count"] == 7)
    rows = MoodCheckin.objects.filter(
        patient=patient, local_date__gte=full.summary["week"], local_date__lte=full.summary["last"]
    )
    moods = [r.mood for r in rows]
    assert full.summary["mood"] == pytest.approx(sum(moods) / 7)
    assert full.summary["lowest_mood"] == min(moods)
    assert [i.kind for i in items] == [i.kind for i in sorted(items, key=lambda i: i.at, reverse=True)]


def test_the_default_30_day_page_lists_every_checkin(personas):
    patient = personas.patient_profile
    checkins(patient, 40)
    client = Client()
    client.force_login(personas.clinician)
    html = client.get(f"/patients/{patient.pk}/timeline/").content.decode()
    since = timezone.now() - dt.timedelta(days=30)
    assert "tl-checkin_week" not in html
    assert (
        html.count('class="tl-checkin"') == MoodCheckin.objects.filter(patient=patient, occurred_at__gte=since).count()
    )


def test_a_week_lists_each_of_its_checkins(personas):
    patient = personas.patient_profile
    checkins(patient, 120)
    monday = week_start(timezone.localdate() - dt.timedelta(days=70))
    items = timeline_week(patient_id=patient.pk, monday=monday)
    days = sorted(i.at.date() for i in items if i.kind == "checkin")
    assert len(days) == 7
    assert {MoodCheckin.objects.get(pk=i.ref.split(":")[1]).local_date for i in items} == {
        monday + dt.timedelta(days=n) for n in range(7)
    }


def test_the_year_page_links_every_week_and_the_week_page_is_audited(personas):
    patient = personas.patient_profile
    checkins(patient, 200)
    client = Client()
    client.force_login(personas.clinician)
    html = client.get(f"/patients/{patient.pk}/timeline/?days=365").content.decode()
    weeks = re.findall(r'href="\?week=([\d-]+)"', html)
    assert len(weeks) == len(set(weeks)) >= 20
    assert html.count('class="tl-checkin"') < 40
    response = client.get(f"/patients/{patient.pk}/timeline/?week={weeks[-1]}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.content.decode().count('class="tl-checkin"') == len(
        MoodCheckin.objects.filter(
            patient=patient,
            local_date__gte=dt.date.fromisoformat(weeks[-1]),
            local_date__lte=dt.date.fromisoformat(weeks[-1]) + dt.timedelta(days=6),
        )
    )
    event = AuditEvent.objects.filter(object_type="patient_timeline", actor_id=personas.clinician.pk).latest("seq")
    assert event.patient_id == patient.pk and event.detail["week"] == weeks[-1]


def test_a_malformed_week_is_the_404_page(personas):
    client = Client()
    client.force_login(personas.clinician)
    assert client.get(f"/patients/{personas.patient_profile.pk}/timeline/?week=last").status_code == 404


def test_outside_the_care_team_a_week_is_the_404_page(personas):
    client = Client()
    client.force_login(personas.admin)
    week = week_start(timezone.localdate()).isoformat()
    assert client.get(f"/patients/{personas.patient_profile.pk}/timeline/?week={week}").status_code == 404
