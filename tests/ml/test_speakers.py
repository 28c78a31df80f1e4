"""Speaker attribution: the scoring function, crosstalk, turn splitting, voice clustering."""

from __future__ import annotations

import numpy as np
import pytest

from ml.speakers import (
    _cluster,
    attribute_stereo,
    questions_asked,
    split_at_turns,
    utterance_words,
    word_attribution_accuracy,
)
from ml.transcription import Segment, Word

TURNS = [("clinician", 0.0, 2.0), ("patient", 2.5, 5.0), ("clinician", 5.2, 6.0)]


def test_accuracy_scores_each_word_against_the_turn_holding_its_midpoint():
    words = [
        {"speaker": "clinician", "start": 0.1, "end": 0.5},
        {"speaker": "clinician", "start": 1.5, "end": 2.6},  # midpoint 2.05: in the gap, nearest is turn 0
        {"speaker": "clinician", "start": 3.0, "end": 3.4},  # wrong: the patient was talking
        {"speaker": "patient", "start": 4.0, "end": 4.4},
        {"speaker": "unknown", "start": 5.3, "end": 5.6},  # unknown is never right
    ]
    assert word_attribution_accuracy(words, TURNS) == pytest.approx(3 / 5)


def test_a_word_heard_on_both_channels_counts_twice():
    words = [("patient", 3.0, 3.5), ("clinician", 3.0, 3.5)]  # crosstalk: the patient's word also on the left
    assert word_attribution_accuracy(words, TURNS) == 0.5


def test_overlapping_turns_accept_either_speaker():
    turns = [("a", 0.0, 2.0), ("b", 1.0, 3.0)]
    assert word_attribution_accuracy([("a", 1.4, 1.6), ("b", 1.4, 1.6)], turns) == 1.0


def test_match_labels_maps_arbitrary_cluster_names_one_to_one():
    words = [("s1", 0.5, 0.7), ("s1", 1.0, 1.2), ("s0", 3.0, 3.2), ("s0", 5.5, 5.7)]
    assert word_attribution_accuracy(words, TURNS) == 0.0
    assert word_attribution_accuracy(words, TURNS, match_labels=True) == pytest.approx(3 / 4)
    # Two hypothesis labels can never both map to the same reference speaker.
    assert word_attribution_accuracy([("x", 0.5, 0.7), ("y", 1.0, 1.2)], TURNS, match_labels=True) == 0.5


def test_no_words_scores_zero():
    assert word_attribution_accuracy([], TURNS) == 0.0


def test_utterance_words_uses_word_timings_or_spreads_the_span():
    utterances = [
        {"index": 0, "speaker": "clinician", "text": "How are you?", "start": 0.0, "end": 1.5},
        {
            "index": 1,
            "speaker": "patient",
            "text": "Fine.",
            "start": 2.5,
            "end": 3.0,
            "words": [{"word": "Fine.", "start": 2.6, "end": 2.9}],
        },
        {"index": 2, "speaker": "summary", "text": "typed", "start": None, "end": None},
    ]
    words = utterance_words(utterances)
    assert [(w["speaker"], w["word"]) for w in words] == [
        ("clinician", "How"),
        ("clinician", "are"),
        ("clinician", "you?"),
        ("patient", "Fine."),
    ]
    assert words[1]["start"] == pytest.approx(0.5) and words[3]["start"] == 2.6
    assert word_attribution_accuracy(words, TURNS) == 1.0


# --- Turn splitting and crosstalk (synthetic, no models) -------------------------------------------


def _segment(*words: tuple[str, float, float]) -> Segment:
    return Segment(
        words[0][1],
        words[-1][2],
        " ".join(w for w, _, _ in words),
        -0.2,
        0.01,
        tuple(Word(s, e, w, 0.9) for w, s, e in words),
    )


def test_segments_are_split_at_pauses_and_sentence_ends_but_not_inside_a_phrase():
    seg = _segment(("How", 0.0, 0.2), ("are", 0.2, 0.4), ("you?", 0.4, 0.7), ("Fine,", 0.8, 1.0), ("thanks", 1.5, 1.8))
    pieces = split_at_turns([seg, Segment(2.0, 3.0, "no word timings", -0.2, 0.01)])
    assert [p.text for p in pieces] == ["How are you?", "Fine,", "thanks", "no word timings"]
    assert (pieces[1].start, pieces[1].end) == (0.8, 1.0)


def _burst(seconds: float, start: float, end: float, level: float = 0.3) -> np.ndarray:
    signal = np.random.default_rng(int(start * 10)).normal(0, 1e-4, int(seconds * 16000)).astype(np.float32)
    signal[int(start * 16000) : int(end * 16000)] += level * np.sin(np.arange(int((end - start) * 16000)) * 0.05)
    return signal


