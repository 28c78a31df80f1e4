"""Processing a session input in the background: transcription, speaker attribution, analytics,
risk screening, then a fresh draft (``services.note_draft_generate``)."""

from __future__ import annotations

import datetime as dt
import io
import logging

from django.db import transaction

from apps.accounts.models import User
from apps.alerts.services import risk_signal_record, risk_signals_supersede
from apps.audit.services import AuditAction, audit_log
from apps.core.audio import audio_storage, refusal_record, speech_route
from apps.core.errors import ServiceError
from apps.core.lease import row_claim, row_fail, row_lock_if_claimed, rows_resend_stalled
from apps.core.realtime import notify_user, on_commit_best_effort
from apps.insights.models import SpeechFeatures as JournalSpeech
from apps.insights.selectors import patient_analysis_allowed
from apps.insights.services import SIGNAL_LEVELS
from apps.notes.models import ClinicalSession, InputKind, InputStatus, SessionInput
from apps.notes.selectors import input_language, speakers_confirmed
from apps.notes.services.drafts import note_draft_generate
from apps.notes.services.live import live_draft_confirm, live_offline_compare
from apps.notes.services.sessions import CATEGORY, _require_clinician

logger = logging.getLogger(__name__)


def _notify(item: SessionInput) -> None:
    clinician_id, payload = item.session.clinician_id, {"input_id": str(item.pk), "status": item.status}
    on_commit_best_effort(notify_user, clinician_id, "session_input.status", payload)


def _set_status(item: SessionInput, new_status: str, **fields) -> None:
    item.status = new_status
    for key, value in fields.items():
        setattr(item, key, value)
    item.save()
    _notify(item)


def _transcribe(item: SessionInput, data: bytes, transcriber):
    """Dictation is the clinician's summary, transcribed whole (at most JOURNAL_MAX_AUDIO_MINUTES).
    Recordings go through ``recording.transcribe_recording``: ten minutes at a time, attributed by channel
    (stereo) or by voice (mono), with a progress event after each chunk. Either way the clinician can
    relabel speakers (``session_input_speakers_relabel``)."""
    from apps.notes.recording import transcribe_recording

    if item.kind == InputKind.DICTATION:
        transcript = transcriber.transcribe(io.BytesIO(data))
        utterances = [
            {"index": i, "speaker": "summary", "text": s.text, "start": s.start, "end": s.end}
            for i, s in enumerate(transcript.segments)
        ]
        dropped = [
            {"start": d.start, "end": d.end, "text": d.text, "reason": d.reason, "channel": "mono"}
            for d in transcript.dropped
        ]
        return utterances, "dictation", [], dropped, {}
    total = item.audio_seconds or 0

    def progress(done: float) -> None:
        notify_user(
            item.session.clinician_id,
            "session_input.progress",
            {"input_id": str(item.pk), "seconds_done": round(done, 1), "seconds_total": total},
        )

    result = transcribe_recording(data, transcriber, expected_speakers(item.session), progress)
    return result.utterances, result.method, result.patient_speech, result.dropped, result.speakers


def expected_speakers(session: ClinicalSession) -> int:
    if session.format == "individual":
        return 2
    return min(6, 1 + max(2, len(session.participants)))


def _analytics(item: SessionInput, utterances: list[dict], patient_speech: list) -> dict:
    """Beside the draft, never in it: timing, the patient's tone over the session, and how the patient's
    voice compares with their own journal recordings (same features as the insight engine)."""
    from apps.notes.recording import combine_speech
    from ml import session_analytics as sa
    from ml import speech
    from ml.analysis import get_analyzer
    from ml.notes import Cues

    turns = [sa.Turn(u["speaker"], u["start"], u["end"], u["text"]) for u in utterances if u["start"] is not None]
    cues = Cues()
    interventions = sorted(
        {
            found[1]
            for u in utterances
            if u["speaker"] == "clinician"
            for found in [cues.intervention(u["text"])]
            if found
        }
    )
    result = {"version": sa.VERSION, **sa.timing(turns), "interventions": interventions}
    if not patient_analysis_allowed(item.session.patient):
        return result
    result["tone"] = sa.tone(turns, get_analyzer().emotions.profile)
    features = combine_speech(patient_speech)
    if features is not None:
        history = [
            speech.SpeechFeatures(**row.features)
            for row in JournalSpeech.objects.filter(
                patient_id=item.session.patient_id, version=features.version
            ).order_by("-created_at")[:60]
        ]
        result["patient_speech"] = {
            "features": features.__dict__,
            "against_journal_baseline": speech.compare_to_baseline(history, features),
        }
    return result


