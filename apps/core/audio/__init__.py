"""Audio shared by journals and session notes: the upload probe (``probe``), encrypted storage
(``storage``), and the settings-driven factories every audio job uses."""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.core.files.storage import storages

from ml.language_guard import LanguageRefusal, transcribe_guarded
from ml.transcription import (
    MULTILINGUAL_MODEL,
    Transcriber,
    TranscriberConfig,
    Transcript,
    get_transcriber,
    session_note_config,
)


def audio_storage():
    """The encrypted store for recordings (``STORAGES["journal_audio"]``)."""
    return storages["journal_audio"]


def transcriber_config() -> TranscriberConfig:
    """faster-whisper settings from the environment (``WHISPER_*``)."""
    return TranscriberConfig(
        model=settings.WHISPER_MODEL,
        device=settings.WHISPER_DEVICE,
        compute_type=settings.WHISPER_COMPUTE_TYPE,
        cpu_threads=settings.WHISPER_CPU_THREADS,
        beam_size=settings.WHISPER_BEAM_SIZE,
        language=settings.WHISPER_LANGUAGE,
        cache_dir=str(settings.WHISPER_MODEL_CACHE_DIR),
    )


def session_note_transcriber() -> Transcriber:
    """The English model for session recordings and dictation (``NOTES_WHISPER_MODEL``, beam
    ``NOTES_WHISPER_BEAM_SIZE``): ``WHISPER_MODEL`` by default, or a stronger one (``auto``: the
    multilingual base decoding English) that a session's offline time budget affords; journals and live
    mode always keep ``WHISPER_MODEL``. Each input stores the
    model id and version that transcribed it."""
    return get_transcriber(
        session_note_config(transcriber_config(), settings.NOTES_WHISPER_MODEL, settings.NOTES_WHISPER_BEAM_SIZE)
    )


def multilingual_transcriber(practice) -> Transcriber | None:
    """The multilingual model when the deployment has it installed and enabled and the practice allows
    it; None otherwise (then the English-only model's guard refuses other languages). A model whose files
    fail their integrity check raises ``ModelIntegrityError``: the job retries and then fails loudly,
    it never falls back to inventing English."""
    from ml.multilingual_model import is_installed

    if settings.WHISPER_MULTILINGUAL == "off" or not practice.multilingual_speech or not is_installed():
        return None
    return get_transcriber(dataclasses.replace(transcriber_config(), model=MULTILINGUAL_MODEL, language=None))


def speech_transcribe(audio, *, patient, word_timestamps: bool = False) -> Transcript | LanguageRefusal:
    """Transcribe a patient's (or their session's) speech behind the language guard: the English model for
    English, the multilingual model (if allowed) for the rest, a ``LanguageRefusal`` instead of a guess."""
    english = get_transcriber(transcriber_config())
    return transcribe_guarded(
        audio,
        english=english,
        multilingual=multilingual_transcriber(patient.practice),
        preferred_language=patient.preferred_language,
        likely_languages=settings.WHISPER_LIKELY_LANGUAGES,
        word_timestamps=word_timestamps,
    )


def refusal_record(refusal: LanguageRefusal) -> dict:
    """What a row stores about speech that was not transcribed (no PHI: codes, numbers, model ids)."""
    return {
        "not_transcribed": refusal.reason,
        "message": refusal.message,
        "risk_screened": False,
        "detected_language": refusal.detected_language,
        "language_probability": refusal.probability,
        "language_check": refusal.method,
        "model_id": refusal.model_id,
        "model_version": refusal.model_version,
        "evidence": refusal.evidence,
    }


ROUTE_CHECK_SECONDS = 120  # how much of a long recording's opening the guard listens to


def speech_route(audio, *, patient) -> Transcriber | LanguageRefusal:
    """The model for a long recording (session recordings, dictation), chosen from its opening minutes:
    the session-note English model (``session_note_transcriber``) for English, the multilingual model
    (which then detects the language of every ten-minute chunk itself) for anything else, or a
    ``LanguageRefusal`` without one. The language is checked with ``WHISPER_MODEL`` as before."""
    from ml.language_guard import SAMPLE_RATE, _as_array, english_only_check, languages_spoken

    head = _as_array(audio)[: ROUTE_CHECK_SECONDS * SAMPLE_RATE]
    english = get_transcriber(transcriber_config())
    multilingual = multilingual_transcriber(patient.practice)
    if multilingual is None:
        checked = english_only_check(english, head)
        return checked if isinstance(checked, LanguageRefusal) else session_note_transcriber()
    preferred = (patient.preferred_language or "en").split("-")[0].lower()
    spoken = languages_spoken(multilingual, head, likely=[preferred, *settings.WHISPER_LIKELY_LANGUAGES])
    return session_note_transcriber() if preferred == "en" and set(spoken) <= {"en"} else multilingual
