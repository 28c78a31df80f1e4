"""Speaker attribution on the scripted dialogues: mono WAV, the same speech through Opus, and stereo with
-18 dB crosstalk, each scored per word against the true turns; the previous method in the same run.

    /work/venv/bin/python -m benchmarks.speakers        (needs espeak-ng)

For each dialogue of ``tests/fixtures/dialogues.py`` the recording is transcribed once (with word
timings, as a session recording is) and attributed twice: by the current method (``ml.speakers``:
turn splitting, the pretrained voice encoder, per-word crosstalk removal) and by the previous one
(speakers 1.0: a pitch/spectrum vector per whole transcriber segment; on stereo every segment of each
channel kept). Prints per-word accuracy, how often WAV and Opus agree, the confidence and whether the
clinician would be asked to confirm, and attribution time as a share of transcription time.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from apps.notes.recording import audio_chunks
from ml import speakers
from ml.speakers import attribute_mono, attribute_stereo, word_attribution_accuracy
from ml.transcription import Segment, get_transcriber


def previous_mono(audio: np.ndarray, segments: Sequence[Segment]) -> list[dict]:
    """speakers 1.0: one role per transcriber segment from k-means over a pitch/spectrum vector; the
    clinician asks the most questions. Returns words with the segment's role."""
    vectors = [speakers.voice_vector(audio, s.start, s.end) for s in segments]
    known = [i for i, v in enumerate(vectors) if v is not None]
    roles = ["unknown"] * len(segments)
    if len(known) >= 2:
        points = np.array([vectors[i] for i in known])
        points = (points - points.mean(axis=0)) / (points.std(axis=0) + 1e-9) * speakers.FEATURE_WEIGHTS
        labels = speakers._kmeans(points, 2, restarts=1)
        questions = [
            sum(segments[i].text.strip().endswith("?") for i, lab in zip(known, labels, strict=True) if lab == c)
            for c in (0, 1)
        ]
        clinician = int(np.argmax(questions)) if max(questions) > 0 else int(labels[0])
        for i, lab in zip(known, labels, strict=True):
            roles[i] = "clinician" if lab == clinician else "patient"
    return [
        {"speaker": r, "start": w.start, "end": w.end} for r, s in zip(roles, segments, strict=True) for w in s.words
    ]


def previous_stereo(left: Sequence[Segment], right: Sequence[Segment]) -> list[dict]:
    """speakers 1.0 on stereo: every segment of the left channel is the clinician's, of the right the patient's."""
    return [
        {"speaker": role, "start": w.start, "end": w.end}
        for role, side in (("clinician", left), ("patient", right))
        for s in side
        for w in s.words
    ]


def words_of(attribution) -> list[dict]:
    return [
        {"speaker": role, "start": w.start, "end": w.end} for role, piece in attribution.pieces for w in piece.words
    ]


def agreement(a: list[dict], b: list[dict]) -> float:
    """Share of words in ``a`` whose midpoint falls in a word of ``b`` given the same speaker."""
    if not a:
        return 0.0
    same = 0
    for word in a:
        mid = (word["start"] + word["end"]) / 2
        near = min(b, key=lambda w: abs((w["start"] + w["end"]) / 2 - mid), default=None)
        same += near is not None and near["speaker"] == word["speaker"]
    return same / len(a)


def _row(name: str, kind: str, before: float, after: float, result) -> None:
    print(f"{name:<8}{kind:<14}{before:>9.3f}{after:>9.3f}{result.confidence:>11.2f}{result.needs_confirmation!s:>9}")


def main() -> None:
    from tests.fixtures import dialogues

    if not dialogues.espeak_available():
        raise SystemExit("espeak-ng is not installed (apt-get install espeak-ng)")
    transcriber = get_transcriber()
    timings = {"transcribe": 0.0, "attribute": 0.0}

    def transcribe(samples: np.ndarray) -> tuple[Segment, ...]:
        t0 = time.perf_counter()
        segments = transcriber.transcribe(samples, word_timestamps=True).segments
        timings["transcribe"] += time.perf_counter() - t0
        return segments

    def timed(fn, *args):
        t0 = time.perf_counter()
        result = fn(*args)
        timings["attribute"] += time.perf_counter() - t0
        return result

    print(f"{'dialogue':<8}{'recording':<14}{'previous':>9}{'current':>9}{'confidence':>11}{'confirm?':>9}")
    totals: dict[str, list[float]] = {}
    for name in sorted(dialogues.SCRIPTS):
        dialogue = dialogues.render(name)
        current_words = {}
        for kind, fmt in (("mono WAV", "wav"), ("mono Opus", "ogg")):
            audio = dialogues.decode(dialogues.encode(dialogue.mono, fmt))
            segments = transcribe(audio)
            result = timed(attribute_mono, audio, segments)
            current_words[kind] = words_of(result)
            before = word_attribution_accuracy(previous_mono(audio, segments), dialogue.turns)
            after = word_attribution_accuracy(current_words[kind], dialogue.turns)
            totals.setdefault(kind, []).append(after)
            totals.setdefault(f"{kind} previous", []).append(before)
            _row(name, kind, before, after, result)
        wav, opus = current_words["mono WAV"], current_words["mono Opus"]
        totals.setdefault("agreement", []).append(agreement(wav, opus))
        _, decoded = next(audio_chunks(dialogues.encode(dialogue.stereo(), "wav"), stereo=True))
        left, right = transcribe(decoded[0]), transcribe(decoded[1])
        result = timed(attribute_stereo, decoded[0], decoded[1], left, right)
        before = word_attribution_accuracy(previous_stereo(left, right), dialogue.turns)
        after = word_attribution_accuracy(words_of(result), dialogue.turns)
        totals.setdefault("stereo", []).append(after)
        totals.setdefault("stereo previous", []).append(before)
        _row(name, "stereo -18dB", before, after, result)
    mean = {key: float(np.mean(values)) for key, values in totals.items()}
    print(
        f"mean per-word attribution: mono WAV {mean['mono WAV previous']:.3f} -> {mean['mono WAV']:.3f}, "
        f"mono Opus {mean['mono Opus previous']:.3f} -> {mean['mono Opus']:.3f}, "
        f"crosstalk stereo {mean['stereo previous']:.3f} -> {mean['stereo']:.3f} "
        f"(targets: mono >= 0.9, crosstalk stereo >= 0.95)"
    )
    print(
        f"WAV/Opus agreement per word {mean['agreement']:.3f}; attribution took "
        f"{timings['attribute'] / timings['transcribe']:.2f}x the transcription time "
        f"({timings['attribute']:.1f} s vs {timings['transcribe']:.1f} s, voice encoder load included)"
    )


if __name__ == "__main__":
    main()
