"""Recording a session input in the browser: Chromium's fake microphone plays a speech WAV
(tests/fixtures/audio, espeak-ng), the session page's recorder (MediaRecorder, level meter, timer)
uploads it, the worker transcribes it and the draft note appears on the page by itself."""

from __future__ import annotations

import re
import wave
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PATIENT_ID, ROOT, axe_violations, fake_microphone_page, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PATIENT = f"/patients/{DEMO_PATIENT_ID}"
WAV = ROOT / "tests" / "fixtures" / "audio" / "work.wav"
# Transcription and drafting run in the stack's worker on a shared machine: bounded, generous waits.
DRAFT_TIMEOUT_MS = 300_000
# Words of the script the transcript must mostly contain (the recording may start a fraction of a second
# into the looping file, so the first or last word can be cut; the WER bound is the transcription tests').
CONTENT_WORDS = ("hard", "work", "sleep", "night", "anxious", "morning")


@pytest.fixture
def mic_page(browser, live_stack) -> Iterator[object]:
    """A tablet-sized page whose microphone plays the WAV (Chromium loops it)."""
    with fake_microphone_page(browser, live_stack, WAV) as page:
        yield page


def wav_seconds() -> int:
    with wave.open(str(WAV)) as w:
        return int(w.getnframes() / w.getframerate()) + 1


def test_a_dictation_recorded_in_the_browser_becomes_a_draft(mic_page):
    page = mic_page
    sign_in(page, "clinician@demo")
    page.goto(PATIENT + "/sessions/")
    page.get_by_role("button", name="Create session").click()
    expect(page.get_by_role("heading", name=re.compile("^Session, "))).to_be_visible()

    page.get_by_text("Record in the browser").click()
    recorder = page.locator("[data-recorder]")
    expect(recorder.get_by_text("Consent to session recording: given.")).to_be_visible()
    recorder.get_by_label("My dictated summary").check()
    recorder.get_by_role("button", name="Start recording").click()
    expect(recorder.get_by_role("status")).to_have_text("Recording")
    # The recorder's own timer counts recorded seconds: stop after one pass of the file (the wait is
    # bounded by the expectation's timeout, never asserted as a duration).
    timer = recorder.get_by_role("timer")
    expect(timer).to_have_text(f"0:{wav_seconds():02d}", timeout=60_000)
    level = float(recorder.locator("meter").get_attribute("value") or 0)
    assert 0 <= level <= 1
    shot(page, "session-recording")
    recorder.get_by_role("button", name="Stop and upload").click()

    # After the upload the recorder opens the session page again, which refreshes itself as the worker
    # reports progress.
    expect(page.get_by_role("listitem").filter(has_text="Dictation")).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", name=re.compile(r"Note — version 1 \(draft\)"))).to_be_visible(
        timeout=DRAFT_TIMEOUT_MS
    )
    transcript = page.locator("ol.utterances").inner_text().lower()
    heard = {word for word in CONTENT_WORDS if word in transcript}
    print(f"\nrecorded dictation transcript: {transcript!r}")
    assert len(heard) >= 4, transcript
    expect(page.locator(".note-section").first).to_be_visible()
    shot(page, "session-recorded-draft")
    assert axe_violations(page, "session-recorded-draft") == []
    assert page.script_errors == []
