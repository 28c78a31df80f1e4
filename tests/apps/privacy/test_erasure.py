"""Erasure: every kind of row and file of a patient goes, except signed notes and the audit trail,
which the patient is told about before confirming (issue 13)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models
from django.test import Client
from django.utils import timezone

from apps.accounts.models import (
    BreakGlassGrant,
    CareTeamMember,
    Device,
    ErasureRequest,
    Invitation,
    PatientExport,
    PatientProfile,
    User,
    device_token_digest,
)
from apps.alerts.models import Alert, AlertDelivery
from apps.alerts.services import alerts_process_pending, risk_signal_record
from apps.audit.models import AuditEvent
from apps.checkins.models import DueItem, Schedule
from apps.checkins.services.quiet_hours import reminder_settings_set
from apps.checkins.services.schedules import schedule_set
from apps.core.audio import audio_storage
from apps.insights.models import Finding, PatientTrigger, PatternSnapshot, SpeechFeatures, TextAnalysis
from apps.notes.models import ClinicalSession, Note, SessionInput
from apps.patient_app.models import DeviceSession
from apps.plans.models import PlanSuggestion
from apps.plans.services import coping_entry_log, safety_plan_save
from apps.plans.treatment import treatment_plan_save, treatment_plan_sign
from tests.apps.checkins.factories import submit_checkin, submit_phq9
from tests.apps.journals.factories import make_text_entry, upload
from tests.conftest import PASSWORD, bearer_client

MARKERS = ("Robin Quill", "Morgan Quill", "allotment", "Marmaduke", "flooded", "Not sleeping", "Low mood")


def _patient_models() -> list[type[models.Model]]:
    """Every model with a direct relation to PatientProfile (a new one must be seeded below)."""
    return sorted(
        {
            rel.related_model
            for rel in PatientProfile._meta.get_fields(include_hidden=True)
            if isinstance(rel, models.ForeignObjectRel)
        },
        key=lambda m: m._meta.label,
    )


def _store(name: str) -> str:
    return audio_storage().save(name, ContentFile(b"RIFF recording of Marmaduke"))


def seed_everything(p, *, signed_note: bool) -> dict:
    patient = p.patient_profile
    p.practice.keep_journal_audio = True
    p.practice.save()
    client = bearer_client(p.patient)
    submit_checkin(patient, note="the allotment flooded")
    response = submit_phq9(patient, [2, 2, 2, 2, 2, 2, 2, 2, 2])
    entry = make_text_entry(patient, text="Marmaduke and the allotment", shared=True)
    audio = {"id": str(uuid.uuid4()), "occurred_at": timezone.now().isoformat(), "timezone": "UTC"}
    client.post("/api/v1/me/journals/", {**audio, "audio": upload("work.wav")}, format="multipart")
    analysis = TextAnalysis.objects.create(
        patient=patient, source_type="journal_entry", source_id=entry.pk, local_date=timezone.localdate(),
        risk_level="none", emotions={"sadness": 0.8}, versions={}, sentence_count=1,
    )  # fmt: skip
    Finding.objects.create(
        analysis=analysis, patient=patient, local_date=analysis.local_date, kind="trigger",
        category="work", score=0.9, start=0, end=1, method="keyword",
    )  # fmt: skip
    SpeechFeatures.objects.create(
        entry_id=entry.pk, patient=patient, local_date=timezone.localdate(), features={}, version="1"
    )
    PatientTrigger.objects.create(patient=patient, key="marmaduke", label="Marmaduke", phrases=["Marmaduke"])
    PatternSnapshot.objects.create(patient=patient, version="1", day_count=1, patterns=[])
    risk_signal_record(
        patient_id=patient.pk, source_type="questionnaire_response", source_id=response.pk, kind="phq9_item9",
        level="high", evidence={"item": "phq9_9"}, occurred_at=timezone.now(),
    )  # fmt: skip
    alerts_process_pending()
    schedule_set(
        actor=p.clinician, patient=patient, kind="mood", interval_days=1, time_of_day=dt.time(9), window_hours=24
    )
    reminder_settings_set(actor=p.patient, patient=patient, quiet_start=dt.time(22), quiet_end=dt.time(7))
    now = timezone.now()
    DueItem.objects.create(
        patient=patient, schedule=Schedule.objects.get(patient=patient), kind="mood", due_at=now,
        window_ends_at=now + dt.timedelta(hours=2),
    )  # fmt: skip
    safety_plan_save(actor=p.clinician, patient=patient, content={"warning_signs": ["Not sleeping"]})
    treatment_plan_sign(
        actor=p.clinician,
        plan=treatment_plan_save(actor=p.clinician, patient=patient, content={"problems": ["Low mood"]}),
    )
    coping_entry_log(
        actor=p.patient, patient=patient, id=uuid.uuid4(), kind="coping", strategy="allotment walk",
        occurred_at=now, timezone="UTC",
    )  # fmt: skip
    PlanSuggestion.objects.create(
        patient=patient, strategy="worry_time", text="Latest phq9 total 18", evidence={}, fingerprint="f"
    )
    Invitation.objects.create(
        practice=p.practice, patient=patient, code_digest="9" * 64, expires_at=now + dt.timedelta(days=1)
    )
    BreakGlassGrant.objects.create(
        practice=p.practice, patient=patient, user=p.unassigned_clinician, reason="crisis", expires_at=now
    )
    PatientExport.objects.create(patient=patient, state="ready", storage_key=_store("exports/old.zip"))
    Device.objects.create(user=p.patient, token="patient-phone", platform="ios", last_seen_at=now)
    browser = Client()
    browser.post("/app/signin/", {"username": p.patient.username, "password": PASSWORD})
    session = ClinicalSession.objects.create(
        patient=patient, clinician=p.clinician, started_at=now, modality="video", participants=["partner"]
    )
    SessionInput.objects.create(
        session=session, kind="recording", status="done", audio_name=_store("sessions/rec.wav"),
        utterances=[{"text": "Marmaduke"}],
    )  # fmt: skip
    Note.objects.create(
        session=session, version=1, template_key="soap", template_version=1, provenance={},
        sections=[{"key": "plan", "title": "Plan", "sentences": [_kept_sentence]}],
        status="signed" if signed_note else "draft", signed_by=p.clinician if signed_note else None,
        signed_at=now if signed_note else None,
    )  # fmt: skip
    if signed_note:
        draft_session = ClinicalSession.objects.create(
            patient=patient, clinician=p.clinician, started_at=now, modality="video"
        )
        Note.objects.create(
            session=draft_session, version=1, template_key="soap", template_version=1, provenance={},
            sections=[{"key": "plan", "title": "Plan", "sentences": [_draft_sentence]}],
        )  # fmt: skip
    seeded = {m: m.objects.filter(patient=patient).count() for m in _patient_models() if _has_patient(m)}
    missing = [m._meta.label for m, n in seeded.items() if n == 0]
    assert missing == [], f"seed every kind of patient row: {missing}"
    assert DeviceSession.objects.filter(user=p.patient).exists()
    assert AlertDelivery.objects.filter(alert__patient=patient).exists() and Alert.objects.filter(patient=patient)
    return {"files": _files()}


# The signed note is kept by law (so its words carry no marker); the draft goes.
_kept_sentence = {"text": "Reviewed sleep hygiene.", "source": "clinician", "evidence": []}
_draft_sentence = {"text": "Marmaduke came up again.", "source": "clinician", "evidence": []}


def _has_patient(model) -> bool:
    return any(f.name == "patient" for f in model._meta.get_fields())


def _files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [f for f in root.rglob("*") if f.is_file()] if root.exists() else []


def _assert_nothing_left(p, patient_id, *, keep_sessions: bool):
    for model in _patient_models():
        if not _has_patient(model):
            continue
        left = model.objects.filter(patient_id=patient_id)
        if model is ClinicalSession and keep_sessions:
            assert left.count() == 1 and all(n.status == "signed" for s in left for n in s.notes.all())
            continue
        if model is CareTeamMember and keep_sessions:
            continue  # who may read the signed notes that stay (no PHI: staff ids and roles)
        assert list(left) == [], model._meta.label
    assert not Finding.objects.filter(patient_id=patient_id).exists()
    assert not SessionInput.objects.filter(session__patient_id=patient_id).exists()
    assert not User.objects.filter(pk=p.patient.pk).exists()
    assert not Device.objects.filter(token_digest=device_token_digest("patient-phone")).exists()
    assert not DeviceSession.objects.filter(user_id=p.patient.pk).exists()
    assert _files() == []  # journal audio, session audio, export zips


@pytest.mark.parametrize("signed_note", [False, True])
def test_the_patient_erases_their_record_and_nothing_remains(
    personas, as_user, django_capture_on_commit_callbacks, signed_note
):
    p = personas
    seed_everything(p, signed_note=signed_note)
    assert len(_files()) == 3
    patient_id = p.patient_profile.pk
    client = as_user(p.patient)
    statement = client.get("/api/v1/me/erasure/").json()
    kept = {item["kind"]: item for item in statement["retained"]}
    assert set(kept) == {"signed_notes", "audit_trail"} and kept["signed_notes"]["count"] == int(signed_note)
    assert client.post("/api/v1/me/erasure/", {"confirm": False}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post("/api/v1/me/erasure/", {"confirm": True}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["retained"]["signed_notes"] == int(signed_note)

    _assert_nothing_left(p, patient_id, keep_sessions=signed_note)
    assert client.get("/api/v1/me/profile/").status_code == 401  # the account is gone with its tokens
    assert AuditEvent.objects.filter(patient_id=patient_id).exists()  # the trail stays
    event = AuditEvent.objects.get(action="delete", object_type="patient", patient_id=patient_id)
    assert event.data_category == "erasure"
    request = ErasureRequest.objects.get(patient_ref=patient_id)
    assert request.requested_by_role == "patient" and request.completed_at

    staff = as_user(p.clinician)
    if signed_note:
        tombstone = PatientProfile.objects.get(pk=patient_id)
        assert tombstone.full_name == "(erased)" and tombstone.emergency_contact_name == ""
        for url in [f"/api/v1/patients/{patient_id}/", f"/api/v1/patients/{patient_id}/brief/", "/api/v1/patients/"]:
            body = staff.get(url).content.decode()
            assert not [m for m in MARKERS if m in body], url
        sessions = staff.get(f"/api/v1/patients/{patient_id}/sessions/").json()
        assert len(sessions["results"] if isinstance(sessions, dict) else sessions) == 1  # the signed note's session
    else:
        assert not PatientProfile.objects.filter(pk=patient_id).exists()
        assert staff.get(f"/api/v1/patients/{patient_id}/").status_code == 404
        assert staff.get(f"/api/v1/patients/{patient_id}/brief/").status_code == 404


def test_a_practice_admin_erases_a_record_on_request(personas, as_user, django_capture_on_commit_callbacks):
    p = personas
    seed_everything(p, signed_note=False)
    patient_id = p.patient_profile.pk
    url = f"/api/v1/patients/{patient_id}/erasure/"
    assert as_user(p.clinician).post(url, {"confirm": True}, format="json").status_code == 403
    assert as_user(p.outsider).post(url, {"confirm": True}, format="json").status_code in (403, 404)
    admin = as_user(p.admin)
    assert admin.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(url, {"confirm": True}, format="json").status_code == 200
    _assert_nothing_left(p, patient_id, keep_sessions=False)
    assert ErasureRequest.objects.get(patient_ref=patient_id).requested_by == p.admin


def test_the_patient_app_states_what_is_kept_before_erasing(personas, django_capture_on_commit_callbacks):
    browser = Client()
    browser.force_login(personas.patient)
    page = browser.get("/app/me/erase/").content.decode()
    assert "What the practice must keep by law" in page and "Signed clinical notes" in page
    assert browser.post("/app/me/erase/", {}).status_code == 400  # not confirmed
    assert PatientProfile.objects.filter(pk=personas.patient_profile.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = browser.post("/app/me/erase/", {"confirm": "on"})
    assert done.status_code == 200 and "Clear-Site-Data" in done
    assert not PatientProfile.objects.filter(pk=personas.patient_profile.pk).exists()
    assert browser.get("/app/me/").status_code == 302  # signed out


def test_the_me_page_offers_the_download(personas, django_capture_on_commit_callbacks):
    browser = Client()
    browser.force_login(personas.patient)
    assert "Prepare a download of all my data" in browser.get("/app/me/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/app/me/export/")
    export = PatientExport.objects.get()
    page = browser.get("/app/me/").content.decode()
    assert f"/app/me/export/{export.pk}/download/" in page
    download = browser.get(f"/app/me/export/{export.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"
    other = Client()
    other.force_login(personas.outsider_patient_profile.user)
    assert other.get(f"/app/me/export/{export.pk}/download/").status_code == 404