def session_input_speakers_relabel(
    *, actor: User, item: SessionInput, labels: dict[int, str], swap_roles: bool = False
) -> SessionInput:
    """The clinician says who spoke each utterance (``swap_roles`` first exchanges clinician and patient
    everywhere: the answer to "which voice is yours?"); the risk screen re-runs on the new labels and the
    draft is rebuilt (an edited draft is kept). Either way the attribution counts as confirmed, so the
    app stops asking."""
    _require_clinician(actor)
    utterances = item.utterances
    known = {u["index"] for u in utterances}
    if set(labels) - known:
        raise ServiceError("Unknown utterance index.", code="invalid", field="labels")
    swap = {"clinician": "patient", "patient": "clinician"} if swap_roles else {}
    with transaction.atomic():
        for u in utterances:
            u["speaker"] = labels.get(u["index"], swap.get(u["speaker"], u["speaker"]))
        item.utterances = utterances
        speakers = dict((item.transcription or {}).get("speakers") or {})
        speakers.update(needs_confirmation=False, confirmed_by=str(actor.pk))
        item.transcription = {**(item.transcription or {}), "speakers_confirmed": True, "speakers": speakers}
        item.save(update_fields=["utterances", "transcription"])
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="session_input",
            object_id=item.pk,
            patient_id=item.session.patient_id,
            data_category=CATEGORY,
            detail={"relabelled": len(labels), "swapped": swap_roles},
        )
    # Who said it decides what is the patient's risk: new labels, new screen (outside the write
    # transaction: loading the detector must not hold the database).
    _screen_risk(item, reason="speakers_relabelled")
    note_draft_generate(session=item.session)
    return item


def _job_rows():
    return SessionInput.objects.select_related("session__patient__practice", "session__clinician")


def _claim(input_id) -> SessionInput | None:
    """Claim the input for this run (one more attempt): queued or transcribing → transcribing, drafting
    stays drafting (a dead worker's input resumes where it stopped). Done and failed inputs are returned
    unchanged for the caller to skip."""
    moves = {
        InputStatus.QUEUED: InputStatus.TRANSCRIBING,
        InputStatus.TRANSCRIBING: InputStatus.TRANSCRIBING,
        InputStatus.DRAFTING: InputStatus.DRAFTING,
    }
    with transaction.atomic():
        item, claimed = row_claim(_job_rows(), input_id, moves=moves)
        if claimed:
            _notify(item)
    return item


def _transcribe_and_store(item: SessionInput) -> SessionInput | None:
    """Transcribe, attribute and measure, then store once: the write happens only if this run still
    holds its claim, so a run that a later one took over (its worker presumed dead) stores nothing."""
    from ml.language_guard import LanguageRefusal

    attempt = item.attempts
    with audio_storage().open(item.audio_name) as handle:
        data = handle.read()
    transcriber = speech_route(io.BytesIO(data), patient=item.session.patient)
    if isinstance(transcriber, LanguageRefusal):
        return _not_transcribed(item, transcriber)
    utterances, attribution, patient_speech, dropped, speakers = _transcribe(item, data, transcriber)
    analytics = _analytics(item, utterances, patient_speech) if item.kind == InputKind.RECORDING else {}
    with transaction.atomic():
        locked = row_lock_if_claimed(_job_rows(), item.pk, status=InputStatus.TRANSCRIBING, attempt=attempt)
        if locked is None:
            logger.info("session input %s is gone or was claimed again while this run transcribed", item.pk)
            return None
        keep = locked.session.patient.practice.keep_journal_audio
        old_name = locked.audio_name
        _set_status(
            locked,
            InputStatus.DRAFTING,
            utterances=utterances,
            dropped=dropped,
            transcription={
                "model_id": transcriber.model_id,
                "model_version": transcriber.model_version,
                "attribution": attribution,
                "speakers": speakers,
                **_live_state(locked, utterances),
            },
            analytics=analytics,
            audio_name=old_name if keep else "",
        )
        _audit_transcription(locked, {"job": "transcription", "model": transcriber.model_id})
        if not keep:
            transaction.on_commit(lambda: audio_storage().delete(old_name))
    return locked


