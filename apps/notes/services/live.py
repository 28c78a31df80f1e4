"""Live sessions: the recording input that grows while the session happens (``apps.notes.live_consumer``).

The input is an ordinary session recording (``InputKind.RECORDING``) in the ``live`` state: it needs
the patient's session-recording consent like an upload, its audio is sealed as it arrives
(``apps.notes.live_audio``), every committed segment is written to its utterances, and on stop it
becomes done with a draft made from the live transcript. The offline pass (``notes.process_input``)
then re-transcribes the stored audio and applies the practice's audio retention. When its transcript
differs materially from the live one (``live_offline_compare``) it adds a refined draft beside the live
one (``Note.provenance["pass"]``); otherwise the live draft stays current and is marked as confirmed by
the offline pass (``live_draft_confirm``). Either way the clinician sees which pass made which draft and
may make any version the current one (``note_version_choose``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import ConsentKind, User
from apps.accounts.selectors import consent_is_granted
from apps.audit.services import AuditAction, audit_log
from apps.core.errors import Conflict, NotFound
from apps.core.hooks import Hook
from apps.core.jobs import enqueue_on_commit
from apps.notes import live_audio
from apps.notes.models import (
    ClinicalSession,
    InputKind,
    InputStatus,
    LiveCuePreference,
    Note,
    NoteStatus,
    SessionInput,
)
from apps.notes.services.drafts import note_draft_generate
from apps.notes.services.sessions import CATEGORY, _require_clinician

CONSENT_MESSAGE = "The patient has not consented to session recording. Dictate or type a summary instead."
LANGUAGE_MESSAGE = (
    "Live mode transcribes English only. This patient's preferred language is not English: record the "
    "session and upload it (it is transcribed in the language spoken when the multilingual model is "
    "installed), or dictate or type a summary."
)
ATTRIBUTION_CHUNK_S = 600  # mono speakers are clustered ten minutes at a time, like uploads
# "Better" is not knowable without a reference, so the offline pass (beam 5 over the whole recording, with
# its context) is taken as the more accurate one (on 109 s of LibriVox speech: 2.8 % WER against live
# 6.3 %) and its draft is offered only when its words differ from the live transcript's by at least this
# share (substitutions + insertions + deletions over the offline words, case and punctuation ignored):
# one word in fifty. Below it the two transcripts say the same and a second draft would be noise.
REFINE_MIN_WORD_DIFFERENCE = 0.02


def live_cues_set(*, actor: User, enabled: bool) -> LiveCuePreference:
    """The clinician's own opt-in to live cues (default off)."""
    _require_clinician(actor)
    with transaction.atomic():
        pref, _ = LiveCuePreference.objects.update_or_create(user=actor, defaults={"cues_enabled": enabled})
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="live_cue_preference",
            object_id=actor.pk,
            detail={"cues_enabled": enabled},
        )
    return pref


def live_input_open(*, actor: User, session: ClinicalSession, channels: int, input_id=None) -> SessionInput:
    """A new live input, or (``input_id``) the same one again after a pause or a dropped connection."""
    _require_clinician(actor)
    if not consent_is_granted(patient_id=session.patient_id, kind=ConsentKind.SESSION_RECORDING):
        raise Conflict(CONSENT_MESSAGE, code="consent_required")
    language = (session.patient.preferred_language or "en").lower()
    if not language.startswith("en"):
        # The live transcriber is the English-only default: it would turn other speech into invented
        # English (issue 19's guard). Recorded uploads go through the language guard and the
        # multilingual model instead.
        raise Conflict(LANGUAGE_MESSAGE, code="language_not_supported", field="language")
    if input_id:
        item = SessionInput.objects.filter(pk=input_id, session=session, status=InputStatus.LIVE).first()
        if item is None:
            raise NotFound("No live input to resume.", code="not_found")
        if item.transcription["live"]["channels"] != channels:
            raise Conflict("Resume with the channel count the input started with.", code="channels_changed")
        return item
    with transaction.atomic():
        item = SessionInput.objects.create(
            session=session,
            kind=InputKind.RECORDING,
            status=InputStatus.LIVE,
            audio_format="pcm",
            audio_seconds=0.0,
            transcription={"live": {"channels": channels, "parts": []}},
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="session_input",
            object_id=item.pk,
            patient_id=session.patient_id,
            data_category=CATEGORY,
            detail={"kind": "recording", "live": True, "channels": channels},
        )
    return item


def _locked(item: SessionInput) -> SessionInput:
    return SessionInput.objects.select_for_update().select_related("session__patient").get(pk=item.pk)


def live_audio_append(*, item: SessionInput, pcm: bytes) -> float:
    """Seal ``pcm`` as the input's next part; returns the seconds of audio stored in all."""
    with transaction.atomic():
        row = _locked(item)
        live = row.transcription["live"]
        name = live_audio.part_save(row, len(live["parts"]), pcm)
        live["parts"].append(name)
        row.audio_seconds = round((row.audio_seconds or 0.0) + len(pcm) / (2 * live["channels"] * live_audio.RATE), 3)
        row.save(update_fields=["transcription", "audio_seconds", "updated_at"])
    return row.audio_seconds


