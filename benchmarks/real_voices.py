"""Real human speech: word error rate on LibriVox clips and speaker attribution on a two-speaker call.

    /work/venv/bin/python -m benchmarks.real_voices              # LibriVox WER, speaker attribution
    /work/venv/bin/python -m benchmarks.real_voices --languages  # WER and RTF per language, base vs tiny.en

Needs Debian's ``pocketsphinx-testdata`` (five LibriVox clips with transcripts) and the
``pyannote.audio`` wheel installed with ``--no-deps`` (its ``sample.wav``: a 30 s phone call with RTTM
turns); both are read where they are installed (``tests/fixtures/real_voices.py``). Attribution is
scored per word against the RTTM turns, with the two cluster labels matched to the reference speakers
(the call has no clinician); the previous method (speakers 1.0) runs on the same transcript.

``--languages`` needs Debian's Asterisk prompts (``tests/fixtures/asterisk_prompts.py``) and the
``multilingual`` extra: 20 prompts per language (English, Spanish, French), transcribed by the multilingual
base model behind the language guard (the patient's preferred language = the prompt's) and by ``tiny.en``
alone (the baseline: what the system did before the guard), with the guard's verdict under ``tiny.en``.
Real-time factor is compute time over audio time; every prompt (2 to 12 s) costs a full 30 s window.
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


def languages(count: int = 20) -> None:
    import tempfile

    from ml.language_guard import LanguageRefusal, english_only_check, transcribe_guarded
    from ml.transcription import MULTILINGUAL_MODEL, TranscriberConfig
    from tests.fixtures.asterisk_prompts import ASTERISK_MISSING, prompts

    sets = {lang: prompts(lang, limit=count) for lang in ("en", "es", "fr")}
    if any(found is None for found in sets.values()):
        raise SystemExit(ASTERISK_MISSING)
    english = get_transcriber()
    multilingual = get_transcriber(TranscriberConfig(model=MULTILINGUAL_MODEL, cache_dir=tempfile.mkdtemp()))
    print(
        f"Languages: {multilingual.model_id} ({multilingual.model_version}) vs {english.model_id}, {count} prompts each"
    )
    for lang, clips in sets.items():
        row = {"base": [0, 0, 0.0], "tiny": [0, 0, 0.0]}
        audio_s = 0.0
        right_language = refused = 0
        for path, reference in clips:
            t0 = time.perf_counter()
            result = transcribe_guarded(
                str(path),
                english=multilingual,
                multilingual=multilingual,
                preferred_language=lang,
                multilingual_for_english=True,
            )
            row["base"][2] += time.perf_counter() - t0
            audio_s += result.duration
            right_language += all(s.language == lang for s in result.segments)
            found, total = word_errors(reference, result.text)
            row["base"][0] += found
            row["base"][1] += total
            t0 = time.perf_counter()
            baseline = english.transcribe(str(path))
            row["tiny"][2] += time.perf_counter() - t0
            found, total = word_errors(reference, baseline.text)
            row["tiny"][0] += found
            row["tiny"][1] += total
            refused += isinstance(english_only_check(english, str(path)), LanguageRefusal)
        for name, (errors, words, spent) in row.items():
            print(f"  {lang} {name:4s} WER {errors / words:6.1%} ({errors}/{words} words)  RTF {spent / audio_s:.2f}")
        print(
            f"  {lang} segments in the right language (base, guarded) {right_language}/{len(clips)}; "
            f"tiny.en guard refused {refused}/{len(clips)}; {audio_s:.1f} s of audio"
        )


if __name__ == "__main__":
    import sys

    languages() if "--languages" in sys.argv else main()
