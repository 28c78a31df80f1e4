"""Journal entries: create (audio or text), share, delete, and the transcription job's steps."""

from __future__ import annotations

import datetime as dt
import io
import logging
import uuid

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import ConsentKind, PatientProfile, User
from apps.accounts.selectors import consent_is_granted
from apps.alerts.models import RiskSignal
from apps.audit.services import AuditAction, audit_log
from apps.core.audio import audio_storage, refusal_record, speech_transcribe
from apps.core.audio import probe as audio
from apps.core.audio.storage import AudioDecryptionError
from apps.core.hooks import Hook
from apps.core.jobs import RetryLater, enqueue_on_commit
from apps.core.lease import held, row_claim, row_fail, row_lock_if_claimed, rows_resend_stalled
from apps.core.offline import already_submitted, check_occurred_at, local_date_of
from apps.core.realtime import notify_user, on_commit_best_effort
from apps.journals.models import TERMINAL_STATUSES, EntryKind, EntryStatus, JournalEntry
from ml.language_guard import LanguageRefusal

logger = logging.getLogger(__name__)
CATEGORY = "journal"
SOURCE = "journal_entry"


# Answered by insights (apps/insights/handlers.py): the journals app sits below the analysis of it.
journal_entry_analyse = Hook(
    "journals.analyse",
    "handler(entry=JournalEntry, audio=bytes | None): speech and text analysis, risk signals; errors retry the job",
)
journal_entry_derived_delete = Hook(
    "journals.derived_delete",
    "handler(entry=JournalEntry): delete what was derived from the entry (inside the delete's transaction)",
)


class PermanentJobError(RuntimeError):
    """Retrying cannot help (the audio is damaged or undecryptable)."""


def _notify_after_commit(entry: JournalEntry) -> None:
    user_id, payload = entry.patient.user_id, {"id": str(entry.pk), "status": entry.status}
    if user_id:
        on_commit_best_effort(notify_user, user_id, "journal.status", payload)


def _enqueue(entry_id) -> None:
    enqueue_on_commit("journals.process", entry_id=str(entry_id))


def _default_shared(patient: PatientProfile, shared: bool | None) -> bool:
    if shared is not None:
        return shared
    return consent_is_granted(patient_id=patient.pk, kind=ConsentKind.JOURNAL_SHARING)


def journal_entry_create_text(
    *,
    actor: User,
    patient: PatientProfile,
    id: uuid.UUID,
    occurred_at: dt.datetime,  # noqa: A002
    timezone: str,
    text: str,
    shared: bool | None = None,
) -> tuple[JournalEntry, bool]:
    existing = already_submitted(JournalEntry, id, patient)
    if existing is not None:
        return existing, False
    check_occurred_at(occurred_at)
    with transaction.atomic():
        entry = JournalEntry.objects.create(
            id=id,
            patient=patient,
            kind=EntryKind.TEXT,
            occurred_at=occurred_at,
            timezone=timezone,
            local_date=local_date_of(occurred_at, timezone),
            shared_with_care_team=_default_shared(patient, shared),
            status=EntryStatus.ANALYSING,  # typed entries skip transcription
            text=text,
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="journal_entry",
            object_id=entry.pk,
            patient_id=patient.pk,
            data_category=CATEGORY,
            detail={"kind": "text"},
        )
        _enqueue(entry.pk)
    return entry, True


def journal_entry_create_audio(
    *,
    actor: User,
    patient: PatientProfile,
    id: uuid.UUID,
    occurred_at: dt.datetime,  # noqa: A002
    timezone: str,
    audio_file: UploadedFile,
    shared: bool | None = None,
) -> tuple[JournalEntry, bool]:
    """Validate, encrypt and store the recording, then queue transcription. A rejected upload leaves
    nothing behind; a stored file is removed again if the row cannot be written."""
    existing = already_submitted(JournalEntry, id, patient)
    if existing is not None:
        return existing, False
    check_occurred_at(occurred_at)
    with (
        audio.accepted_audio(
            audio_file,
            max_bytes=settings.JOURNAL_MAX_UPLOAD_MB * 1024 * 1024,
            max_seconds=settings.JOURNAL_MAX_AUDIO_MINUTES * 60,
            name=lambda info: f"{patient.practice_id}/{patient.pk}/{id}.{info.container}.enc",
            storage=audio_storage(),
        ) as (name, info),
        transaction.atomic(),
    ):
        entry = JournalEntry.objects.create(
            id=id,
            patient=patient,
            kind=EntryKind.AUDIO,
            occurred_at=occurred_at,
            timezone=timezone,
            local_date=local_date_of(occurred_at, timezone),
            shared_with_care_team=_default_shared(patient, shared),
            status=EntryStatus.QUEUED,
            audio_name=name,
            audio_format=info.container,
            audio_codec=info.codec,
            audio_seconds=info.seconds,
            audio_bytes=audio_file.size,
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="journal_entry",
            object_id=entry.pk,
            patient_id=patient.pk,
            data_category=CATEGORY,
            detail={"kind": "audio", "seconds": info.seconds, "format": info.container},
        )
        _enqueue(entry.pk)
    return entry, True


