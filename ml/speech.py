"""How the patient spoke: rate, pauses, pitch and loudness from journal audio, compared with their own past.

Slower speech, longer pauses, flatter pitch and quieter voice are documented correlates of low mood, but
only *within* a person: voices differ far more between people than one voice differs between good and bad
weeks. So every feature here is meant for per-patient relative comparison (``compare_to_baseline``), never
for a population cut-off, and the bar for the signal processing is "stable and repeatable on one phone",
not "matches a phonetician".

That bar is why this is plain numpy: a YIN-style autocorrelation pitch tracker and frame RMS loudness are
enough for relative comparisons. praat-parselmouth and librosa would add heavy wheels (librosa pulls in
numba and llvmlite) for marginal gains on exactly the comparisons we make. All framing is vectorised
with stride tricks, so a minute of audio takes about a tenth of a second on one CPU core.

Known limits, which mostly cancel out when a patient is compared with themselves on the same device:
loudness is dBFS (it depends on the microphone and how far away it was held); the silence threshold is
relative to the recording's own noise floor and peak, so a noisier room hides quiet speech and reads as more
pausing (work.wav with noise at 20 dB SNR: pause_ratio 0.07 -> 0.13); pitch is tracked from 60 to 400 Hz.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

FEATURES_VERSION = "speech-features-1.0"
SAMPLE_RATE = 16000

# Energy (speech / silence) framing.
ENERGY_FRAME_S = 0.025
HOP_S = 0.010
DB_FLOOR = -100.0  # dBFS given to digital silence, so log(0) never appears
THRESHOLD_FRACTION = 0.35  # speech = louder than noise floor + 35% of (peak - noise floor)
NOISE_FLOOR_PERCENTILE = 5  # the quietest frames are the room, not the patient
PEAK_PERCENTILE = 99  # not the maximum: one click must not move the threshold
MIN_SPEECH_DBFS = -70.0  # quieter than this is never speech, whatever the dynamic range (tiny noise)
MIN_DYNAMIC_RANGE_DB = 10.0  # below this there is no silence to measure against: all of it is one or the other
MIN_SPEECH_RUN_S = 0.05  # shorter bursts inside silence are clicks and pops, not words
MIN_PAUSE_S = 0.25  # shorter silences are stop closures inside words (Goldman-Eisler's 250 ms)

# Pitch framing (YIN: cumulative mean normalised difference function).
PITCH_FRAME_S = 0.040  # two periods of the lowest pitch fit in one frame
F0_MIN_HZ = 60.0
F0_MAX_HZ = 400.0
YIN_THRESHOLD = 0.2  # voiced when the periodicity dip goes below this (periodicity strength >= 0.8)
MIN_VOICED_RUN = 3  # voiced stretches shorter than 30 ms are usually tracking errors

# compare_to_baseline: which way each feature moves with low mood, and a minimum spread, so that a very
# steady history (or identical recordings) cannot turn a clinically meaningless change into a huge z.
CONCERN_DIRECTION: dict[str, int] = {
    "words_per_minute": -1,  # slower speech
    "pause_ratio": 1,  # more of the time silent
    "mean_pause_s": 1,  # longer pauses
    "pitch_sd_semitones": -1,  # flatter pitch
    "loudness_db_mean": -1,  # quieter
}
MIN_SCALE: dict[str, float] = {
    "words_per_minute": 5.0,
    "pause_ratio": 0.02,
    "mean_pause_s": 0.05,
    "pitch_sd_semitones": 0.25,
    "loudness_db_mean": 1.0,
}
MAD_TO_SD = 1.4826  # MAD * 1.4826 estimates the SD of normally distributed data
CONCERN_Z = 2.0


@dataclass(frozen=True)
class SpeechFeatures:
    """One recording's prosody. ``None`` means "could not be measured" (no speech, no voiced frames), which
    is different from zero and is skipped by ``compare_to_baseline``."""

    words_per_minute: float | None  # transcript words / summed segment durations
    articulation_rate_wpm: float | None  # transcript words / time actually spent speaking (pauses removed)
    pause_ratio: float | None  # share of first-onset..last-offset spent in pauses of >= 250 ms
    mean_pause_s: float | None  # None when the speech had no pause
    pause_count: int | None
    pitch_median_hz: float | None
    pitch_sd_semitones: float | None  # SD of voiced pitch around its median: variability, or flatness
    loudness_db_mean: float | None  # dBFS over speech frames
    loudness_db_sd: float | None
    voiced_seconds: float
    duration_s: float
    version: str = FEATURES_VERSION


def load_audio(path_or_fileobj: str | BinaryIO) -> np.ndarray:
    """Decode any format PyAV reads (journal uploads: m4a, webm, ogg, mp3, wav) to mono float32 at 16 kHz,
    the same decoder and resampler the transcriber uses, so features and transcript see the same samples."""
    from faster_whisper.audio import decode_audio

    return decode_audio(path_or_fileobj, sampling_rate=SAMPLE_RATE)


def _field(segment: Any, name: str) -> Any:
    if isinstance(segment, Mapping):
        return segment[name]
    return getattr(segment, name)


def count_words(text: str) -> int:
    """Whitespace-separated tokens with at least one letter or digit (a lone dash is not a word)."""
    return sum(1 for token in text.split() if re.search(r"\w", token))


def _frames(signal: np.ndarray, frame: int, hop: int) -> np.ndarray:
    """(n_frames, frame) view of ``signal``; no copy. Trailing samples that do not fill a frame are dropped."""
    if len(signal) < frame:
        return np.empty((0, frame), dtype=signal.dtype)
    return sliding_window_view(signal, frame)[::hop]


def _rms_db(frames: np.ndarray) -> np.ndarray:
    rms = np.sqrt(np.mean(np.square(frames), axis=1))
    return np.maximum(20.0 * np.log10(np.maximum(rms, 1e-12)), DB_FLOOR)


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the True runs in a 1-D boolean array."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.diff(padded)
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _speech_threshold(frame_db: np.ndarray) -> float:
    floor = float(np.percentile(frame_db, NOISE_FLOOR_PERCENTILE))
    peak = float(np.percentile(frame_db, PEAK_PERCENTILE))
    if peak - floor < MIN_DYNAMIC_RANGE_DB:
        # One level throughout: unbroken speech or unbroken noise. Every frame passes the energy gate and
        # voicing (periodicity) decides which it was.
        return MIN_SPEECH_DBFS
    return max(floor + THRESHOLD_FRACTION * (peak - floor), MIN_SPEECH_DBFS)


def _speech_mask(frame_db: np.ndarray, threshold: float, min_run: int) -> np.ndarray:
    mask = frame_db > threshold
    starts, ends = _runs(mask)
    for start, end in zip(starts, ends, strict=True):
        if end - start < min_run:
            mask[start:end] = False
    return mask


def _yin(frames: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """YIN (de Cheveigné & Kawahara 2002) for every frame at once: (f0 in Hz, aperiodicity in 0..1).

    Aperiodicity is the cumulative mean normalised difference at the chosen lag: near 0 for a clean
    periodic frame, near 1 for noise. The difference function is built from an FFT cross-correlation and
    running energies, so the cost is a few FFTs per frame instead of a loop over lags.
    """
    n_frames, length = frames.shape
    tau_min = max(2, math.ceil(sample_rate / F0_MAX_HZ))
    tau_max = math.floor(sample_rate / F0_MIN_HZ)
    window = length - tau_max  # the integration window; the rest of the frame is lag headroom
    if n_frames == 0 or window <= tau_max // 2:
        return np.full(n_frames, np.nan), np.ones(n_frames)
    x = frames - frames.mean(axis=1, keepdims=True)
    n_fft = 1 << (length - 1).bit_length()
    head = np.fft.rfft(x[:, :window], n=n_fft)
    whole = np.fft.rfft(x, n=n_fft)
    corr = np.fft.irfft(np.conj(head) * whole, n=n_fft)[:, : tau_max + 1]  # sum_j x[j] x[j + tau], j < window
    energy = np.concatenate((np.zeros((n_frames, 1)), np.cumsum(np.square(x), axis=1)), axis=1)
    lags = np.arange(tau_max + 1)
    shifted_energy = energy[:, lags + window] - energy[:, lags]  # sum_j x[j + tau]^2, j < window
    diff = np.maximum(shifted_energy[:, :1] + shifted_energy - 2.0 * corr, 0.0)

    running = np.cumsum(diff[:, 1:], axis=1)
    cmnd = np.ones_like(diff)
    with np.errstate(divide="ignore", invalid="ignore"):
        cmnd[:, 1:] = np.where(running > 0, diff[:, 1:] * lags[1:] / running, 1.0)

    # The first dip below the threshold, then the bottom of that dip (YIN steps 4-5); the first dip, not the
    # deepest one, is what keeps the tracker off subharmonics (octave-down errors).
    search = cmnd[:, tau_min:]
    below = search < YIN_THRESHOLD
    has_dip = below.any(axis=1)
    first = np.argmax(below, axis=1)
    idx = np.arange(search.shape[1])
    after_dip = (idx[None, :] >= first[:, None]) & ~below
    dip_end = np.where(after_dip.any(axis=1), np.argmax(after_dip, axis=1), search.shape[1])
    in_dip = (idx[None, :] >= first[:, None]) & (idx[None, :] < dip_end[:, None])
    best = np.where(has_dip, np.argmin(np.where(in_dip, search, np.inf), axis=1), np.argmin(search, axis=1))
    tau = best + tau_min
    rows = np.arange(n_frames)
    aperiodicity = cmnd[rows, tau]

    # Parabolic interpolation for sub-sample lag precision (at 16 kHz a whole sample is ~1.4% at 220 Hz).
    left = cmnd[rows, np.maximum(tau - 1, 0)]
    right = cmnd[rows, np.minimum(tau + 1, tau_max)]
    curvature = left - 2.0 * aperiodicity + right
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(curvature > 0, 0.5 * (left - right) / curvature, 0.0)
    refined = tau + np.clip(shift, -1.0, 1.0)
    return sample_rate / refined, aperiodicity


def _speech_timing(
    mask: np.ndarray, frame: int, hop: int, n_samples: int, sample_rate: int
) -> tuple[float, list[float]] | None:
    """(span from first onset to last offset, pauses >= MIN_PAUSE_S inside it), both in seconds.

    A frame counts as silent only if its whole window is quiet, so frame indices are turned into boundary
    times at the midpoint of where the true edge can lie: an onset between the last silent and the first
    speech window, an offset between the last speech and the first silent window.
    """
    starts, ends = _runs(mask)
    if len(starts) == 0:
        return None
    onsets = np.where(starts == 0, 0.0, starts * hop + frame - hop / 2) / sample_rate
    last = len(mask) - 1
    offsets = np.where(ends - 1 == last, n_samples, (ends - 1) * hop + hop / 2) / sample_rate
    span = float(offsets[-1] - onsets[0])
    gaps = onsets[1:] - offsets[:-1]
    return span, [float(g) for g in gaps if g >= MIN_PAUSE_S]


def extract_features(audio: np.ndarray, segments: Sequence[Any], sample_rate: int = SAMPLE_RATE) -> SpeechFeatures:
    """Prosodic features of one recording.

    ``audio`` is mono float audio in -1..1 (``load_audio``); ``segments`` are the timed transcript segments
    (faster-whisper segments, ``ml.transcription.Segment`` or dicts with start, end, text). The transcript
    gives the word count; pauses, pitch and loudness come from the audio itself, because Whisper's segment
    boundaries are too loose (often hundreds of milliseconds) to time pauses with.
    """
    signal = np.asarray(audio, dtype=np.float64)
    if signal.ndim != 1:
        raise ValueError(f"expected mono audio (1-D), got shape {signal.shape}")
    signal = signal - signal.mean() if len(signal) else signal  # a DC offset would read as loudness
    duration_s = len(signal) / sample_rate

    words = sum(count_words(str(_field(s, "text"))) for s in segments)
    speaking_s = sum(max(0.0, float(_field(s, "end")) - float(_field(s, "start"))) for s in segments)
    words_per_minute = words / (speaking_s / 60.0) if speaking_s > 0 else None  # None: no transcript timing

    hop = round(HOP_S * sample_rate)
    energy_frame = round(ENERGY_FRAME_S * sample_rate)
    frame_db = _rms_db(_frames(signal, energy_frame, hop))
    if len(frame_db) == 0:
        return SpeechFeatures(words_per_minute, None, None, None, None, None, None, None, None, 0.0, duration_s)

    threshold = _speech_threshold(frame_db)
    speech = _speech_mask(frame_db, threshold, max(1, round(MIN_SPEECH_RUN_S / HOP_S)))

    pitch_frames = _frames(signal, round(PITCH_FRAME_S * sample_rate), hop)
    f0, aperiodicity = _yin(pitch_frames, sample_rate)
    voiced = (aperiodicity < YIN_THRESHOLD) & (_rms_db(pitch_frames) > threshold)
    voiced &= (f0 >= F0_MIN_HZ) & (f0 <= F0_MAX_HZ)
    starts, ends = _runs(voiced)
    for start, end in zip(starts, ends, strict=True):
        if end - start < MIN_VOICED_RUN:
            voiced[start:end] = False
    voiced_seconds = float(voiced.sum()) * hop / sample_rate

    # Without a single voiced frame there was no speech, only noise loud enough to pass the energy gate.
    timing = _speech_timing(speech, energy_frame, hop, len(signal), sample_rate) if voiced.any() else None
    pause_ratio = mean_pause_s = pause_count = articulation_rate = None
    loudness_mean = loudness_sd = None
    if timing is not None:
        span, pauses = timing
        paused = sum(pauses)
        pause_count = len(pauses)
        pause_ratio = paused / span if span > 0 else None
        mean_pause_s = paused / pause_count if pause_count else None
        if words_per_minute is not None and span - paused > 0:
            articulation_rate = words / ((span - paused) / 60.0)
        loudness = frame_db[speech]
        loudness_mean = float(loudness.mean())
        loudness_sd = float(loudness.std())

    pitch_median = pitch_sd = None
    if voiced.any():
        pitch = f0[voiced]
        pitch_median = float(np.median(pitch))
        pitch_sd = float(np.std(12.0 * np.log2(pitch / pitch_median)))

    return SpeechFeatures(
        words_per_minute=float(words_per_minute) if words_per_minute is not None else None,
        articulation_rate_wpm=float(articulation_rate) if articulation_rate is not None else None,
        pause_ratio=float(pause_ratio) if pause_ratio is not None else None,
        mean_pause_s=float(mean_pause_s) if mean_pause_s is not None else None,
        pause_count=pause_count,
        pitch_median_hz=pitch_median,
        pitch_sd_semitones=pitch_sd,
        loudness_db_mean=loudness_mean,
        loudness_db_sd=loudness_sd,
        voiced_seconds=voiced_seconds,
        duration_s=duration_s,
    )


def compare_to_baseline(
    history: Sequence[SpeechFeatures], current: SpeechFeatures, min_history: int = 5
) -> dict[str, dict]:
    """How far ``current`` is from the patient's own past, per feature, as a robust z (median and MAD).

    Median and MAD rather than mean and SD because one odd recording (a cold, a noisy café) must not shift
    the baseline. ``direction_of_concern`` is True only for a change of |z| >= 2 in the direction documented
    as a low-mood correlate; it is a prompt for the clinician to listen, not a finding.

    Only history measured with the same ``FEATURES_VERSION`` counts: a new extractor is a new ruler. Returns
    {} when fewer than ``min_history`` comparable recordings exist; a feature that ``current`` lacks, or that
    fewer than ``min_history`` past recordings have, is left out.
    """
    comparable = [h for h in history if h.version == current.version]
    if len(comparable) < min_history:
        return {}
    result: dict[str, dict] = {}
    for name, direction in CONCERN_DIRECTION.items():
        value = getattr(current, name)
        past = np.array([v for h in comparable if (v := getattr(h, name)) is not None], dtype=np.float64)
        if value is None or len(past) < min_history:
            continue
        median = float(np.median(past))
        mad = float(np.median(np.abs(past - median)))
        z = (value - median) / max(mad * MAD_TO_SD, MIN_SCALE[name])
        result[name] = {
            "value": float(value),
            "baseline_median": median,
            "baseline_mad": mad,
            "z": float(z),
            "direction_of_concern": bool(z * direction >= CONCERN_Z),
        }
    return result