def test_stereo_crosstalk_is_dropped_from_the_quieter_channel_word_by_word():
    gain = 10 ** (-18 / 20)
    clinician, patient = _burst(4, 0.0, 1.9), _burst(4, 2.0, 3.9)
    left, right = clinician + gain * patient, patient + gain * clinician
    # Each channel's transcript also holds the other person's words (heard through the crosstalk).
    left_segments = [_segment(("How", 0.1, 0.5), ("are", 0.6, 1.0), ("you?", 1.1, 1.8), ("Fine", 2.1, 2.9))]
    right_segments = [_segment(("you?", 1.1, 1.8)), _segment(("Fine", 2.1, 2.9), ("thanks.", 3.0, 3.8))]
    result = attribute_stereo(left, right, left_segments, right_segments)
    assert [(role, p.text) for role, p in result.pieces] == [("clinician", "How are you?"), ("patient", "Fine thanks.")]
    assert result.checks["crosstalk_words_dropped"] == 2 and result.confidence > 0.9
    words = utterance_words([{"speaker": r, "start": p.start, "end": p.end, "text": p.text} for r, p in result.pieces])
    assert word_attribution_accuracy(words, [("clinician", 0.0, 1.9), ("patient", 2.0, 3.9)]) == 1.0


def test_crosstalk_taken_out_of_a_channel_is_kept_for_audit():
    gain = 10 ** (-18 / 20)
    clinician, patient = _burst(4, 0.0, 1.9), _burst(4, 2.0, 3.9)
    left, right = clinician + gain * patient, patient + gain * clinician
    left_segments = [_segment(("How", 0.1, 0.5), ("are", 0.6, 1.0), ("you?", 1.1, 1.8), ("Fine", 2.1, 2.9))]
    right_segments = [
        _segment(("are", 0.6, 1.0), ("you?", 1.1, 1.8)),
        _segment(("Fine", 2.1, 2.9), ("thanks.", 3.0, 3.8)),
    ]
    result = attribute_stereo(left, right, left_segments, right_segments)
    # One run per segment and channel, with the level it lost by: nothing leaves without a trace.
    assert [(r["channel"], r["text"]) for r in result.removed] == [("clinician", "Fine"), ("patient", "are you?")]
    assert all(r["margin_db"] < -6 for r in result.removed)
    assert result.ambiguous == frozenset()


def test_a_word_on_both_channels_at_the_same_level_is_kept_on_both_and_marked():
    # Both people close to both microphones: neither channel is clearly louder, so neither copy may go
    # (it may be the patient's own words); both stay, marked for the clinician.
    both = _burst(3, 0.5, 2.0)
    left_segments = [_segment(("I", 0.6, 0.8), ("can't", 0.8, 1.2), ("go", 1.2, 1.5), ("on.", 1.5, 1.9))]
    right_segments = [_segment(("I", 0.6, 0.8), ("can't", 0.8, 1.2), ("go", 1.2, 1.5), ("on.", 1.5, 1.9))]
    result = attribute_stereo(both, both.copy(), left_segments, right_segments)
    assert sorted((role, p.text) for role, p in result.pieces) == [
        ("clinician", "I can't go on."),
        ("patient", "I can't go on."),
    ]
    assert result.ambiguous == frozenset({0, 1}) and result.removed == ()
    assert result.checks["ambiguous_words_kept"] == 8


def test_stereo_keeps_both_people_when_they_talk_at_once():
    clinician, patient = _burst(3, 0.0, 2.0), _burst(3, 1.0, 3.0)
    left_segments = [_segment(("Mm", 1.2, 1.6))]
    right_segments = [_segment(("I", 1.2, 1.4), ("see", 1.4, 1.8))]
    result = attribute_stereo(clinician, patient, left_segments, right_segments)
    assert sorted(role for role, _ in result.pieces) == ["clinician", "patient"]


def test_one_word_questions_are_no_sign_of_who_leads_the_session():
    # "Hello?" answering a phone is said by either side; whether the transcriber writes "?" or "." there
    # also turned on the CPU and thread count.
    assert questions_asked("Hello?") == 0 and questions_asked("Really? Sorry?") == 0
    assert questions_asked("Oh, hello. How has the week been? Why?") == 1
    assert questions_asked("So, why? What went through your mind?") == 2


def test_groups_are_found_among_long_pieces_and_short_ones_join_the_nearer():
    # Four long pieces, two voices; two short clips that sound alike (as tiled short clips do), one
    # nearer each voice. Clustered with the rest, the short pair would pull a group of their own.
    a, b = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    short = np.array([0.0, 0.0, 1.0])
    points = np.array([a, a * 0.9, b, b * 0.9, short + 0.3 * a, short + 0.3 * b])
    seconds = np.array([2.5, 2.0, 2.5, 2.0, 0.5, 0.5])
    labels = _cluster(points, 2, seconds)
    assert labels[0] == labels[1] == labels[4] and labels[2] == labels[3] == labels[5] and labels[0] != labels[2]
