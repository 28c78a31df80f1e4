"""A voice journal recorded through Chromium's fake microphone (fed an espeak-ng WAV from
tests/fixtures/audio), uploaded through the outbox, transcribed by the worker, and shown on the page
live; the words match the WAV's script within the transcription tests' WER bound."""

from __future__ import annotations

import json
import wave
from collections.abc import Iterator
from functools import partial

import pytest
from playwright.sync_api import expect

from ml.evaluate import word_error_rate
from tests.browser.conftest import fake_microphone_page
from tests.browser.patient.conftest import ROOT, WAV, join, new_phone, shot

WER_BOUND = 0.15  # tests/ml/test_transcription.py
SCRIPT = json.loads((ROOT / "tests" / "fixtures" / "audio" / "scripts.json").read_text())["work"]


@pytest.fixture
def mic_phone(browser, live_stack, tmp_path) -> Iterator[object]:
    """A phone whose microphone plays the WAV and then three seconds of silence (Chromium loops the file;
    we stop after one pass). The silence is for a Stop that lands late on a busy machine: it records
    nothing more, where the loop's restart added the script's first words and failed the WER bound once."""
    padded = tmp_path / "work-then-silence.wav"
    with wave.open(str(WAV)) as source, wave.open(str(padded), "wb") as out:
        out.setparams(source.getparams())
        out.writeframes(source.readframes(source.getnframes()))
        out.writeframes(b"\0" * source.getsampwidth() * source.getnchannels() * source.getframerate() * 3)
    phone = partial(new_phone, live_stack=live_stack, permissions=["microphone"])
    with fake_microphone_page(browser, live_stack, padded, phone) as page:
        yield page


def wav_seconds() -> float:
    with wave.open(str(WAV)) as w:
        return w.getnframes() / w.getframerate()


def test_a_voice_journal_recorded_with_the_fake_microphone_is_transcribed_on_the_page(mic_phone, live_stack):
    phone = mic_phone
    newcomer = join(phone, live_stack)
    phone.goto("/app/journal/")
    phone.get_by_role("button", name="Start recording").tap()
    recorder = phone.locator("[data-recorder]")
    expect(recorder).to_have_attribute("data-state", "recording")
    assert int(recorder.get_attribute("data-start-latency-ms")) >= 0
    phone.wait_for_timeout(int((wav_seconds() + 0.3) * 1000))
    phone.get_by_role("button", name="Stop").tap()
    expect(phone.get_by_role("button", name="Send")).to_be_visible()
    phone.get_by_role("button", name="Send").tap()

    item = phone.locator("[data-outbox-item]")
    expect(item).to_have_count(1)
    expect(item.locator("[data-outbox-status]")).to_have_text("done", timeout=180_000)
    transcript = item.locator("[data-transcript]").inner_text()
    shot(phone, "patient-voice-journal-transcribed")
    wer = word_error_rate(SCRIPT, transcript)
    print(f"\nfake-microphone transcript: {transcript!r}\nWER against the script: {wer:.3f}")
    assert wer < WER_BOUND, transcript

    entry_id = item.get_attribute("data-outbox-item")
    status, entry = live_stack.api("GET", f"/api/v1/me/journals/{entry_id}/", as_user=newcomer.username)
    assert status == 200 and entry["kind"] == "audio" and entry["audio_format"] == "webm"
    phone.goto(f"/app/journal/{entry_id}/")
    assert transcript.strip() in phone.locator("[data-transcript]").inner_text()
    assert phone.script_errors == []
