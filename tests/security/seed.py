"""One practice's worth of every kind of record, with PHI markers, for the security sweeps."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from apps.accounts.models import BreakGlassGrant, CareTeamMember, Device, Invitation, PatientExport

# Strings that exist only in our patient's records: any answer carrying one carries their PHI.
JOURNAL_MARKER = "Zephyrine-journal-7Q"
NOTE_MARKER = "Quillfeather-note-4K"
CLINICAL_MARKERS = (JOURNAL_MARKER, NOTE_MARKER)


@dataclass
class Seeded:
    ids_by_segment: dict[str, str]  # the path segment before {id} -> one of our records of that kind
    patient_id: str
    record_ids: set[str] = field(default_factory=set)  # every id of our patient's rows


def seed_practice_records(p) -> Seeded:
    """Give the personas' patient one of everything an endpoint can name (all in our practice)."""
    from apps.alerts.models import Alert
    from apps.alerts.services import alerts_process_pending
    from apps.insights.models import PatientTrigger
    from apps.notes.models import ClinicalSession, SessionInput
    from apps.plans.models import PlanSuggestion
    from apps.plans.services import safety_plan_save
    from tests.apps.alerts.test_alerts import signal
    from tests.apps.checkins.factories import submit_checkin, submit_phq9
    from tests.apps.journals.factories import make_text_entry

    patient = p.patient_profile
    response = submit_phq9(patient, [1] * 9)
    checkin = submit_checkin(patient, note=f"Felt {NOTE_MARKER} today")
    journal = make_text_entry(patient, text=f"Wrote about {JOURNAL_MARKER} at length.", shared=True)
    session = ClinicalSession.objects.create(
        patient=patient, clinician=p.clinician, started_at="2026-01-01T10:00Z", modality="video"
    )
    session_input = SessionInput.objects.create(session=session, kind="typed", status="done", utterances=[])
    trigger = PatientTrigger.objects.create(patient=patient, key="my_ex", label="My ex", phrases=["my ex"])
    suggestion = PlanSuggestion.objects.create(
        patient=patient, strategy="worry_time", text="x", evidence={}, fingerprint="q:gad7:2"
    )
    member = CareTeamMember.objects.filter(patient=patient).first()
    invitation = Invitation.objects.create(
        practice=p.practice, patient=patient, code_digest="x" * 64, expires_at="2099-01-01T00:00Z"
    )
    safety_plan_save(actor=p.clinician, patient=patient, content={"warning_signs": ["x"]})
    signal(patient)
    alerts_process_pending()
    alert = Alert.objects.get(patient=patient)
    device = Device.objects.create(
        user=p.patient, token="matrix-token-ours", platform="android", last_seen_at=timezone.now()
    )
    grant = BreakGlassGrant.objects.create(
        practice=p.practice, patient=patient, user=p.care_team, reason="seeded", expires_at=timezone.now()
    )
    export = PatientExport.objects.create(patient=patient)
    ids = {
        "patients": patient.id,
        "break-glass": grant.id,
        "export": export.id,
        "questionnaires": response.id,
        "journals": journal.id,
        "sessions": session.id,
        "inputs": session_input.id,
        "custom-triggers": trigger.id,
        "suggestions": suggestion.id,
        "care-team": member.id,
        "invitations": invitation.id,
        "alerts": alert.id,
        "devices": device.id,
        "staff": p.clinician.id,
        "versions": 1,  # a note version is numbered within its session, not a record id of its own
    }
    records = {str(v) for k, v in ids.items() if k not in ("staff", "versions")} | {str(checkin.id)}
    return Seeded({k: str(v) for k, v in ids.items()}, str(patient.id), records)