def live_segments_add(*, item: SessionInput, segments: list[dict], model: dict | None = None) -> list[dict]:
    """Append committed segments ({speaker, text, start, end, words}) to the input; returns them with
    their index (the ``segment`` event's id). ``model`` (id and version of the transcriber that made
    them) is kept with the live state, so an input finished without its connection still names it."""
    with transaction.atomic():
        row = _locked(item)
        utterances = list(row.utterances)
        added = [{"index": len(utterances) + i, **s} for i, s in enumerate(segments)]
        row.utterances = utterances + added
        fields = ["utterances", "updated_at"]
        if model and row.transcription["live"].get("model") != model:
            row.transcription["live"]["model"] = model
            fields.append("transcription")
        row.save(update_fields=fields)
    item.utterances = row.utterances
    return added


def live_cue_record(*, actor: User, item: SessionInput, kind: str, at: float) -> None:
    """Every cue shown is on the audit trail (kind and time, never its words)."""
    audit_log(
        actor=actor,
        action=AuditAction.AI_PROCESS,
        object_type="session_input",
        object_id=item.pk,
        patient_id=item.session.patient_id,
        data_category=CATEGORY,
        detail={"job": "live_cue", "kind": kind, "at": round(at, 1)},
    )


def live_chunk_attribute(*, utterances: list[dict], pcm: bytes, t0: float, embeddings=None) -> dict:
    """Mono speakers of one ten-minute chunk (its audio from ``t0``; the utterances starting in it),
    as ``_attribute_mono`` does at stop. The live consumer calls it for each chunk as soon as the chunk
    is over and its utterances committed, and for the open chunk at stop, with ``embeddings``
    (``ml.speakers.Embeddings``) it computed as each utterance committed."""
    from ml.speakers import attribute_mono

    inside = [u for u in utterances if t0 <= u["start"] < t0 + ATTRIBUTION_CHUNK_S]
    result = {"t0": t0, "key": _chunk_key(inside), "pieces": [], "check": None, "model": ""}
    if not inside:
        return result
    audio, segments = chunk_segments(inside, pcm, t0)
    attribution = attribute_mono(audio, segments, n_speakers=2, embeddings=embeddings)
    result["model"] = attribution.model_id
    result["check"] = {"offset": t0, "confidence": attribution.confidence, **attribution.checks}
    for who, seg in attribution.pieces:
        words = [{"word": w.word, "start": round(w.start + t0, 2), "end": round(w.end + t0, 2)} for w in seg.words]
        result["pieces"].append(
            {
                "speaker": who,
                "text": seg.text,
                "start": round(seg.start + t0, 2),
                "end": round(seg.end + t0, 2),
                "words": words,
            }
        )
    return result


def chunk_segments(inside: list[dict], pcm: bytes, t0: float) -> tuple[np.ndarray, list]:
    """A chunk's audio (float, from ``t0``) and its utterances as transcriber segments timed from ``t0``."""
    from ml.transcription import Segment, Word

    audio = np.frombuffer(pcm, dtype="<i2")[: ATTRIBUTION_CHUNK_S * live_audio.RATE].astype(np.float32) / 32768.0
    segments = [
        Segment(
            u["start"] - t0,
            u["end"] - t0,
            u["text"],
            0.0,
            0.0,
            tuple(Word(w["start"] - t0, w["end"] - t0, w["word"], 1.0) for w in u.get("words", [])),
        )
        for u in inside
    ]
    return audio, segments


def _chunk_key(inside: list[dict]) -> tuple:
    return tuple((u["start"], u["end"], u["text"]) for u in inside)


def _attribute_mono(utterances: list[dict], pcm: bytes, attributed: dict | None = None) -> tuple[list[dict], dict]:
    """Voices clustered ten minutes at a time; a chunk attributed during the session (``attributed``,
    by ``t0``) is reused when its utterances are still exactly those it was attributed with."""
    from ml.speakers import CONFIRM_BELOW

    step = ATTRIBUTION_CHUNK_S * live_audio.RATE * 2
    pieces, checks = [], []
    model = ""
    for offset in range(0, max(1, len(pcm)), step):
        t0 = offset / (2 * live_audio.RATE)
        inside = [u for u in utterances if t0 <= u["start"] < t0 + ATTRIBUTION_CHUNK_S]
        if not inside:
            continue
        done = (attributed or {}).get(t0)
        if done is None or done["key"] != _chunk_key(inside):
            done = live_chunk_attribute(utterances=inside, pcm=pcm[offset : offset + step], t0=t0)
        model = done["model"]
        checks.append(done["check"])
        pieces += done["pieces"]
    confidence = min((c["confidence"] for c in checks), default=0.0)
    speakers = {
        "model": model,
        "confidence": confidence,
        "needs_confirmation": confidence < CONFIRM_BELOW,
        "chunks": checks,
    }
    return [{"index": i, **p} for i, p in enumerate(pieces)], speakers


