"""Speech features speed: ``ml.speech.extract_features`` on a minute of speech, against a bare numpy
pass over the same samples (framewise RMS, the cheapest thing a feature extractor must do), measured
in the same run. Moved here from the test suite: no test asserts a duration.

    .venv/bin/python -m benchmarks.speech [--repeats 5]

Target: a minute of audio in under a second on this 2-core machine (real-time factor < 0.017).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from ml.speech import extract_features, load_audio

ROOT = Path(__file__).resolve().parent.parent
WORK_WAV = ROOT / "tests" / "fixtures" / "audio" / "work.wav"
SR = 16000
FRAME = 400  # 25 ms
SEGMENTS = [
    {
        "start": 0.0,
        "end": 6.1,
        "text": "Today was hard at work. I could not sleep last night and I felt anxious all morning.",
    }
]


def bare_rms(audio: np.ndarray) -> np.ndarray:
    frames = audio[: len(audio) // FRAME * FRAME].reshape(-1, FRAME)
    return np.sqrt((frames**2).mean(axis=1))


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    audio = np.tile(load_audio(str(WORK_WAV)), 10)  # ~61 s
    seconds = len(audio) / SR
    extract_features(audio[: SR * 5], SEGMENTS)  # warm up
    features = timed(lambda: extract_features(audio, SEGMENTS), args.repeats)
    baseline = timed(lambda: bare_rms(audio), args.repeats)
    print(f"Speech features on {seconds:.1f} s of audio (median of {args.repeats})")
    print(f"  extract_features: {features * 1000:.1f} ms  (real-time factor {features / seconds:.4f}, target < 0.017)")
    print(f"  bare framewise RMS: {baseline * 1000:.2f} ms  -> ratio {features / baseline:.0f}x")


if __name__ == "__main__":
    main()
