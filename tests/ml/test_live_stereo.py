"""Live stereo (ml.live_stream): each microphone also hears the other person 18 dB quieter, and a
channel's utterance decoded as recorded picks that up at its edges. The words decoded from crosstalk are
dropped by comparing the two channels' levels under each word. Real tiny.en on a scripted espeak-ng
dialogue (tests/fixtures/dialogues.py)."""

from __future__ import annotations

import numpy as np
import pytest

from ml.evaluate import words
from ml.live_stream import LiveStream
from ml.transcription import get_transcriber
from tests.conftest import require_service
from tests.fixtures.dialogues import espeak_available, render

pytestmark = pytest.mark.slow

# Words only one side of the "panic" dialogue says (its scripts in tests/fixtures/dialogues.py).
CLINICIAN_ONLY = {"panic", "happened", "teaches", "body", "dangerous", "willing", "ride", "week"}
PATIENT_ONLY = {"monday", "heart", "racing", "faint", "walked", "home", "hour", "stand", "short"}


def test_crosstalk_at_an_utterances_edge_is_not_committed_as_the_other_speakers_words():
    require_service(espeak_available(), "espeak-ng is not installed (apt-get install espeak-ng)")
    stereo = render("panic").stereo()  # (2, n): clinician left, patient right, -18 dB crosstalk
    pcm = (np.clip(stereo.T.reshape(-1), -1, 1) * 32767).astype("<i2").tobytes()
    stream = LiveStream(get_transcriber(), channels=2)
    heard: dict[int, set[str]] = {0: set(), 1: set()}

    def decode(pending) -> None:
        for piece in pending:
            for segment in stream.decode(piece):
                heard[segment.channel] |= set(words(segment.text))

    step = 6400  # 100 ms of 2-channel 16-bit PCM, as the browser sends
    for offset in range(0, len(pcm), step):
        decode(stream.feed(pcm[offset : offset + step]))
    decode(stream.finish())
    assert heard[0] & CLINICIAN_ONLY and heard[1] & PATIENT_ONLY  # each side heard its own speaker
    assert not heard[1] & CLINICIAN_ONLY, heard[1] & CLINICIAN_ONLY
    assert not heard[0] & PATIENT_ONLY, heard[0] & PATIENT_ONLY
