"""Transcription on real human speech (LibriVox clips from Debian's pocketsphinx-testdata).

Floor: word error rate <= 0.15 over the five clips (measured 0.070 with tiny.en; ``benchmarks.real_voices``).
"""

from __future__ import annotations

import pytest

from ml.evaluate import word_errors
from ml.transcription import get_transcriber
from tests.conftest import require_service
from tests.fixtures.real_voices import LIBRIVOX_MISSING, librivox_clips

pytestmark = pytest.mark.slow


def test_librivox_clips_are_transcribed_within_the_word_error_floor():
    clips = librivox_clips()
    require_service(clips is not None, LIBRIVOX_MISSING)
    assert len(clips) == 5
    errors = words = 0
    transcriber = get_transcriber()
    for path, reference in clips:
        found, total = word_errors(reference, transcriber.transcribe(str(path)).text)
        errors, words = errors + found, words + total
    assert errors / words <= 0.15, (errors, words)
