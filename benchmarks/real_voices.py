"""Real human speech: word error rate on LibriVox clips and speaker attribution on a two-speaker call.

    /work/venv/bin/python -m benchmarks.real_voices

Needs Debian's ``pocketsphinx-testdata`` (five LibriVox clips with transcripts) and the
``pyannote.audio`` wheel installed with ``--no-deps`` (its ``sample.wav``: a 30 s phone call with RTTM
turns); both are read where they are installed (``tests/fixtures/real_voices.py``). Attribution is
scored per word against the RTTM turns, with the two cluster labels matched to the reference speakers
(the call has no clinician); the previous method (speakers 1.0) runs on the same transcript.
"""

from __future__ import annotations

import time

from benchmarks.speakers import previous_mono, words_of
from ml.evaluate import word_errors
from ml.speakers import attribute_mono, word_attribution_accuracy
from ml.speech import load_audio
from ml.transcription import get_transcriber


def main() -> None:
    from tests.fixtures.real_voices import LIBRIVOX_MISSING, PYANNOTE_MISSING, librivox_clips, pyannote_sample

    clips, sample = librivox_clips(), pyannote_sample()
    if clips is None or sample is None:
        raise SystemExit(LIBRIVOX_MISSING if clips is None else PYANNOTE_MISSING)
    transcriber = get_transcriber()
    print(f"Real voices: {transcriber.model_id} ({transcriber.model_version})")
    errors = words = 0
    audio_s = spent = 0.0
    for path, reference in clips:
        t0 = time.perf_counter()
        transcript = transcriber.transcribe(str(path))
        spent += time.perf_counter() - t0
        audio_s += transcript.duration
        found, total = word_errors(reference, transcript.text)
        errors, words = errors + found, words + total
        print(f"  {path.stem[-4:]}  WER {found / total:6.1%}  {transcript.text}")
    print(
        f"LibriVox WER {errors / words:.1%} ({errors}/{words} words, "
        f"{audio_s:.1f} s of audio, real-time factor {spent / audio_s:.2f})"
    )

    path, turns = sample
    audio = load_audio(str(path))
    segments = transcriber.transcribe(str(path), word_timestamps=True).segments
    before = word_attribution_accuracy(previous_mono(audio, segments), turns, match_labels=True)
    result = attribute_mono(audio, segments)
    after = word_attribution_accuracy(words_of(result), turns, match_labels=True)
    print(
        f"pyannote sample call: per-word attribution previous {before:.3f} -> current {after:.3f} "
        f"({sum(len(s.words) for s in segments)} words; confidence {result.confidence:.2f}, "
        f"ask the clinician to confirm: {result.needs_confirmation}; model {result.model_id})"
    )


if __name__ == "__main__":
    main()
