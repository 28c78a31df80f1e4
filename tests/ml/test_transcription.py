import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ml.evaluate import word_error_rate, word_errors
from ml.transcription import Segment, TranscriberConfig, filter_segments, get_transcriber

ROOT = Path(__file__).resolve().parents[2]
AUDIO = ROOT / "tests" / "fixtures" / "audio"
SCRIPTS = json.loads((AUDIO / "scripts.json").read_text())


def seg(text, start=0.0, end=2.0, logprob=-0.2, no_speech=0.05):
    return Segment(start, end, text, logprob, no_speech)


def test_known_hallucinations_are_dropped_and_reported():
    kept, dropped = filter_segments(
        [
            seg("I slept badly.", 0, 2),
            seg("Thank you for watching!", 2, 4, logprob=-0.9, no_speech=0.5),
            seg("Thank you for watching!", 4, 6, logprob=-0.9, no_speech=0.5),
        ]
    )
    assert [s.text for s in kept] == ["I slept badly."]
    assert [(d.reason, d.start) for d in dropped] == [("known_hallucination", 2), ("known_hallucination", 4)]


def test_a_real_thank_you_in_clear_speech_is_kept():
    kept, _ = filter_segments([seg("I spoke to my mum today.", 0, 3), seg("Thank you.", 3, 4)])
    assert [s.text for s in kept] == ["I spoke to my mum today.", "Thank you."]


def test_no_speech_segments_are_dropped_but_a_repeated_sentence_is_kept():
    kept, dropped = filter_segments(
        [
            seg("I don't want to be here anymore.", 0, 2),
            seg("I don't want to be here anymore.", 2, 4),
            seg("mm", 4, 5, logprob=-1.5, no_speech=0.9),
        ]
    )
    assert [s.text for s in kept] == ["I don't want to be here anymore."] * 2
    assert [d.reason for d in dropped] == ["no_speech"]


def test_word_error_rate():
    assert word_error_rate("I felt anxious all morning", "I felt anxious all morning.") == 0
    assert word_errors("a b c d", "a x c") == (2, 4)


@pytest.mark.slow
def test_the_model_is_loaded_once_per_process():
    assert get_transcriber(TranscriberConfig()) is get_transcriber(TranscriberConfig())


@pytest.mark.slow
def test_silence_gives_no_words():
    transcript = get_transcriber().transcribe(str(AUDIO / "silence.wav"))
    assert transcript.text == ""


@pytest.mark.slow
def test_the_command_line_uses_the_same_code_path():
    result = subprocess.run(
        [sys.executable, "-m", "ml.transcribe", str(AUDIO / "walk.wav"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    out = json.loads(result.stdout)
    assert out["model_id"] == "faster-whisper/tiny.en" and out["segments"][0]["start"] >= 0
    assert word_error_rate(SCRIPTS["walk"], out["text"]) < 0.15


def test_a_missing_model_fails_loudly_without_downloading(tmp_path):
    with pytest.raises(Exception):  # noqa: B017 - CTranslate2 raises RuntimeError, faster-whisper others
        get_transcriber(TranscriberConfig(model=str(tmp_path / "no-such-model")))


def test_session_notes_use_the_multilingual_base_decoding_english_when_it_is_installed(monkeypatch):
    import ml.multilingual_model
    from ml.transcription import MULTILINGUAL_MODEL, session_note_config

    journals = TranscriberConfig(cache_dir="models")  # never written: nothing is loaded
    monkeypatch.setattr(ml.multilingual_model, "is_installed", lambda: True)
    chosen = session_note_config(journals, "auto", 3)
    assert (chosen.model, chosen.language, chosen.beam_size) == (MULTILINGUAL_MODEL, "en", 3)
    assert chosen.cache_dir == "models" and chosen.cpu_threads == journals.cpu_threads
    monkeypatch.setattr(ml.multilingual_model, "is_installed", lambda: False)
    assert session_note_config(journals, "auto", 5) == journals  # without the extra: the journals' model
    assert session_note_config(journals, "", 2) == TranscriberConfig(cache_dir="models", beam_size=2)
    explicit = session_note_config(journals, "/models/small.en", 5)
    assert (explicit.model, explicit.language) == ("/models/small.en", "en")


def test_the_session_vocabulary_lists_clinical_terms_once_within_its_limit():
    from ml.transcription import SESSION_VOCABULARY, VOCABULARY_MAX_CHARS, session_vocabulary

    vocabulary = session_vocabulary(["sertraline", "  ", "phq-9", "walk  daily"])
    terms = vocabulary.split(", ")
    assert terms[: len(SESSION_VOCABULARY)] == list(SESSION_VOCABULARY)
    assert terms[len(SESSION_VOCABULARY) :] == ["sertraline", "walk daily"]
    assert len(session_vocabulary([f"goal number {i}" for i in range(200)])) <= VOCABULARY_MAX_CHARS


@pytest.mark.slow
def test_vocabulary_adds_no_words_to_silence():
    from ml.transcription import session_vocabulary

    transcript = get_transcriber().transcribe(str(AUDIO / "silence.wav"), hotwords=session_vocabulary())
    assert transcript.text == ""


def _two_sentences():
    from faster_whisper.audio import decode_audio

    walk, work = (decode_audio(str(AUDIO / f"{name}.wav"), sampling_rate=16000) for name in ("walk", "work"))
    gap = np.zeros(16000, dtype=walk.dtype)
    return np.concatenate([walk, gap, work]), len(walk) / 16000 + 1.0


def test_speech_no_word_covers_is_found_and_the_silence_between_sentences_is_not():
    from ml.transcription import Word, uncovered_speech

    audio, second = _two_sentences()
    total = len(audio) / 16000
    first = Segment(0.0, second - 1.0, "walk", -0.2, 0.0, (Word(0.1, second - 1.1, "walk", 0.9),))
    gaps = uncovered_speech(audio, [first])
    assert len(gaps) == 1 and abs(gaps[0][0] - second) < 0.6 and abs(gaps[0][1] - total) < 0.6, gaps
    both = Segment(second, total, "work", -0.2, 0.0)  # no word timings: the segment's span covers
    assert uncovered_speech(audio, [first, both]) == []


class _SkipsTheSecondSentence:
    """The real model, except that its first pass over the whole recording loses what follows the first
    sentence, as Whisper does when its timestamps jump over a turn."""

    def __init__(self, whisper, cut: float):
        self.whisper, self.cut = whisper, cut

    def __getattr__(self, name):
        return getattr(self.whisper, name)

    def transcribe(self, audio, **options):
        segments, info = self.whisper.transcribe(audio, **options)
        if options.get("vad_filter"):
            segments = [s for s in segments if s.start < self.cut]
        return segments, info


def test_speech_the_decoder_skipped_is_decoded_again_and_listed(monkeypatch):
    transcriber = get_transcriber()
    audio, second = _two_sentences()
    monkeypatch.setattr(transcriber, "_model", _SkipsTheSecondSentence(transcriber._model, second - 0.5))
    transcript = transcriber.transcribe(audio, word_timestamps=True)
    assert word_error_rate(SCRIPTS["walk"] + " " + SCRIPTS["work"], transcript.text) < 0.2, transcript.text
    assert len(transcript.settings["skipped_speech_decoded_again"]) == 1
    assert [s.start for s in transcript.segments] == sorted(s.start for s in transcript.segments)


def test_word_error_rate_reads_a_title_and_its_spelling_alike():
    assert word_error_rate("mister Brown and missus Green saw the doctor", "Mr. Brown and Mrs. Green saw the Dr.") == 0
    assert word_error_rate("mister Brown", "Ms. Brown") == 0.5