def journal_entry_set_shared(*, actor: User, entry: JournalEntry, shared: bool) -> JournalEntry:
    with transaction.atomic():
        entry.shared_with_care_team = shared
        entry.save(update_fields=["shared_with_care_team", "updated_at"])
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="journal_entry",
            object_id=entry.pk,
            patient_id=entry.patient_id,
            data_category=CATEGORY,
            detail={"shared_with_care_team": shared},
        )
    return entry


def journal_entry_delete(*, actor: User, entry: JournalEntry) -> None:
    """The entry, its transcript, its audio and everything derived from it go; an audit event stays."""
    name = entry.audio_name
    with transaction.atomic():
        RiskSignal.objects.filter(source_type=SOURCE, source_id=str(entry.pk)).delete()
        journal_entry_derived_delete(entry=entry)
        audit_log(
            actor=actor,
            action=AuditAction.DELETE,
            object_type="journal_entry",
            object_id=entry.pk,
            patient_id=entry.patient_id,
            data_category=CATEGORY,
            detail={"kind": entry.kind},
        )
        entry.delete()
        if name:
            transaction.on_commit(lambda: audio_storage().delete(name))


# --- the transcription job --------------------------------------------------------------------
def _claim(entry_id, *, take_over: bool = False) -> JournalEntry | None:
    """Move a queued entry to ``transcribing`` (or resume one a dead worker left there). Entries
    already transcribed, done or failed are returned unchanged for the caller to skip or finish."""
    moves = {EntryStatus.QUEUED: EntryStatus.TRANSCRIBING, EntryStatus.TRANSCRIBING: EntryStatus.TRANSCRIBING}
    lease = dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)
    with transaction.atomic():
        entry, claimed = row_claim(
            JournalEntry.objects.select_related("patient", "patient__practice"),
            entry_id,
            moves=moves,
            lease=None if take_over else lease,
        )
        if claimed:
            _notify_after_commit(entry)
        elif entry is not None and held(entry, moves=moves, lease=lease):
            # Another worker is transcribing it now (a duplicate message: a resend, a redelivery). Come
            # back when its lease would have lapsed: then it is done, or its worker died and this resumes.
            raise RetryLater(countdown=settings.JOB_LEASE_SECONDS)
    return entry


def journal_entry_fail(*, entry_id, reason: str) -> None:
    with transaction.atomic():
        entry = row_fail(JournalEntry.objects.select_related("patient"), entry_id, reason=reason)
        if entry is not None:
            _notify_after_commit(entry)


def _transcribe(entry: JournalEntry) -> JournalEntry | None:
    """Transcribe and store, once: the write happens only if this run still holds the claim (the
    entry is ``transcribing`` and no later run has claimed it since), so a run resumed after its
    worker was presumed dead can never store a second transcript or a second audit event."""
    attempt = entry.attempts
    try:
        with audio_storage().open(entry.audio_name) as handle:
            data = io.BytesIO(handle.read())
    except AudioDecryptionError as exc:
        raise PermanentJobError("the stored recording could not be decrypted") from exc
    try:
        transcript = speech_transcribe(data, patient=entry.patient)
    except Exception as exc:
        if type(exc).__module__.startswith("av"):  # PyAV decode errors: the recording itself is damaged
            raise PermanentJobError("the recording could not be decoded") from exc
        raise
    with transaction.atomic():
        pk = entry.pk
        entry = row_lock_if_claimed(
            JournalEntry.objects.select_related("patient"), pk, status=EntryStatus.TRANSCRIBING, attempt=attempt
        )
        if entry is None:  # deleted by the patient while we worked, or claimed again by a later run
            logger.info("journal %s is gone or was claimed again while this run transcribed; result dropped", pk)
            return None
        if isinstance(transcript, LanguageRefusal):
            return _not_transcribed(entry, transcript)
        entry.text = transcript.text
        entry.segments = [
            {"start": s.start, "end": s.end, "text": s.text, "language": s.language or transcript.language}
            for s in transcript.segments
        ]
        entry.transcription = {
            "model_id": transcript.model_id,
            "model_version": transcript.model_version,
            "settings": transcript.settings,
            "language": transcript.language,
            "language_probability": transcript.language_probability,
            "preferred_language": entry.patient.preferred_language,
            "language_differs_from_preferred": transcript.language != _base_language(entry.patient.preferred_language),
            "duration": transcript.duration,
            "dropped_segments": [{"start": d.start, "end": d.end, "reason": d.reason} for d in transcript.dropped],
        }
        _store_transcription(
            entry,
            EntryStatus.TRANSCRIBED,
            {"job": "transcription", "model": transcript.model_id, "version": transcript.model_version},
        )
    return entry


