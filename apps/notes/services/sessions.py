"""Note templates, clinical sessions and their inputs (recording, dictation, typed summary)."""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max

from apps.accounts.models import ConsentKind, PatientProfile, User
from apps.accounts.selectors import consent_is_granted
from apps.audit.services import AuditAction, audit_log
from apps.core.audio import audio_storage
from apps.core.audio import probe as audio
from apps.core.errors import Conflict, Forbidden, Invalid, ServiceError
from apps.core.jobs import enqueue_on_commit
from apps.notes.models import ClinicalSession, InputKind, InputStatus, NoteTemplate, SessionInput
from apps.notes.selectors import note_templates_list
from ml import notes as drafting
from ml.session_risk import typed_utterances

CATEGORY = "session_note"
MAX_RECORDING_MINUTES = 120


def _require_clinician(actor: User) -> None:
    if not actor.is_care_staff:
        raise Forbidden("Only the care team can do this.")


def note_template_publish(*, actor: User, definition: dict):
    if not actor.is_practice_admin:
        raise Forbidden("Only practice admins can add templates.")
    problems = drafting.validate_template(definition)
    if definition.get("key") in {t["key"] for t in drafting.builtin_templates()}:
        problems.append("this key is a built-in template; choose another")
    if problems:
        raise Invalid({"definition": problems})
    with transaction.atomic():
        latest = NoteTemplate.objects.filter(practice_id=actor.practice_id, key=definition["key"]).aggregate(
            v=Max("version")
        )["v"]
        row = NoteTemplate.objects.create(
            practice_id=actor.practice_id, key=definition["key"], version=(latest or 0) + 1, definition=definition
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="note_template",
            object_id=row.pk,
            detail={"key": row.key, "version": row.version},
        )
    return row


def clinical_session_create(*, actor: User, patient: PatientProfile, **fields) -> ClinicalSession:
    _require_clinician(actor)
    if fields.get("template_key") and fields["template_key"] not in note_templates_list(patient.practice_id):
        raise ServiceError("Unknown note template.", code="invalid", field="template_key")
    with transaction.atomic():
        session = ClinicalSession.objects.create(patient=patient, clinician=actor, **fields)
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="clinical_session",
            object_id=session.pk,
            patient_id=patient.pk,
            data_category=CATEGORY,
        )
    return session


def _input_created(actor: User, item: SessionInput, detail: dict) -> None:
    """Audit a new input and queue its processing (inside the creating transaction)."""
    audit_log(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="session_input",
        object_id=item.pk,
        patient_id=item.session.patient_id,
        data_category=CATEGORY,
        detail=detail,
    )
    enqueue_on_commit("notes.process_input", input_id=str(item.pk))


def session_input_add_typed(*, actor: User, session: ClinicalSession, text: str) -> SessionInput:
    _require_clinician(actor)
    # A typed transcript ("Clinician: …" / "Patient: …" lines) keeps its speakers; prose is the
    # clinician's own summary. Either way it is risk-screened in ``processing``.
    utterances = typed_utterances(text)
    labelled = any(u["speaker"] != "summary" for u in utterances)
    with transaction.atomic():
        item = SessionInput.objects.create(
            session=session,
            kind=InputKind.TYPED,
            status=InputStatus.DRAFTING,
            utterances=utterances,
            transcription={"attribution": "typed_labels"} if labelled else {},
        )
        _input_created(actor, item, {"kind": "typed"})
    return item


def session_input_add_audio(
    *, actor: User, session: ClinicalSession, kind: str, audio_file: UploadedFile
) -> SessionInput:
    """A recording needs the patient's current consent to session recording; dictation never does."""
    _require_clinician(actor)
    if kind == InputKind.RECORDING and not consent_is_granted(
        patient_id=session.patient_id, kind=ConsentKind.SESSION_RECORDING
    ):
        raise Conflict(
            "The patient has not consented to session recording. Dictate or type a summary instead.",
            code="consent_required",
            field="audio",
        )
    minutes = MAX_RECORDING_MINUTES if kind == InputKind.RECORDING else settings.JOURNAL_MAX_AUDIO_MINUTES
    with (
        audio.accepted_audio(
            audio_file,
            max_bytes=settings.JOURNAL_MAX_UPLOAD_MB * 1024 * 1024 * (8 if kind == InputKind.RECORDING else 1),
            max_seconds=minutes * 60,
            name=lambda info: (
                f"{session.patient.practice_id}/{session.patient_id}/sessions/{session.pk}.{info.container}.enc"
            ),
            storage=audio_storage(),
        ) as (name, info),
        transaction.atomic(),
    ):
        item = SessionInput.objects.create(
            session=session,
            kind=kind,
            status=InputStatus.QUEUED,
            audio_name=name,
            audio_format=info.container,
            audio_seconds=info.seconds,
        )
        _input_created(actor, item, {"kind": kind, "seconds": info.seconds})
    return item
