"""Session recordings in bounded memory: decode, transcribe and attribute ten minutes at a time.

A two-hour recording decoded whole would hold about 460 MB of samples; chunking keeps it near 40 MB
whatever the length, and lets the clinician's app show progress after each chunk. Stereo recordings
are attributed by channel; mono ones by voice within each chunk (``ml.speakers``).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import av
import numpy as np

from ml import speech
from ml.speakers import CONFIRM_BELOW, attribute_mono, attribute_stereo
from ml.transcription import Segment, Transcriber, shifted

RATE = 16000
CHUNK_SECONDS = 600


def audio_chunks(data: bytes, stereo: bool, chunk_seconds: int = CHUNK_SECONDS) -> Iterator[tuple[float, np.ndarray]]:
    """(offset in seconds, samples): float32 at 16 kHz, shape (n,) for mono or (2, n) for stereo."""
    size = chunk_seconds * RATE
    resampler = av.AudioResampler(format="flt", layout="stereo" if stereo else "mono", rate=RATE)
    parts: list[np.ndarray] = []
    buffered, offset = 0, 0.0

    def emit():
        joined = np.concatenate(parts, axis=-1)
        return joined[..., :size], joined[..., size:]

    with av.open(io.BytesIO(data)) as container:
        for frame in container.decode(container.streams.audio[0]):
            for resampled in resampler.resample(frame):
                samples = resampled.to_ndarray().reshape(-1)
                samples = samples.reshape(-1, 2).T if stereo else samples
                parts.append(samples.astype(np.float32))
                buffered += samples.shape[-1]
                while buffered >= size:
                    chunk, rest = emit()
                    yield offset, chunk
                    offset += size / RATE
                    parts, buffered = [rest], rest.shape[-1]
    if buffered:
        yield offset, np.concatenate(parts, axis=-1)


@dataclass
class RecordingResult:
    utterances: list[dict]
    method: str
    seconds: float
    patient_speech: list[tuple[speech.SpeechFeatures, float]] = field(default_factory=list)
    # What the hallucination filter set aside, and crosstalk taken out of a stereo channel (reason
    # "crosstalk"), as {start, end, text, reason, channel}: kept for the clinician.
    dropped: list[dict] = field(default_factory=list)
    speakers: dict = field(default_factory=dict)  # model, confidence, needs_confirmation, per-chunk checks


def _words(segment: Segment) -> list[dict]:
    return [{"word": w.word, "start": w.start, "end": w.end} for w in segment.words]


def transcribe_recording(
    data: bytes,
    transcriber: Transcriber,
    n_speakers: int,
    progress: Callable[[float], None] = lambda seconds: None,
    vocabulary: str | None = None,
    recheck_unsure: bool = False,
) -> RecordingResult:
    """``vocabulary``: the session-note hotwords (``ml.transcription.session_vocabulary``), given to the
    decoder for every window of every channel. ``recheck_unsure``: the transcriber's second pass over
    stretches heard with little confidence (``Transcriber.transcribe``), on every channel."""
    with av.open(io.BytesIO(data)) as container:
        stereo = container.streams.audio[0].channels == 2
    spoken: list[tuple[str, Segment, bool]] = []  # (role, piece, heard on both channels alike)
    patient_speech: list[tuple[speech.SpeechFeatures, float]] = []
    seconds = 0.0
    dropped: list[dict] = []

    def keep_dropped(transcript, channel: str, offset: float) -> None:
        dropped.extend(
            {
                "start": round(d.start + offset, 2),
                "end": round(d.end + offset, 2),
                "text": d.text,
                "reason": d.reason,
                "channel": channel,
            }
            for d in transcript.dropped
        )

    checks: list[dict] = []
    for offset, chunk in audio_chunks(data, stereo):
        if stereo:
            left = transcriber.transcribe(
                chunk[0], word_timestamps=True, hotwords=vocabulary, recheck_unsure=recheck_unsure
            )
            right = transcriber.transcribe(
                chunk[1], word_timestamps=True, hotwords=vocabulary, recheck_unsure=recheck_unsure
            )
            keep_dropped(left, "clinician", offset)
            keep_dropped(right, "patient", offset)
            attribution = attribute_stereo(chunk[0], chunk[1], left.segments, right.segments)
            # Crosstalk taken out of a channel stays visible to the clinician, like the filter's drops.
            dropped.extend(
                {
                    "start": round(r["start"] + offset, 2),
                    "end": round(r["end"] + offset, 2),
                    "text": r["text"],
                    "reason": "crosstalk",
                    "channel": r["channel"],
                }
                for r in attribution.removed
            )
            patient_audio = chunk[1]
        else:
            transcript = transcriber.transcribe(
                chunk, word_timestamps=True, hotwords=vocabulary, recheck_unsure=recheck_unsure
            )
            keep_dropped(transcript, "mono", offset)
            attribution = attribute_mono(chunk, transcript.segments, n_speakers=n_speakers)
            patient_audio = chunk
        pairs = list(attribution.pieces)
        checks.append({"offset": offset, "confidence": attribution.confidence, **attribution.checks})
        pieces, retimed, clock = [], [], 0.0
        for who, s in pairs:
            if who == "patient":
                piece = patient_audio[int(s.start * RATE) : int(s.end * RATE)]
                pieces.append(piece)
                retimed.append({"start": clock, "end": clock + len(piece) / RATE, "text": s.text})
                clock += len(piece) / RATE
        if pieces:
            features = speech.extract_features(np.concatenate(pieces), retimed)
            patient_speech.append((features, features.voiced_seconds or 0.0))
        spoken += [(who, shifted(s, offset), n in attribution.ambiguous) for n, (who, s) in enumerate(pairs)]
        seconds = offset + chunk.shape[-1] / RATE
        progress(seconds)
    utterances = [
        {
            "index": i,
            "speaker": who,
            "text": s.text,
            "start": s.start,
            "end": s.end,
            "words": _words(s),
            **({"crosstalk": "ambiguous"} if unsure else {}),
        }
        for i, (who, s, unsure) in enumerate(spoken)
    ]
    # Each chunk is clustered on its own, so the recording is only as sure as its least sure chunk.
    confidence = min((c["confidence"] for c in checks), default=0.0)
    speakers = {
        "model": attribution.model_id if checks else "",
        "confidence": confidence,
        "needs_confirmation": confidence < CONFIRM_BELOW,
        "chunks": checks,
    }
    method = "stereo_channels" if stereo else "voice_clusters"
    return RecordingResult(utterances, method, seconds, patient_speech, dropped=dropped, speakers=speakers)


def combine_speech(parts: list[tuple[speech.SpeechFeatures, float]]) -> speech.SpeechFeatures | None:
    """One set of features for the session: chunk values weighted by voiced seconds."""
    usable = [(f, w) for f, w in parts if w > 0]
    if not usable:
        return None
    values = {}
    for name, example in usable[0][0].__dict__.items():
        if isinstance(example, (int, float)) and not isinstance(example, bool):
            pairs = [(getattr(f, name), w) for f, w in usable if getattr(f, name) is not None]
            values[name] = (sum(v * w for v, w in pairs) / sum(w for _, w in pairs)) if pairs else None
        else:
            values[name] = example
    return speech.SpeechFeatures(**values)
