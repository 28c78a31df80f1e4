"""Who spoke when, for a mono session recording: cluster utterances by voice.

Each utterance's audio gets a small voice vector (log median pitch, pitch spread, spectral centroid
and spectral tilt) from plain numpy, then k-means groups them into the expected number of speakers.
The clinician is taken to be the speaker who asks the most questions. It is a first guess: the clinician
can relabel any utterance, and stereo recordings (one microphone each) are attributed by channel
instead. A pretrained speaker encoder (e.g. the ``resemblyzer`` package) would separate similar voices
better; it needs librosa and webrtcvad, which is the trade-off against this dependency-free version.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import permutations
from typing import Any

import numpy as np

from ml.speech import extract_features

VERSION = "voice-kmeans-1.0"
SAMPLE_RATE = 16000
FEATURE_WEIGHTS = np.array([2.0, 0.5, 1.0, 1.0])


def _spectral(signal: np.ndarray) -> tuple[float, float]:
    frame = 512
    if len(signal) < frame:
        return 0.0, 0.0
    frames = np.lib.stride_tricks.sliding_window_view(signal, frame)[::256] * np.hanning(frame)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2 + 1e-12
    freqs = np.fft.rfftfreq(frame, 1 / SAMPLE_RATE)
    loud = power.sum(axis=1) > np.percentile(power.sum(axis=1), 40)
    if not loud.any():
        return 0.0, 0.0
    p = power[loud]
    centroid = float(((p * freqs).sum(axis=1) / p.sum(axis=1)).mean())
    low = p[:, freqs < 1000].sum(axis=1)
    high = p[:, freqs >= 1000].sum(axis=1)
    return np.log(centroid + 1), float(np.mean(np.log(low / high)))


def voice_vector(audio: np.ndarray, start: float, end: float) -> np.ndarray | None:
    piece = audio[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
    if len(piece) < SAMPLE_RATE // 4:
        return None
    features = extract_features(piece, [])
    if features.pitch_median_hz is None:
        return None
    centroid, tilt = _spectral(piece)
    return np.array([np.log(features.pitch_median_hz), features.pitch_sd_semitones or 0.0, centroid, tilt])


def _kmeans(points: np.ndarray, k: int, seed: int = 0, rounds: int = 50) -> np.ndarray:
    rng = np.random.default_rng(seed)
    # Farthest-point start: deterministic and robust for small sets.
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        distance = np.min([((points - c) ** 2).sum(axis=1) for c in centres], axis=0)
        centres.append(points[int(distance.argmax())])
    centres = np.array(centres)
    labels = np.zeros(len(points), dtype=int)
    for _ in range(rounds):
        labels = ((points[:, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)
        updated = np.array([points[labels == j].mean(axis=0) if (labels == j).any() else centres[j] for j in range(k)])
        if np.allclose(updated, centres):
            break
        centres = updated
    return labels


def attribute(audio: np.ndarray, segments: Sequence[Any], n_speakers: int = 2) -> list[str]:
    """A role per segment: "clinician", "patient", "other" or "unknown" (too short to tell)."""
    vectors = [voice_vector(audio, float(_get(s, "start")), float(_get(s, "end"))) for s in segments]
    known = [i for i, v in enumerate(vectors) if v is not None]
    roles = ["unknown"] * len(segments)
    if len(known) < n_speakers:
        return roles
    points = np.array([vectors[i] for i in known])
    # Pitch level separates voices best; spread and spectrum refine it.
    points = (points - points.mean(axis=0)) / (points.std(axis=0) + 1e-9) * FEATURE_WEIGHTS
    labels = _kmeans(points, n_speakers)
    questions = [
        sum(
            str(_get(segments[i], "text")).strip().endswith("?")
            for i, lab in zip(known, labels, strict=True)
            if lab == cluster
        )
        for cluster in range(n_speakers)
    ]
    clinician = int(np.argmax(questions)) if max(questions) > 0 else int(labels[0])
    sizes = np.bincount(labels, minlength=n_speakers)
    patient = max((c for c in range(n_speakers) if c != clinician), key=lambda c: sizes[c])
    for i, label in zip(known, labels, strict=True):
        roles[i] = "clinician" if label == clinician else "patient" if label == patient else "other"
    return roles


def _get(segment: Any, name: str) -> Any:
    return segment[name] if isinstance(segment, dict) else getattr(segment, name)


# --- Scoring ---------------------------------------------------------------------------------------


def word_attribution_accuracy(
    hyp_words: Sequence[Any], reference_turns: Sequence[Any], *, match_labels: bool = False
) -> float:
    """The share of hypothesis words given to the speaker who was talking when the word was said.

    ``hyp_words``: one item per transcribed word, as a dict or an object with ``start`` and ``end``
    (seconds from the start of the recording) and ``speaker`` (any label; ``None``/"unknown" count as
    wrong). A tuple ``(speaker, start, end)`` works too. ``utterance_words`` turns a session input's
    utterances into this shape.

    ``reference_turns``: who really spoke when, each with ``speaker``, ``start`` and ``end`` (dict,
    object or ``(speaker, start, end)``), e.g. the scripted turns of a fixture dialogue or an RTTM file.

    A word is scored against the turn that holds its midpoint; where turns overlap, any speaker talking
    then counts as right; a midpoint in a gap between turns takes the nearest turn. Words heard twice
    (crosstalk transcribed on both channels) are two words, so each copy on the wrong side counts
    against the score. Missing words are not counted here: that is the word error rate's job.
    With ``match_labels`` the hypothesis labels are first mapped one-to-one onto the reference labels
    in the way that scores best (for clustering output whose labels are arbitrary, like "speaker 1");
    otherwise labels must be the same strings ("clinician"/"patient"). Returns 0.0 for no words.
    """
    words = [_triple(w) for w in hyp_words]
    turns = [_triple(t) for t in reference_turns]
    if not words or not turns:
        return 0.0
    truths = [_speakers_at((start + end) / 2, turns) for _, start, end in words]
    said = [speaker for speaker, _, _ in words]
    if match_labels:
        mapping = _best_mapping(said, truths)
        said = [mapping.get(s) for s in said]
    return sum(s is not None and s in truth for s, truth in zip(said, truths, strict=True)) / len(words)


def utterance_words(utterances: Sequence[dict]) -> list[dict]:
    """``{speaker, start, end, word}`` per word of a session input's utterances: the utterance's own word
    timings when it has them (``words``), otherwise its span shared evenly between its words."""
    out: list[dict] = []
    for u in utterances:
        if u.get("start") is None:
            continue
        if u.get("words"):
            out += [
                {"speaker": u["speaker"], "start": w["start"], "end": w["end"], "word": w["word"]} for w in u["words"]
            ]
            continue
        tokens = str(u["text"]).split()
        step = (float(u["end"]) - float(u["start"])) / max(1, len(tokens))
        out += [
            {"speaker": u["speaker"], "start": u["start"] + i * step, "end": u["start"] + (i + 1) * step, "word": t}
            for i, t in enumerate(tokens)
        ]
    return out


def _triple(item: Any) -> tuple[Any, float, float]:
    if isinstance(item, tuple | list):
        speaker, start, end = item[:3]
    else:
        speaker, start, end = _get(item, "speaker"), _get(item, "start"), _get(item, "end")
    return (None if speaker in (None, "unknown") else speaker), float(start), float(end)


def _speakers_at(t: float, turns: list[tuple[Any, float, float]]) -> set:
    inside = {speaker for speaker, start, end in turns if start <= t <= end}
    if inside:
        return inside
    nearest = min(turns, key=lambda turn: min(abs(t - turn[1]), abs(t - turn[2])))
    return {nearest[0]}


def _best_mapping(said: list, truths: list[set]) -> dict:
    """One-to-one hypothesis → reference labels maximising agreement, by trying every assignment
    (sessions have at most a handful of speakers)."""
    hyp = sorted({s for s in said if s is not None}, key=str)
    ref = sorted(set().union(*truths), key=str)
    counts = {(s, r): sum(s == x and r in t for x, t in zip(said, truths, strict=True)) for s in hyp for r in ref}
    width = max(len(hyp), len(ref))
    best: dict = {}
    best_score = -1
    for order in permutations([*ref, *[None] * (width - len(ref))], width):
        mapping = {s: r for s, r in zip(hyp, order, strict=False) if r is not None}
        score = sum(counts[(s, r)] for s, r in mapping.items())
        if score > best_score:
            best, best_score = mapping, score
    return best
