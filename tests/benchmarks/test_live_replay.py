"""benchmarks.live_replay's comparison of a websocket run with the in-process replay (no model)."""

from benchmarks.live_replay import compare, transcript

UTTERANCES = [
    {"start": 0.0, "end": 4.0, "reason": "silence", "context_s": 0.0, "text": "He was not an ill-disposed young man."},
    {"start": 4.0, "end": 9.0, "reason": "silence", "context_s": 4.0, "text": "Unless to be rather cold-hearted."},
]


def test_runs_that_say_the_same_words_have_no_differences_whatever_the_case_and_punctuation():
    segments = [
        {"start": 0.4, "end": 3.6, "text": "he was not an ill disposed young man"},
        {"start": 4.5, "end": 6.0, "text": "Unless to be"},
        {"start": 6.0, "end": 8.5, "text": "rather cold hearted"},
    ]
    assert compare(UTTERANCES, segments) == []


def test_a_differing_utterance_and_a_segment_outside_every_cut_are_listed():
    segments = [
        {"start": 0.4, "end": 3.6, "text": "He was not an old-sposed young man."},
        {"start": 4.5, "end": 8.5, "text": "Unless to be rather cold-hearted."},
        {"start": 9.5, "end": 10.0, "text": "Extra."},
    ]
    first, extra = compare(UTTERANCES, segments)
    assert first["start"] == 0.0 and first["word_differences"] == 2 and first["words"] == 8
    assert extra["websocket_text"] == "Extra." and extra["text"] == ""


def test_the_transcript_is_in_stream_order_whatever_order_the_segments_arrived_in():
    segments = [{"start": 4.5, "end": 6.0, "text": "second"}, {"start": 0.4, "end": 3.6, "text": "first"}]
    assert transcript(segments) == "first second"
