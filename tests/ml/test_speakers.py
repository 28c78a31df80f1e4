"""Speaker attribution: the scoring function, crosstalk, turn splitting, voice clustering."""

from __future__ import annotations

import pytest

from ml.speakers import utterance_words, word_attribution_accuracy

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