def _store_transcription(entry: JournalEntry, status: str, detail: dict) -> None:
    """Save the transcription step's result with its audit event (inside the caller's transaction)."""
    entry.status = status
    entry.save(update_fields=["text", "segments", "transcription", "status", "updated_at"])
    audit_log(
        actor=None,
        action=AuditAction.AI_PROCESS,
        object_type="journal_entry",
        object_id=entry.pk,
        patient_id=entry.patient_id,
        practice_id=entry.patient.practice_id,
        data_category=CATEGORY,
        detail=detail,
    )
    _notify_after_commit(entry)


def _base_language(code: str) -> str:
    return (code or "en").split("-")[0].lower()


def _not_transcribed(entry: JournalEntry, refusal: LanguageRefusal) -> JournalEntry:
    """The terminal ``language_unsupported`` state (inside the caller's transaction): no transcript and no
    risk screening, recorded as such, and the recording kept whatever the retention setting, so the care
    team can listen to what no model screened."""
    entry.text, entry.segments = "", []
    entry.transcription = refusal_record(refusal)
    _store_transcription(
        entry,
        EntryStatus.LANGUAGE_UNSUPPORTED,
        {"job": "transcription", "outcome": refusal.reason, "model": refusal.model_id, "risk_screened": False},
    )
    return entry


def _analyse(entry_id) -> JournalEntry | None:
    """transcribed → analysing: speech features from the audio (while it still exists) and the text
    analysis (triggers, emotions, risk language → risk signals). Errors propagate so the task retries:
    an entry is never marked done with its risk screening silently skipped."""
    with transaction.atomic():
        entry = _lock_after_transcription(entry_id)
        if entry is None:
            return None
        if entry.status != EntryStatus.ANALYSING:
            entry.status = EntryStatus.ANALYSING
            entry.save(update_fields=["status", "updated_at"])
            _notify_after_commit(entry)
    audio = None
    if entry.kind == EntryKind.AUDIO and entry.audio_name:
        with audio_storage().open(entry.audio_name) as handle:
            audio = handle.read()
    journal_entry_analyse(entry=entry, audio=audio)
    return entry


def _lock_after_transcription(entry_id) -> JournalEntry | None:
    """The entry, row-locked, if it is between transcription and done (call inside a transaction)."""
    return (
        JournalEntry.objects.select_for_update()
        .select_related("patient", "patient__practice")
        .filter(pk=entry_id, status__in=[EntryStatus.TRANSCRIBED, EntryStatus.ANALYSING])
        .first()
    )


def _finish(entry_id) -> JournalEntry | None:
    """Apply the practice's audio retention and mark the entry done."""
    with transaction.atomic():
        entry = _lock_after_transcription(entry_id)
        if entry is None:
            return None
        old_name = entry.audio_name
        if old_name and not entry.patient.practice.keep_journal_audio:
            entry.audio_name, entry.audio_deleted_at = "", timezone.now()
            transaction.on_commit(lambda: audio_storage().delete(old_name))
        entry.status = EntryStatus.DONE
        entry.save(update_fields=["audio_name", "audio_deleted_at", "status", "updated_at"])
        _notify_after_commit(entry)
    return entry


def journal_entries_resume_stalled(*, now: dt.datetime | None = None) -> int:
    """Send again the journal jobs that lost their worker (``apps.core.lease.rows_resend_stalled``)."""
    return rows_resend_stalled(
        JournalEntry,
        claimed=[EntryStatus.TRANSCRIBING, EntryStatus.TRANSCRIBED, EntryStatus.ANALYSING],
        queued=EntryStatus.QUEUED,
        job="journals.process",
        argument="entry_id",
        take_over="take_over",
        now=now,
    )


def journal_entry_process(*, entry_id, take_over: bool = False) -> JournalEntry | None:
    """One run of the job: queued → transcribing → transcribed → analysing → done (typed entries start
    at analysing), or transcribing → language_unsupported (terminal) when the language guard refuses.
    Safe to repeat at any point: it resumes where a previous run stopped. A fresh claim
    (touched within the lease) belongs to a live run and is left to it, unless this run follows one known
    to be dead (``take_over``): its own failed attempt (a retry), or a stalled claim the sweeper found.
    Raises ``PermanentJobError`` for damaged audio; other exceptions are retried by the task."""
    entry = _claim(entry_id, take_over=take_over)
    if entry is None or entry.status in TERMINAL_STATUSES:
        return entry
    if entry.status == EntryStatus.TRANSCRIBING:
        if not consent_is_granted(patient_id=entry.patient_id, kind=ConsentKind.AI_PROCESSING):
            # No AI processing without consent: the recording stays, untranscribed, for the care team to hear.
            with transaction.atomic():
                entry.status = EntryStatus.DONE
                entry.transcription = {"skipped": "no_ai_processing_consent"}
                entry.save(update_fields=["status", "transcription", "updated_at"])
                _notify_after_commit(entry)
            return entry
        entry = _transcribe(entry)
        if entry is None or entry.status == EntryStatus.LANGUAGE_UNSUPPORTED:
            return entry
    if _analyse(entry_id) is None:
        return None
    return _finish(entry_id)
