"""The transcriber's second pass over stretches heard with little confidence (``recheck_unsure``), with the
real tiny.en: the first pass is made to mishear the second of two sentences, unsure of it."""

from dataclasses import replace

import pytest

from ml.evaluate import word_error_rate
from ml.transcription import Segment, Word, get_transcriber, more_confident
from tests.ml.test_transcription import SCRIPTS, _two_sentences


class _MishearsTheSecondSentence:
    """The real model, except that its first pass over the whole recording hears every word of the second
    sentence as "lemon", unsurely (and the first sentence surely). ``again`` is what a decode of a piece on
    its own gives: the real model's words, or nothing."""

    def __init__(self, whisper, cut: float, again_gives_nothing: bool = False):
        self.whisper, self.cut, self.again_gives_nothing = whisper, cut, again_gives_nothing

    def __getattr__(self, name):
        return getattr(self.whisper, name)

    def transcribe(self, audio, **options):
        segments, info = self.whisper.transcribe(audio, **options)
        if not options.get("vad_filter"):
            return ([] if self.again_gives_nothing else list(segments)), info
        return [self._first_pass(s) for s in segments], info

    def _first_pass(self, segment):
        if segment.start < self.cut:
            return replace(segment, words=[replace(w, probability=0.99) for w in segment.words])
        words = [replace(w, word=" lemon", probability=0.1) for w in segment.words]
        return replace(segment, text=" " + " ".join(["lemon"] * len(words)), words=words)


@pytest.mark.slow
def test_a_stretch_heard_unsurely_is_decoded_again_on_its_own_and_the_surer_words_kept_in_place(monkeypatch):
    transcriber = get_transcriber()
    audio, second = _two_sentences()
    monkeypatch.setattr(transcriber, "_model", _MishearsTheSecondSentence(transcriber._model, second - 0.5))

    first_pass = transcriber.transcribe(audio, word_timestamps=True)
    assert "lemon" in first_pass.text and "unsure_speech_decoded_again" not in first_pass.settings  # off by default

    transcript = transcriber.transcribe(audio, word_timestamps=True, recheck_unsure=True)
    assert word_error_rate(SCRIPTS["walk"] + " " + SCRIPTS["work"], transcript.text) < 0.2, transcript.text
    assert "lemon" not in transcript.text
    stretches = transcript.settings["unsure_speech_decoded_again"]  # the sentence's pauses may split it
    assert stretches and all(kept and start > second - 1.0 for start, _, kept in stretches), stretches
    # The new words sit where the sentence was said, so speaker attribution by word timing still holds.
    again = [w for s in transcript.segments for w in s.words if w.start >= second - 0.5]
    assert again and all(any(a <= w.start and w.end <= b + 0.1 for a, b, _ in stretches) for w in again)
    assert [s.start for s in transcript.segments] == sorted(s.start for s in transcript.segments)


@pytest.mark.slow
def test_when_the_second_decode_gives_nothing_the_first_pass_words_all_stay(monkeypatch):
    transcriber = get_transcriber()
    audio, second = _two_sentences()
    fake = _MishearsTheSecondSentence(transcriber._model, second - 0.5, again_gives_nothing=True)
    monkeypatch.setattr(transcriber, "_model", fake)

    first_pass = transcriber.transcribe(audio, word_timestamps=True)
    transcript = transcriber.transcribe(audio, word_timestamps=True, recheck_unsure=True)
    assert [(s.text, s.words) for s in transcript.segments] == [(s.text, s.words) for s in first_pass.segments]
    stretches = transcript.settings["unsure_speech_decoded_again"]
    assert stretches and not any(kept for *_, kept in stretches)


def _words(*timed: tuple[float, float, float]) -> Segment:
    words = tuple(Word(start, end, "word", probability) for start, end, probability in timed)
    return Segment(words[0].start, words[-1].end, "word " * len(words), -0.3, 0.0, words)


def test_a_surer_decode_that_stops_early_or_is_less_sure_does_not_replace_the_first():
    before = [_words((1.0, 1.4, 0.5), (1.5, 2.0, 0.4), (2.1, 3.0, 0.5))]
    assert more_confident(before, [_words((1.0, 1.4, 0.9), (1.5, 2.0, 0.9), (2.1, 2.9, 0.9))])
    assert not more_confident(before, [_words((1.0, 1.4, 0.9), (1.5, 2.0, 0.9))])  # "…at ten" lost at the end
    assert not more_confident(before, [_words((2.1, 3.0, 0.9))])  # the start lost
    assert not more_confident(before, [_words((1.0, 1.4, 0.4), (1.5, 3.0, 0.4))])
    assert not more_confident(before, [])


def test_a_surer_decode_the_filter_would_drop_does_not_replace_the_first():
    """ "85." decoded alone came back as a surer "Thank you.", which the hallucination filter drops."""
    before = [_words((110.45, 111.03, 0.4))]
    thanks = replace(_words((110.04, 110.74, 0.8)), text="Thank you.", avg_logprob=-0.8)
    assert not more_confident(before, [thanks])
