"""Check-in note analyses whose job was lost (never queued while the broker was down, or lost with a
killed consumer) are sent again by the every-minute sweeper, once, and only when they are owed."""

import datetime as dt
import uuid

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.accounts.services.consent import consent_decide
from apps.checkins.models import MoodCheckin
from apps.insights import services
from apps.insights.models import TextAnalysis


@pytest.fixture
def sent(monkeypatch):
    cache.clear()
    jobs = []
    monkeypatch.setattr(services, "enqueue", lambda name, **kwargs: jobs.append((name, kwargs["source_id"])))
    return jobs


def checkin(patient, note: str, *, minutes_ago: float) -> MoodCheckin:
    row = MoodCheckin.objects.create(
        id=uuid.uuid4(),
        patient=patient,
        occurred_at=timezone.now(),
        timezone="UTC",
        local_date=timezone.localdate(),
        mood=4,
        anxiety=5,
        energy=5,
        note=note,
    )
    MoodCheckin.objects.filter(pk=row.pk).update(received_at=timezone.now() - dt.timedelta(minutes=minutes_ago))
    return row


def test_a_note_without_an_analysis_is_sent_again_once(personas, settings, sent):
    settings.JOB_LEASE_SECONDS = 60
    patient = personas.patient_profile
    lost = checkin(patient, "Argued with my boss.", minutes_ago=30)
    checkin(patient, "Still in the queue, probably.", minutes_ago=2)  # younger than five leases
    checkin(patient, "", minutes_ago=30)  # nothing to analyse
    checkin(patient, "From last week.", minutes_ago=3 * 24 * 60)  # beyond the horizon
    done = checkin(patient, "Analysed already.", minutes_ago=30)
    TextAnalysis.objects.create(
        patient=patient,
        source_type="mood_checkin",
        source_id=done.pk,
        local_date=done.local_date,
        risk_level="none",
        emotions={},
        versions={},
        sentence_count=1,
    )
    assert services.text_analyses_resume_missing() == 1
    assert sent == [("insights.analyse_text", str(lost.pk))]
    assert services.text_analyses_resume_missing() == 0  # once: a failing analysis is not retried every minute


def test_without_consent_nothing_is_sent(personas, settings, sent):
    settings.JOB_LEASE_SECONDS = 60
    consent_decide(
        actor=personas.patient, patient=personas.patient_profile, kind="ai_processing", version=1, decision="declined"
    )
    checkin(personas.patient_profile, "Argued with my boss.", minutes_ago=30)
    assert services.text_analyses_resume_missing() == 0 and sent == []


def test_the_sweeper_runs_on_the_realtime_queue_every_minute():
    from backend.celery import REALTIME, TASK_QUEUES, app

    assert TASK_QUEUES["insights.resume_missing"] == REALTIME
    assert any(e["task"] == "insights.resume_missing" for e in app.conf.beat_schedule.values())
