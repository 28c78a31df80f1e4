"""Every web page runs the same number of queries whatever the size of the patient's history."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.alerts.services import alert_create_from_signal, risk_signal_record
from apps.checkins.models import MoodCheckin
from apps.checkins.services.questionnaires import questionnaire_response_submit
from apps.journals.models import JournalEntry
from apps.notes.services.sessions import clinical_session_create
from apps.plans.services import safety_plan_save
from apps.plans.treatment import treatment_plan_save

pytestmark = pytest.mark.django_db


def add_history(personas, start_day: int, days: int) -> None:
    patient, user = personas.patient_profile, personas.patient
    now = timezone.now()
    MoodCheckin.objects.bulk_create(
        [
            MoodCheckin(
                id=uuid.uuid4(),
                patient=patient,
                occurred_at=now - dt.timedelta(days=d, hours=1),
                timezone="UTC",
                local_date=(now - dt.timedelta(days=d, hours=1)).date(),
                mood=5,
                anxiety=4,
                energy=5,
                sleep_hours=7,
            )
            for d in range(start_day, start_day + days)
        ]
    )
    for d in range(start_day, start_day + days, 7):
        questionnaire_response_submit(
            actor=user,
            patient=patient,
            id=uuid.uuid4(),
            instrument_key="phq9",
            answers={f"phq9_{i}": 1 for i in range(1, 10)} | {"phq9_9": 0},
            occurred_at=now - dt.timedelta(days=d, hours=2),
            timezone="UTC",
        )
        JournalEntry.objects.create(
            id=uuid.uuid4(),
            patient=patient,
            kind="text",
            occurred_at=now - dt.timedelta(days=d, hours=3),
            timezone="UTC",
            local_date=(now - dt.timedelta(days=d)).date(),
            shared_with_care_team=True,
            status="done",
            text="Work was hard today.",
        )
        signal = risk_signal_record(
            patient_id=patient.pk,
            source_type="test",
            source_id=uuid.uuid4(),
            kind=f"test_{d}",
            level="low",
            evidence={},
            occurred_at=now,
        )
        alert_create_from_signal(signal=signal)
        safety_plan_save(actor=personas.clinician, patient=patient, content={"warning_signs": [f"sign {d}"]})
        treatment_plan_save(actor=personas.clinician, patient=patient, content={"problems": [f"problem {d}"]})
        clinical_session_create(
            actor=personas.clinician, patient=patient, started_at=now - dt.timedelta(days=d), modality="video"
        )


PAGES = [
    "",
    "timeline/",
    "timeline/?days=365",
    "journals/",
    "questionnaires/",
    "care/",
    "sessions/",
    "safety-plan/",
    "treatment-plan/",
]


def test_patient_pages_and_inbox_query_counts_do_not_grow_with_the_history(personas):
    client = Client()
    client.force_login(personas.clinician)
    pid = personas.patient_profile.pk
    week = (timezone.localdate() - dt.timedelta(days=14)).isoformat()
    paths = ["/patients/", "/alerts/", *[f"/patients/{pid}/{page}" for page in [*PAGES, f"timeline/?week={week}"]]]

    def counts() -> dict[str, int]:
        out = {}
        for path in paths:
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(path).status_code == 200, path
            out[path] = len(ctx.captured_queries)
        return out

    add_history(personas, start_day=1, days=8)
    small = counts()
    add_history(personas, start_day=9, days=22)
    assert counts() == small
