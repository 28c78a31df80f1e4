"""The live commit policies (ml/live.py): deterministic, computation-unaware simulation of the
utterance policy, LocalAgreement-2 on a simulated ideal decoder, the streaming VAD, and the cues."""

import numpy as np
import pytest

from ml import live_cues
from ml import session_analytics as sa
from ml.live import (
    WINDOW,
    LiveConfig,
    LocalAgreementPolicy,
    TimedWord,
    UtteranceCutter,
    pcm_to_float,
    simulate_commits,
)

FRAME = WINDOW / 16000
CONFIG = LiveConfig()


@pytest.mark.parametrize("chunk_s", [0.02, 0.1, 0.5, 1.0])
def test_each_utterance_commits_within_the_silence_wait_plus_one_chunk(chunk_s):
    speech = [(0.5, 3.0), (4.0, 6.2), (7.5, 9.0)]
    commits = simulate_commits(speech, duration=12.0, chunk_s=chunk_s)
    assert len(commits) == 3
    for (start, end), (cut, sent) in zip(speech, commits, strict=True):
        latency = sent - end
        assert CONFIG.min_silence_s <= latency <= CONFIG.min_silence_s + chunk_s + 2 * FRAME
        assert cut.reason == "silence" and cut.start <= start and cut.end >= end - FRAME


def test_a_short_pause_does_not_cut_an_utterance():
    commits = simulate_commits([(0.5, 2.0), (2.3, 4.0)], duration=6.0)
    assert len(commits) == 1 and commits[0][0].end >= 4.0 - FRAME


def test_long_speech_is_cut_at_a_pause_before_the_limit():
    speech = [(0.0, 9.0), (9.3, 25.0)]  # one 300 ms pause inside 25 s of speech
    cuts = [cut for cut, _ in simulate_commits(speech, duration=27.0)]
    assert cuts[0].reason == "pause" and 9.0 <= cuts[0].end <= 9.3
    assert all(c.end - c.start <= CONFIG.max_utterance_s + 2 * CONFIG.pad_s for c in cuts)
    assert cuts[-1].end >= 25.0 - FRAME


def test_speech_without_any_pause_is_cut_hard_at_the_limit():
    cuts = [cut for cut, _ in simulate_commits([(0.0, 40.0)], duration=42.0)]
    assert [c.reason for c in cuts[:2]] == ["max_length", "max_length"]
    assert all(c.end - c.start <= CONFIG.max_utterance_s + CONFIG.pad_s + FRAME for c in cuts)


def test_the_cutter_is_the_same_whatever_the_chunking():
    probs = [1.0 if (i // 40) % 3 else 0.0 for i in range(600)]
    whole = UtteranceCutter()
    at_once = whole.push(probs) + whole.finish()
    pieces = UtteranceCutter()
    chunked = [c for i in range(0, 600, 7) for c in pieces.push(probs[i : i + 7])] + pieces.finish()
    assert at_once == chunked


def test_a_click_is_not_an_utterance():
    assert simulate_commits([(1.0, 1.05)], duration=3.0) == []


def test_stop_commits_the_open_utterance():
    commits = simulate_commits([(1.0, 5.0)], duration=5.0)
    assert len(commits) == 1 and commits[0][0].reason == "final"


def _ideal_decoder(words):
    """Computation-unaware: an instant decoder that hears every word whose audio has fully arrived."""

    def decode(audio, prompt):
        offset = decode.offset
        return [
            TimedWord(w.start - offset, w.end - offset, w.text)
            for w in words
            if w.start >= offset and w.end <= offset + len(audio) / 16000
        ]

    decode.offset = 0.0
    return decode


def test_local_agreement_commits_a_word_once_two_decodes_agree():
    words = [TimedWord(0.3 + 0.5 * i, 0.7 + 0.5 * i, f"w{i}") for i in range(10)]
    decode = _ideal_decoder(words)
    policy = LocalAgreementPolicy(decode, min_chunk_s=1.0)
    committed, latencies = [], []
    for second in range(1, 8):
        decode.offset = policy.buffer_offset
        for w in policy.feed(np.zeros(16000, dtype=np.float32)):
            committed.append(w.text)
            latencies.append(second - w.end)
    committed += [w.text for w in policy.finish()]
    assert committed == [w.text for w in words]
    assert latencies and max(latencies) <= 2.0  # seen in one decode, agreed on by the next


def test_pcm_frames_decode_to_mono_and_to_clinician_left_stereo():
    left, right = np.int16(1000), np.int16(-2000)
    stereo = pcm_to_float(np.array([left, right] * 4, dtype="<i2").tobytes(), 2)
    assert stereo.shape == (2, 4) and stereo[0, 0] > 0 > stereo[1, 0]
    assert pcm_to_float(np.array([1000] * 4, dtype="<i2").tobytes(), 1).shape == (4,)


def test_the_streaming_vad_finds_speech_in_fixture_audio():
    from tests.fixtures.dialogues import espeak_available, render

    if not espeak_available():
        pytest.skip("espeak-ng not installed")
    from ml.live import ChannelSegmenter

    dialogue = render("cbt")
    segmenter = ChannelSegmenter(0)
    cuts = [u for i in range(0, len(dialogue.mono), 1600) for u in segmenter.feed(dialogue.mono[i : i + 1600])]
    cuts += segmenter.finish()
    assert cuts and cuts[0].start <= dialogue.turns[0][1] + 0.1 and cuts[-1].end >= dialogue.turns[-1][2] - 0.3
    assert all(len(u.audio) == pytest.approx((u.end - u.start) * 16000, abs=2) for u in cuts)


def test_talk_time_cue_when_the_clinician_holds_the_floor():
    turns = [sa.Turn("clinician", 0, 100, "a"), sa.Turn("patient", 100, 130, "b")]
    cue = live_cues.talk_time(turns, now=130, last_cue_at=None)
    assert cue["reason"] == "clinician_share" and cue["clinician_share"] > 0.6
    assert live_cues.talk_time(turns, now=131, last_cue_at=130) is None


def test_affect_cue_once_per_dominant_emotion():
    scored = [(10.0, {"sadness": 0.8, "joy": 0.1}), (20.0, {"sadness": 0.7, "joy": 0.2})]
    cue = live_cues.affect(scored, now=20.0, last_kind=None)
    assert cue["emotion"] == "sadness"
    assert live_cues.affect(scored, now=20.0, last_kind="sadness") is None
    assert live_cues.affect(scored, now=500.0, last_kind=None) is None


def test_goal_cue_matches_plan_words_not_chatter():
    goals = [("goals:0", "Keep a sleep diary every night"), ("coping_strategies:0", "Walk at lunch")]
    hits = live_cues.goals_touched("I kept the sleep diary most nights", goals, set())
    assert [h["goal_key"] for h in hits] == ["goals:0"]
    assert live_cues.goals_touched("I kept the sleep diary", goals, {"goals:0"}) == []