def _live_state(item: SessionInput, utterances: list[dict]) -> dict:
    """A live input keeps its live state, with how far the offline transcript moved from the live one
    (compared before the live utterances are replaced): that decides whether a refined draft is offered."""
    if "live" not in (item.transcription or {}):
        return {}
    live = item.transcription["live"]
    if "offline_check" not in live:  # a repeated run compares against utterances already replaced
        live = {**live, "offline_check": live_offline_compare(live=item.utterances, offline=utterances)}
    return {"live": live}


def _not_transcribed(item: SessionInput, refusal) -> None:
    """The language guard refused: the input fails with that reason (no retry can change it) and the
    recording is kept whatever the retention setting, since nothing screened it; the clinician sees
    "language not supported by the installed model" where the input's status shows."""
    with transaction.atomic():
        locked = row_lock_if_claimed(_job_rows(), item.pk, status=InputStatus.TRANSCRIBING, attempt=item.attempts)
        if locked is None:
            return None
        _set_status(
            locked,
            InputStatus.FAILED,
            failed_at_state=InputStatus.TRANSCRIBING,
            error=refusal.message,
            transcription=refusal_record(refusal),
        )
        _audit_transcription(
            locked,
            {"job": "transcription", "outcome": refusal.reason, "model": refusal.model_id, "risk_screened": False},
        )
    return None


def _audit_transcription(item: SessionInput, detail: dict) -> None:
    audit_log(
        actor=None,
        action=AuditAction.AI_PROCESS,
        object_type="session_input",
        object_id=item.pk,
        patient_id=item.session.patient_id,
        practice_id=item.session.patient.practice_id,
        data_category=CATEGORY,
        detail=detail,
    )


def _draft_and_finish(item: SessionInput) -> SessionInput | None:
    """Screen for risk and redraft the note (both safe to repeat), then mark the input done if this
    run still holds its claim."""
    attempt = item.attempts
    if not SessionInput.objects.filter(pk=item.pk, status=InputStatus.DRAFTING, attempts=attempt).exists():
        return None  # a later run took over: it drafts
    _screen_risk(item)
    check = (item.transcription or {}).get("live", {}).get("offline_check")
    if check is not None and not check["refine"]:
        live_draft_confirm(session=item.session, check=check)
    else:
        # The offline pass after a live session adds its draft beside the live one (``made_by``).
        live = "live" in (item.transcription or {})
        note_draft_generate(
            session=item.session,
            made_by="offline" if live else "",
            extra_provenance={"offline_check": {**check, "outcome": "refined"}} if check else None,
        )
    with transaction.atomic():
        locked = row_lock_if_claimed(_job_rows(), item.pk, status=InputStatus.DRAFTING, attempt=attempt)
        if locked is None:
            return None
        _set_status(locked, InputStatus.DONE)
    return locked


def session_input_process(*, input_id) -> SessionInput | None:
    """One run of the job: queued → transcribing → drafting → done (typed inputs start at drafting).
    Transcribes audio with the journal pipeline's model (loaded once per worker), keeps the practice's
    audio retention, screens for risk, then redrafts the session's note. Safe to repeat at any point:
    it resumes where a previous run stopped, and only the run holding the claim stores a result."""
    item = _claim(input_id)
    if item is None or item.status in (InputStatus.DONE, InputStatus.FAILED):
        return item
    if item.status == InputStatus.TRANSCRIBING:
        item = _transcribe_and_store(item)
        if item is None:
            return None
    return _draft_and_finish(item)


def session_input_fail(*, input_id, reason: str) -> None:
    """The job gave up: the input is marked failed, with the state it stopped in and the reason (never
    PHI), for the clinician to see."""
    with transaction.atomic():
        item = row_fail(SessionInput.objects.select_related("session"), input_id, reason=reason)
        if item is not None:
            _notify(item)


