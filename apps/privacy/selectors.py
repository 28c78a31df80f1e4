"""Reads for the patient's privacy rights: what erasure removes and keeps (shown before the patient
confirms), their latest export, and an export's file for download."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import ExportState, PatientExport, PatientProfile
from apps.core.audio import audio_storage
from apps.core.errors import Gone, NotFound
from apps.notes.models import Note, NoteStatus

RETAINED = {
    "signed_notes": _("Signed clinical notes: the practice must keep its clinical record for the period the law sets."),
    "audit_trail": _("The audit trail of who read or changed your record and when (identifiers only, no content)."),
}
REMOVED = [
    _("your profile and sign-in account"),
    _("check-ins, questionnaires and coping log"),
    _("journal entries, their transcripts and recordings"),
    _("safety plan and treatment plan"),
    _("consents, reminders and schedules"),
    _("everything derived from them: themes, findings, risk signals, alerts, suggestions"),
    _("session recordings, transcripts and unsigned notes"),
    _("data exports"),
]


def erasure_statement(patient: PatientProfile) -> dict[str, Any]:
    """What erasure removes and what it keeps, shown before the patient confirms."""
    signed = Note.objects.filter(session__patient=patient, status=NoteStatus.SIGNED).count()
    return {
        "removed": REMOVED,
        "retained": [
            {"kind": kind, "why": why, "count": signed if kind == "signed_notes" else None}
            for kind, why in RETAINED.items()
        ],
    }


def patient_export_latest(*, patient: PatientProfile) -> PatientExport | None:
    return PatientExport.objects.filter(patient=patient).order_by("-created_at").first()


def patient_export_open(*, export: PatientExport):
    """The decrypted zip's chunks, for a streaming download (the door records the ``export`` event)."""
    if export.state == ExportState.EXPIRED or (export.expires_at and export.expires_at <= timezone.now()):
        raise Gone("This export has expired: ask for a new one.", code="export_expired")
    if export.state != ExportState.READY:
        raise NotFound("This export is not ready yet.", code="export_not_ready")
    return audio_storage().stream(export.storage_key)
