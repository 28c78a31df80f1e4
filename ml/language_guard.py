"""Which language was spoken, and whether the installed models may transcribe it.

An English-only Whisper model given French or Spanish does not fail: it writes confident, invented English
("Thank you for watching", "I am the president of the UNI"). For a clinician that is worse than no
transcript, so an English-only model never returns a transcript for speech it cannot understand:

- With the multilingual model installed, its language detector decides, one VAD speech chunk at a time, so
  a recording that switches language keeps each segment's language (``transcribe_by_language``).
  Whether a chunk is English is a clear call: p(en) was 0.94 to 0.99 on 20 English prompts and at most
  0.17 on 20 Spanish and 20 French ones (``ENGLISH_DETECTED`` = 0.5). *Which* other language it is, is not:
  short telephone-quality Spanish came out as Polish, Portuguese, Italian, German, Latin or French for 7
  of 20 prompts (Spanish itself at 0.14 to 0.45 there). So among the other languages the detector's
  probabilities are weighed by a prior: the patient's preferred language and the deployment's likely
  languages (``WHISPER_LIKELY_LANGUAGES``) count ``LIKELY_WEIGHT`` times. Clear evidence of another
  language still wins (French prompts: p(fr) = 0.99 to 1.00, p(es) at most 0.0005).
- Without it, ``english_only_check`` reads the English-only model's own confidence in the words it wrote.
  Measured on 20 professionally recorded prompts per language (Debian's Asterisk sounds, ``tiny.en``):
  mean word probability 0.84 to 0.97 on English, 0.18 to 0.66 on Spanish and 0.24 to 0.62 on French.
  The threshold (``MIN_ENGLISH_WORD_PROBABILITY`` = 0.75) sits in that gap; LibriVox readings (real,
  harder English) pass it too (tests/ml/test_language_guard.py). A refusal is the safe error: the recording
  stays for a person to hear, marked as not transcribed and not screened.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ml.transcription import Segment, Transcriber, Transcript

SAMPLE_RATE = 16000
NOT_SUPPORTED = "language_not_supported"
NOT_SUPPORTED_MESSAGE = "language not supported by the installed model"
MIN_ENGLISH_WORD_PROBABILITY = 0.75
# Whisper's own mark of a failed decode (faster-whisper's ``compression_ratio_threshold``): text that
# compresses this well is a loop ("I hope you enjoyed this video, and I hope you…"), which the
# English-only model can produce on foreign speech with confident words.
MAX_COMPRESSION_RATIO = 2.4
MIN_LOOP_CHARACTERS = 120  # a short phrase said twice is not a loop
ENGLISH_DETECTED = 0.5
LIKELY_WEIGHT = 100.0
MIN_DETECT_SECONDS = 1.0  # shorter chunks take their neighbour's language (too little to decide on)
CHUNK_SILENCE_MS = 500  # a pause this long may be a change of language
MAX_CHUNK_SECONDS = 30.0  # one detector window


@dataclass(frozen=True)
class LanguageRefusal:
    """No transcript: the speech is (probably) in a language the installed model cannot transcribe."""

    detected_language: str | None  # None when only the English-only check ran (it cannot name a language)
    probability: float  # the detector's probability, or the English-only model's mean word probability
    method: str  # whisper-language-detector | english-word-confidence
    model_id: str
    model_version: str
    reason: str = NOT_SUPPORTED
    message: str = NOT_SUPPORTED_MESSAGE
    evidence: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Detection:
    language: str
    probability: float  # the detector's own probability for ``language`` (before the prior)


def _as_array(audio) -> np.ndarray:
    if isinstance(audio, np.ndarray):
        return audio.astype(np.float32, copy=False)
    from faster_whisper.audio import decode_audio

    if hasattr(audio, "seek"):
        audio.seek(0)
    return decode_audio(audio, sampling_rate=SAMPLE_RATE)


def _mean_word_probability(transcript: Transcript) -> float | None:
    probabilities = [w.probability for s in transcript.segments for w in s.words]
    return float(np.mean(probabilities)) if probabilities else None


def _compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def english_only_check(transcriber: Transcriber, audio) -> Transcript | LanguageRefusal:
    """Transcribe with the English-only model and keep the result only if the model believed its own
    words and they are not a decoding loop (refused, the recording goes to a human: never invented English)."""
    transcript = transcriber.transcribe(_as_array(audio), word_timestamps=True)
    confidence = _mean_word_probability(transcript)
    if confidence is None:  # nothing was said: an empty transcript is the truth, not a refusal
        return transcript
    ratio = _compression_ratio(transcript.text)
    looped = len(transcript.text) >= MIN_LOOP_CHARACTERS and ratio > MAX_COMPRESSION_RATIO
    if confidence < MIN_ENGLISH_WORD_PROBABILITY or looped:
        return LanguageRefusal(
            detected_language=None,
            probability=round(confidence, 3),
            method="english-word-confidence",
            model_id=transcriber.model_id,
            model_version=transcriber.model_version,
            evidence={
                "mean_word_probability": round(confidence, 3),
                "threshold": MIN_ENGLISH_WORD_PROBABILITY,
                "compression_ratio": round(ratio, 2),
                "max_compression_ratio": MAX_COMPRESSION_RATIO,
            },
        )
    return replace(
        transcript,
        language="en",
        language_probability=round(confidence, 3),
        settings={**transcript.settings, "language_check": "english-word-confidence"},
    )


def detect(transcriber: Transcriber, audio: np.ndarray, likely: Sequence[str]) -> Detection:
    """The multilingual detector's answer for one chunk: English when it says so; otherwise the most
    probable other language, with the ``likely`` ones weighed ``LIKELY_WEIGHT`` times."""
    probabilities = dict(transcriber.detect_language(audio))
    if probabilities.get("en", 0.0) >= ENGLISH_DETECTED:
        return Detection("en", round(probabilities["en"], 3))
    others = {code: p for code, p in probabilities.items() if code != "en"}
    best = max(others, key=lambda code: others[code] * (LIKELY_WEIGHT if code in likely else 1.0))
    return Detection(best, round(float(others[best]), 3))


def speech_chunks(transcriber: Transcriber, audio: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) samples of each stretch of speech, split at pauses of ``CHUNK_SILENCE_MS``."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(
        min_silence_duration_ms=CHUNK_SILENCE_MS, speech_pad_ms=200, max_speech_duration_s=MAX_CHUNK_SECONDS
    )
    return [(c["start"], c["end"]) for c in get_speech_timestamps(audio, options)]


def _language_runs(
    transcriber: Transcriber, audio: np.ndarray, likely: Sequence[str]
) -> list[tuple[int, int, Detection]]:
    """Consecutive speech chunks of one language, merged: [(start, end, detection)]."""
    chunks = speech_chunks(transcriber, audio)
    detections: list[Detection | None] = [
        detect(transcriber, audio[a:b], likely) if (b - a) / SAMPLE_RATE >= MIN_DETECT_SECONDS else None
        for a, b in chunks
    ]
    known = [d for d in detections if d is not None]
    if not known and chunks:  # only short bursts: decide on all of them together
        known = [detect(transcriber, np.concatenate([audio[a:b] for a, b in chunks]), likely)]
    runs: list[tuple[int, int, Detection]] = []
    last = known[0] if known else None
    for (a, b), found in zip(chunks, detections, strict=True):
        found = found or last
        last = found
        if runs and runs[-1][2].language == found.language:
            start, _, previous = runs[-1]
            runs[-1] = (start, b, previous if previous.probability >= found.probability else found)
        else:
            runs.append((a, b, found))
    return runs


def languages_spoken(transcriber: Transcriber, audio, *, likely: Sequence[str]) -> list[str]:
    """The detected language of each run of speech, in order (no transcription)."""
    return [detection.language for _, _, detection in _language_runs(transcriber, _as_array(audio), likely)]


def transcribe_by_language(
    transcriber: Transcriber, audio, *, likely: Sequence[str], word_timestamps: bool = False
) -> Transcript:
    """Transcribe with the multilingual model, each run of speech in its own detected language.

    The transcript's ``language`` is the language spoken longest and its probability the detector's for that
    language's longest run; every segment carries its own ``language``.
    """
    samples = _as_array(audio)
    runs = _language_runs(transcriber, samples, likely)
    segments: list[Segment] = []
    dropped = []
    spoken: dict[str, float] = {}
    best: dict[str, Detection] = {}
    settings: dict = {}
    for start, end, detection in runs:
        part = transcriber.transcribe(samples[start:end], word_timestamps=word_timestamps, language=detection.language)
        offset = start / SAMPLE_RATE
        segments += [_shifted(s, offset, detection.language) for s in part.segments]
        dropped += [replace(d, start=round(d.start + offset, 2), end=round(d.end + offset, 2)) for d in part.dropped]
        spoken[detection.language] = spoken.get(detection.language, 0.0) + (end - start) / SAMPLE_RATE
        if detection.probability >= best.get(detection.language, Detection("", -1.0)).probability:
            best[detection.language] = detection
        settings = part.settings
    main = max(spoken, key=spoken.get) if spoken else (likely[0] if likely else "en")
    return Transcript(
        text=" ".join(s.text for s in segments).strip(),
        segments=tuple(segments),
        dropped=tuple(dropped),
        language=main,
        language_probability=best[main].probability if main in best else 0.0,
        duration=round(len(samples) / SAMPLE_RATE, 2),
        model_id=transcriber.model_id,
        model_version=transcriber.model_version,
        settings={
            **settings,
            "language_check": "whisper-language-detector",
            "languages_seconds": {k: round(v, 2) for k, v in spoken.items()},
        },
    )


def _shifted(segment: Segment, offset: float, language: str) -> Segment:
    return replace(
        segment,
        start=round(segment.start + offset, 2),
        end=round(segment.end + offset, 2),
        words=tuple(replace(w, start=round(w.start + offset, 2), end=round(w.end + offset, 2)) for w in segment.words),
        language=language,
    )


def transcribe_guarded(
    audio,
    *,
    english: Transcriber,
    multilingual: Transcriber | None,
    preferred_language: str,
    likely_languages: Sequence[str] = (),
    multilingual_for_english: bool = False,
    word_timestamps: bool = False,
) -> Transcript | LanguageRefusal:
    """The language guard in front of every transcription.

    With the multilingual model: detect per chunk; English-only speech from a patient whose language is
    English goes to ``english`` (the default, cheaper model) unless ``multilingual_for_english``;
    everything else is transcribed by the multilingual model in the detected language(s).
    Without it: the English-only model, kept only if it believed its own words, else a ``LanguageRefusal``.
    """
    preferred = (preferred_language or "en").split("-")[0].lower()
    if multilingual is None:
        result = english_only_check(english, audio)
        return result if isinstance(result, LanguageRefusal) or word_timestamps else _without_words(result)
    samples = _as_array(audio)
    likely = [preferred, *likely_languages]
    if preferred == "en" and not multilingual_for_english:
        runs = _language_runs(multilingual, samples, likely)
        if all(d.language == "en" for _, _, d in runs):
            transcript = english.transcribe(samples, word_timestamps=word_timestamps)
            probability = max((d.probability for _, _, d in runs), default=0.0)
            return replace(
                transcript,
                language="en",
                language_probability=probability,
                segments=tuple(replace(s, language="en") for s in transcript.segments),
                settings={**transcript.settings, "language_check": "whisper-language-detector"},
            )
    return transcribe_by_language(multilingual, samples, likely=likely, word_timestamps=word_timestamps)


def _without_words(transcript: Transcript) -> Transcript:
    """The guard needed word timings; a caller that did not ask for them gets the usual shape."""
    return replace(transcript, segments=tuple(replace(s, words=(), language="en") for s in transcript.segments))