def session_inputs_resume_stalled(*, now: dt.datetime | None = None) -> int:
    """Send again the session-input jobs that lost their worker (``apps.core.lease.rows_resend_stalled``)."""
    return rows_resend_stalled(
        SessionInput,
        claimed=[InputStatus.TRANSCRIBING, InputStatus.DRAFTING],
        queued=InputStatus.QUEUED,
        job="notes.process_input",
        argument="input_id",
        also_queued_by=("notes.refine_input",),  # the offline pass after a live session, on ml_background
        now=now,
    )


def _screen_risk(item: SessionInput, reason: str = "rescreened") -> None:
    """Every input kind goes to the alert path: recordings, dictation and typed text alike, read turn by
    turn with the speaker and the writer's voice understood (``ml.session_risk``). The clinician was in
    the room, so the signal names them as present: they are not paged, the rest of the care team is (see
    alerts). Re-run whenever the speaker labels change; signals are idempotent per input and level. A
    level an earlier pass found and this one does not is superseded (kept and shown, its alert flagged
    for review, never closed), and one found again is reinstated (``risk_signals_supersede``)."""
    from ml.analysis import NOT_ANALYSED_LANGUAGE, get_analyzer
    from ml.session_risk import LANGUAGES, screen_session

    if not patient_analysis_allowed(item.session.patient):
        return
    # The input's language decides the rules (issue 19): English and Spanish have their own; any other
    # language is not screened, and the input says so rather than running English rules on it.
    decision = input_language(item)
    code = decision.language
    record = {"language": code, "language_source": decision.source}
    if code not in LANGUAGES:
        _screen_record(item, {**record, "screened": False, "not_analysed": NOT_ANALYSED_LANGUAGE})
        _audit_transcription(
            item, {"job": "risk_screen", "risk_screened": False, "not_analysed": NOT_ANALYSED_LANGUAGE}
        )
        return
    analyzer = get_analyzer()
    detector = analyzer.risk.version_for(code)
    screen = screen_session(
        item.utterances,
        lambda text: analyzer.risk.assess(text, language=code),
        speakers_confirmed=speakers_confirmed(item),
        language=code,
    )
    # Findings held for the session clinician's review are no signal: the draft shows them and signing
    # waits on them (``apps.notes.services.risk_review``); the record says what was held and why.
    held = [
        {"level": f.level, "reason": f.review_reason, "utterances": list(f.utterances)} for f in screen.review_items()
    ]
    _screen_record(item, {**record, "screened": True, "detector": detector, "screen": screen.version, "review": held})
    session_risk_record(item, screen, detector=detector, clinician_present=item.session.clinician_id, language=code)
    # A whole pass over the input (not a live partial screen): what it no longer finds is superseded.
    risk_signals_supersede(
        source_type="session_input",
        source_id=item.pk,
        kind_prefix="risk_language_",
        holding={f"risk_language_{level}" for level in screen.by_level() if level in SIGNAL_LEVELS},
        reason=reason,
    )


def _screen_record(item: SessionInput, record: dict) -> None:
    """What the last screen of the input read (language, detector) or why it read nothing."""
    item.transcription = {**(item.transcription or {}), "risk_screen": record}
    SessionInput.objects.filter(pk=item.pk).update(transcription=item.transcription)


def session_risk_record(item: SessionInput, screen, *, detector: str, clinician_present, language: str = "en") -> None:
    """One risk signal per level the screen found (idempotent per input and level), naming the
    clinician present so they are not paged while the care team is alerted per policy."""
    for level, found in screen.by_level().items():
        if level not in SIGNAL_LEVELS:
            continue
        risk_signal_record(
            patient_id=item.session.patient_id,
            source_type="session_input",
            source_id=item.pk,
            kind=f"risk_language_{level}",
            level=SIGNAL_LEVELS[level],
            occurred_at=item.session.started_at,
            evidence={
                "detector": detector,
                "screen": screen.version,
                "language": language,
                "input_kind": item.kind,
                "spans": [
                    {
                        "utterances": list(f.utterances),
                        "start_s": f.start,
                        "end_s": f.end,
                        "source": f.source,
                        "basis": f.basis,
                    }
                    for f in found
                ],
                "session_id": str(item.session_id),
                "clinician_present": str(clinician_present),
            },
        )
