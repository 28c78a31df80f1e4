"""Erasing a patient's record: on the patient's own request (``/api/v1/me/erasure/``) or a practice
admin's (``/api/v1/patients/{id}/erasure/``).

Invariants (tests in tests/apps/privacy/test_erasure.py, which seeds every kind of row):

- Every row that belongs to the patient goes, found through every relation that points at
  ``PatientProfile`` (so a new kind of row is covered without a change here), with everything that
  hangs off those rows (findings, deliveries, session inputs), and every file: journal and session
  audio, export zips. The patient's sign-in account goes too (devices, sessions, tokens die with it).
- Kept, because the practice must keep them by law, and said so before the patient confirms
  (``erasure_statement``): signed clinical notes (with their session's date and clinician, and the
  care team that may read them) and the audit trail (which holds identifiers, never PHI values).
  Where signed notes remain, the patient row stays as a tombstone without name, birth date or
  contacts; otherwise it is deleted.
- The erasure itself is audited (``delete`` on ``patient``, counts by kind) and recorded as an
  ``ErasureRequest`` without PHI.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import ForeignObjectRel
from django.utils import timezone

from apps.accounts.models import CareTeamMember, ErasureRequest, PatientExport, PatientProfile, User
from apps.audit.services import AuditAction, audit_log
from apps.core.audio import audio_storage
from apps.core.errors import Forbidden
from apps.core.models import RealtimeEvent
from apps.journals.models import JournalEntry
from apps.notes.models import ClinicalSession, Note, NoteStatus, SessionInput

ERASED_NAME = "(erased)"
# Relations to PatientProfile that erasure handles itself rather than by bulk deletion.
_HANDLED = {CareTeamMember, ClinicalSession}


def _patient_relations() -> list[ForeignObjectRel]:
    return [
        rel
        for rel in PatientProfile._meta.get_fields(include_hidden=True)
        if isinstance(rel, ForeignObjectRel) and rel.related_model not in _HANDLED
    ]


def _files_of(patient: PatientProfile) -> list[str]:
    names = list(
        JournalEntry.objects.filter(patient=patient).exclude(audio_name="").values_list("audio_name", flat=True)
    )
    names += (
        SessionInput.objects.filter(session__patient=patient)
        .exclude(audio_name="")
        .values_list("audio_name", flat=True)
    )
    names += PatientExport.objects.filter(patient=patient).exclude(storage_key="").values_list("storage_key", flat=True)
    return names


def patient_erase(*, actor: User, patient: PatientProfile) -> ErasureRequest:
    """Erase ``patient`` now. ``actor`` is the patient themself or a practice admin of their practice."""
    own = patient.user_id is not None and actor.pk == patient.user_id
    if not own and not (actor.is_practice_admin and actor.practice_id == patient.practice_id):
        raise Forbidden("Only the patient or a practice admin can erase a record.")
    files = _files_of(patient)
    removed: Counter[str] = Counter()
    patient_id, patient_user = patient.pk, patient.user
    with transaction.atomic():
        request = ErasureRequest.objects.create(
            practice_id=patient.practice_id,
            patient_ref=patient_id,
            requested_by=None if own else actor,  # the patient's account is about to go
            requested_by_role="patient" if own else "practice_admin",
        )
        for rel in _patient_relations():
            deleted, by_model = rel.related_model.objects.filter(**{rel.field.name: patient}).delete()
            removed.update({label: n for label, n in by_model.items() if n})
        sessions = ClinicalSession.objects.filter(patient=patient)
        _, by_model = SessionInput.objects.filter(session__in=sessions).delete()
        removed.update({label: n for label, n in by_model.items() if n})
        _, by_model = Note.objects.filter(session__in=sessions).exclude(status=NoteStatus.SIGNED).delete()
        removed.update({label: n for label, n in by_model.items() if n})
        _, by_model = sessions.exclude(notes__status=NoteStatus.SIGNED).delete()
        removed.update({label: n for label, n in by_model.items() if n})
        signed = Note.objects.filter(session__patient=patient, status=NoteStatus.SIGNED).count()
        if signed:
            _tombstone(patient)
        else:
            CareTeamMember.objects.filter(patient=patient).delete()
            patient.delete()
            removed["accounts.PatientProfile"] += 1
        if patient_user is not None:
            removed["accounts.User"] += 1
        request.completed_at = timezone.now()
        request.removed = dict(removed)
        request.retained = {"signed_notes": signed, "audit_trail": True}
        request.save(update_fields=["completed_at", "removed", "retained"])
        audit_log(
            actor=actor,
            action=AuditAction.DELETE,
            object_type="patient",
            object_id=patient_id,
            patient_id=patient_id,
            practice_id=request.practice_id,
            data_category="erasure",
            detail={"erasure_request": str(request.pk), "removed": dict(removed), "retained_signed_notes": signed},
        )
        if patient_user is not None:
            RealtimeEvent.objects.filter(user_id=patient_user.pk).delete()
            patient_user.delete()
        storage = audio_storage()
        transaction.on_commit(lambda: [storage.delete(name) for name in files])
    return request


def _tombstone(patient: PatientProfile) -> None:
    """Keep the row the signed notes hang off, with nothing that identifies the person."""
    patient.full_name = ERASED_NAME
    patient.date_of_birth = None
    patient.emergency_contact_name = ""
    patient.emergency_contact_phone = ""
    patient.user = None
    patient.save()