def live_input_finish(
    *, actor: User, item: SessionInput, model: dict, attributed: dict | None = None, memo=None
) -> tuple[SessionInput, Note | None]:
    """Stop: the parts become one encrypted WAV, the committed transcript becomes the input's
    transcript with speakers (channels for stereo, voices for mono; ``attributed``: the chunks the
    live consumer already attributed), the draft is made from it now (``memo``: the analyses the live
    consumer warmed, ``apps.notes.live_memo``), and the offline pass over the stored audio is queued."""
    item.refresh_from_db()
    live = item.transcription["live"]
    name, pcm = live_audio.parts_to_wav(item, live["parts"], live["channels"])
    utterances = sorted(item.utterances, key=lambda u: (u["start"], u["end"]))
    if live["channels"] == 2:
        method = "stereo_channels"
        utterances = [{**u, "index": i} for i, u in enumerate(utterances)]
        speakers = {"model": "channel", "confidence": 1.0, "needs_confirmation": False}
    else:
        method = "voice_clusters"
        utterances, speakers = _attribute_mono(utterances, pcm, attributed)
    with transaction.atomic():
        row = _locked(item)
        row.audio_name, row.audio_format, row.status = name, "wav", InputStatus.DONE
        row.utterances = utterances
        row.transcription = {**model, "attribution": method, "speakers": speakers, "live": {**live, "parts": []}}
        row.save()
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="session_input",
            object_id=row.pk,
            patient_id=row.session.patient_id,
            data_category=CATEGORY,
            detail={"live": "stopped", "seconds": row.audio_seconds, "segments": len(utterances)},
        )
        transaction.on_commit(lambda: live_audio.parts_delete(live["parts"]))
    note = note_draft_generate(session=row.session, made_by="live", memo=memo)
    with transaction.atomic():
        SessionInput.objects.filter(pk=row.pk).update(status=InputStatus.QUEUED)
        enqueue_on_commit("notes.refine_input", input_id=str(row.pk))  # behind work a person waits for
    row.status = InputStatus.QUEUED
    return row, note


def live_offline_compare(*, live: list[dict], offline: list[dict]) -> dict:
    """How much the offline pass changed the live transcript (numbers only: this is stored unencrypted).
    An empty live transcript against spoken words (a gap the live pass missed) is a difference of 1."""
    from ml.evaluate import word_errors, words

    live_text = " ".join(u["text"] for u in sorted(live, key=lambda u: u["start"]))
    offline_text = " ".join(u["text"] for u in sorted(offline, key=lambda u: u["start"]))
    changed, length = word_errors(offline_text, live_text)
    difference = changed / length if length else float(bool(words(live_text)))
    return {
        "words_live": len(words(live_text)),
        "words_offline": length,
        "words_changed": changed,
        "word_difference": round(difference, 4),
        "threshold": REFINE_MIN_WORD_DIFFERENCE,
        "refine": difference >= REFINE_MIN_WORD_DIFFERENCE,
    }


def live_draft_confirm(*, session: ClinicalSession, check: dict) -> Note | None:
    """The offline pass found nothing material to change: no second draft; the live draft (still the
    latest, unsigned) records that the offline pass confirmed it, which the session screen shows."""
    with transaction.atomic():
        latest = Note.objects.select_for_update().filter(session=session).order_by("-version").first()
        if latest is None or latest.provenance.get("pass") != "live" or latest.status == NoteStatus.SIGNED:
            latest = None
        else:
            latest.provenance = {**latest.provenance, "offline_check": {**check, "outcome": "confirmed"}}
            latest.save(update_fields=["provenance"])
        audit_log(
            actor=None,
            action=AuditAction.AI_PROCESS,
            object_type="note" if latest else "session",
            object_id=latest.pk if latest else session.pk,
            patient_id=session.patient_id,
            practice_id=session.patient.practice_id,
            data_category=CATEGORY,
            detail={"job": "note_draft", "pass": "offline", "outcome": "confirmed_live", **_numbers(check)},
        )
    return latest


def _numbers(check: dict) -> dict:
    return {"word_difference": check["word_difference"], "words_changed": check["words_changed"]}


def live_inputs_finish_abandoned(*, now: dt.datetime | None = None) -> int:
    """A live input nobody stopped (the browser closed for good, the laptop died) is finished as if
    stopped once ``LIVE_ABANDONED_MINUTES`` pass without audio: its stored audio and committed segments
    become the transcript, the draft is made and the offline pass queued, so nothing stays ``live`` (and
    unprocessed) for ever. A pause longer than that ends the input; the clinician starts a new one."""
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=settings.LIVE_ABANDONED_MINUTES)
    finished = 0
    for item in SessionInput.objects.filter(status=InputStatus.LIVE, updated_at__lt=cutoff).select_related("session"):
        model = item.transcription["live"].get("model") or {"model_id": "", "model_version": ""}
        live_input_finish(actor=item.session.clinician, item=item, model=model)
        finished += 1
    return finished


plan_goals = Hook(
    "notes.plan_goals",
    "(key, text) of the goals, objectives and homework/coping strategies in the patient's latest signed "
    "treatment plan, for live goal cues. Called with ``patient_id``; answered by plans.",
)
