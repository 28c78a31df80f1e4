"""Live session mode in the browser: Chromium's fake microphone plays a speech WAV (tests/fixtures/audio,
espeak-ng), live_session.js streams it through its AudioWorklet (resampled to 16 kHz 16-bit mono) over
/ws/sessions/<id>/live/ to the stack, the committed segments appear as they are transcribed, and on stop
the page opens the session with the draft written from the live pass.

The transcript's words are the check on the worklet's resampler: audio resampled wrongly (rate, byte
order, channel mix) does not come back as the script's words."""

from __future__ import annotations

import re
import wave
from collections.abc import Iterator

import numpy as np
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PATIENT_ID, ROOT, axe_violations, fake_microphone_page, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PATIENT = f"/patients/{DEMO_PATIENT_ID}"
WAV = ROOT / "tests" / "fixtures" / "audio" / "work.wav"
# "Today was hard at work. I could not sleep last night and I felt anxious all morning." (scripts.json)
CONTENT_WORDS = ("hard", "work", "sleep", "night", "anxious", "morning")
# "I went for a long walk with my sister and felt a little better in the evening." (scripts.json)
WALK_WORDS = ("walk", "sister", "little", "better", "evening")
# Transcription runs in the stack on a shared machine: bounded, generous waits (never asserted).
SEGMENT_TIMEOUT_MS = 120_000
DRAFT_TIMEOUT_MS = 300_000
LIVE_DRAFT_LABEL = "live draft (from the transcript during the session)"  # the session screen's pass label


@pytest.fixture
def mic_page(browser, live_stack) -> Iterator[object]:
    with fake_microphone_page(browser, live_stack, WAV) as page:
        yield page


def open_new_session(page, *, cues: bool = False) -> None:
    sign_in(page, "clinician@demo")
    if cues:  # cues are opt-in per clinician, on their settings page
        page.goto("/account/")
        page.get_by_label("Show me real-time cues during live sessions").check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.goto(PATIENT + "/sessions/")
    page.get_by_role("button", name="Create session").click()
    expect(page.get_by_role("heading", name=re.compile("^Session, "))).to_be_visible()


def stored_after_the_draft(page, live_stack, values: str) -> str:
    """Wait (bounded) for the session page with the draft, then read ``values`` (a list expression over
    ``inputs``, the session's inputs) in the stack's shell; returns the shell's last line (it may print
    a start-up line first)."""
    expect(page.get_by_role("heading", name=re.compile(r"Note — version [12] \(draft\)"))).to_be_visible(
        timeout=DRAFT_TIMEOUT_MS
    )
    session_id = re.search(r"/sessions/([0-9a-f-]+)/", page.url).group(1)
    out = live_stack.manage(
        "shell",
        "-c",
        "from apps.notes.models import SessionInput; "
        f"inputs = SessionInput.objects.filter(session_id='{session_id}'); "
        f"print(*{values})",
    )
    return out.split()[-1]


def heard(text: str) -> set[str]:
    return {word for word in CONTENT_WORDS if word in text.lower()}


def test_live_mode_shows_the_transcript_as_it_grows_and_stop_opens_the_live_pass_draft(mic_page):
    page = mic_page
    open_new_session(page, cues=True)
    live = page.get_by_role("region", name="Live mode")
    expect(live).to_contain_text("Real-time cues: on for you")
    live.get_by_role("button", name="Start live mode").click()
    status = live.get_by_role("status")
    expect(status).to_have_text("Live: transcribing", timeout=SEGMENT_TIMEOUT_MS)

    transcript = live.get_by_role("region", name="Live transcript").get_by_role("list")
    expect(transcript.get_by_role("listitem").first).to_be_visible(timeout=SEGMENT_TIMEOUT_MS)
    # Pausing records nothing and resuming carries on with the same input.
    live.get_by_role("button", name="Pause").click()
    expect(status).to_have_text("Paused: nothing is recorded")
    expect(live.get_by_role("button", name="Resume")).to_be_focused()
    live.get_by_role("button", name="Resume").click()
    expect(status).to_have_text("Live: transcribing")
    # The file loops: wait (bounded) until the committed segments hold most of the script's words.
    page.wait_for_function(
        """([words, need]) => {
          const text = document.querySelector('[data-live="transcript"]').innerText.toLowerCase();
          return words.filter((w) => text.includes(w)).length >= need;
        }""",
        arg=[list(CONTENT_WORDS), 4],
        timeout=SEGMENT_TIMEOUT_MS,
    )
    live_text = transcript.inner_text()
    print(f"\nlive transcript: {live_text!r}")
    assert len(heard(live_text)) >= 4, live_text
    first = transcript.get_by_role("listitem").first
    assert first.locator(".speaker").inner_text().strip(), "every segment names its speaker"
    expect(live.get_by_role("timer")).not_to_have_text("0:00")
    # The quiet panel keeps the talk-time figures from the committed segments.
    expect(live.get_by_role("region", name="Cues (for you only)")).to_contain_text("longest turn")
    shot(page, "live-session")
    assert axe_violations(page, "live-session") == []

    # On done the page opens the session with the live pass's draft; the full pass over the stored
    # audio adds its own version later, and the page refreshes itself then, so the label is read from
    # the page as it opened.
    with page.expect_response(re.compile(r"/sessions/[^/]+/\?live=done"), timeout=DRAFT_TIMEOUT_MS) as opened:
        live.get_by_role("button", name="Stop and write the draft").click()
    assert LIVE_DRAFT_LABEL in opened.value.text()
    expect(page.get_by_role("heading", name=re.compile(r"Note — version [12] \(draft\)"))).to_be_visible()
    # The committed live transcript is the input's transcript.
    stored = page.get_by_role("complementary", name="Transcript").locator("ol.utterances").first.inner_text()
    assert len(heard(stored)) >= 4, stored
    shot(page, "live-session-draft")
    assert axe_violations(page, "live-session-draft") == []
    assert page.script_errors == []


def test_live_mode_refused_without_consent_offers_dictation_instead(mic_page, live_stack):
    page = mic_page
    open_new_session(page)
    # The patient withdraws consent after the page was opened: the server refuses at start.
    decide = {"kind": "session_recording", "version": 1}
    status_code, body = live_stack.api(
        "POST", "/api/v1/me/consents/", {**decide, "decision": "declined"}, as_user="patient@demo"
    )
    assert status_code == 201, body
    try:
        live = page.get_by_role("region", name="Live mode")
        live.get_by_role("button", name="Start live mode").click()
        expect(live.get_by_role("status")).to_have_text(
            "The patient has not consented to session recording.", timeout=60_000
        )
        expect(live.get_by_role("button", name="Start live mode")).to_be_hidden()
        live.get_by_role("link", name="Record a dictation").click()
        expect(page.get_by_role("button", name="Start recording")).to_be_visible()
        assert axe_violations(page, "live-session-refused") == []
        assert page.script_errors == []
    finally:
        status_code, body = live_stack.api(
            "POST", "/api/v1/me/consents/", {**decide, "decision": "accepted"}, as_user="patient@demo"
        )
        assert status_code == 201, body


def test_a_dropped_live_connection_resumes_the_same_input_and_loses_nothing(mic_page, live_stack):
    page = mic_page
    sockets = []

    def through_to_the_server(ws):
        # The page's socket goes through Playwright to the real server, so the test can cut it.
        sockets.append((ws, ws.connect_to_server()))

    page.route_web_socket(re.compile(r"/ws/sessions/[^/]+/live/$"), through_to_the_server)
    open_new_session(page)
    live = page.get_by_role("region", name="Live mode")
    live.get_by_role("button", name="Start live mode").click()
    status = live.get_by_role("status")
    expect(status).to_have_text("Live: transcribing", timeout=SEGMENT_TIMEOUT_MS)
    transcript = live.get_by_role("region", name="Live transcript").get_by_role("list")
    expect(transcript.get_by_role("listitem").first).to_be_visible(timeout=SEGMENT_TIMEOUT_MS)

    page_side, server_side = sockets[0]
    page_side.close(code=4000, reason="network drop")
    server_side.close(code=4000, reason="network drop")
    for _ in range(600):  # bounded wait for the client's reconnection (backoff starts at half a second)
        if len(sockets) == 2:
            break
        page.wait_for_timeout(100)
    assert len(sockets) == 2
    expect(status).to_have_text("Live: transcribing", timeout=SEGMENT_TIMEOUT_MS)  # the same input, resumed
    count = transcript.get_by_role("listitem").count()
    expect(transcript.get_by_role("listitem")).not_to_have_count(count, timeout=SEGMENT_TIMEOUT_MS)

    live.get_by_role("button", name="Stop and write the draft").click()
    expect(status).to_have_text("Stopped. Writing the draft…")  # the last frame is out
    captured = float(live.get_by_role("timer").get_attribute("data-seconds"))
    stored = float(stored_after_the_draft(page, live_stack, "[i.audio_seconds for i in inputs]"))
    # Every recorded sample was stored exactly once: none lost with the dropped socket, none sent twice.
    assert abs(stored - captured) < 0.05, (stored, captured)
    assert page.script_errors == []


def read_wav(path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as source:  # the fixtures are 16-bit mono
        return np.frombuffer(source.readframes(source.getnframes()), dtype="<i2"), source.getframerate()


def two_microphone_wav(directory, *, dead_right: bool = False) -> object:
    """A two-microphone interface's recording: the clinician's microphone (left) says the walk sentence,
    then the patient's (right) the work sentence, each silent while the other speaks. ``dead_right``:
    the patient's input gives nothing and both sentences are heard on the left (a dead second input, or
    a one-channel device the browser reports as two). Chromium's fake device delivers the file's two
    channels apart, as a stereo interface would."""
    walk, rate = read_wav(ROOT / "tests" / "fixtures" / "audio" / "walk.wav")
    work, _ = read_wav(WAV)
    gap = np.zeros(rate // 2, dtype=np.int16)
    left = np.concatenate([walk, gap, np.zeros_like(work) if not dead_right else work, gap])
    right = np.concatenate([np.zeros_like(walk), gap, work if not dead_right else np.zeros_like(work), gap])
    path = directory / "two-microphones.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.stack([left, right], axis=1).astype("<i2").tobytes())  # interleaved L, R
    return path


def wait_for_each_side(page, live) -> None:
    """Wait (bounded) until each side's committed segments hold its sentence's words; on timeout the
    failure says what the page showed."""
    try:
        page.wait_for_function(
            """([clinician, patient]) => {
              const said = { Clinician: "", Patient: "" };
              for (const item of document.querySelectorAll('[data-live="transcript"] li')) {
                const who = item.querySelector(".speaker").innerText.trim();
                if (who in said) said[who] += " " + item.innerText.toLowerCase();
              }
              const count = (text, words) => words.filter((w) => text.includes(w)).length;
              return count(said.Clinician, clinician) >= 3 && count(said.Patient, patient) >= 4;
            }""",
            arg=[list(WALK_WORDS), list(CONTENT_WORDS)],
            timeout=SEGMENT_TIMEOUT_MS,
        )
    except PlaywrightTimeoutError:
        lines = live.get_by_role("region", name="Live transcript").get_by_role("listitem").all_inner_texts()
        raise AssertionError(f"status {live.get_by_role('status').inner_text()!r}, transcript {lines!r}") from None


def test_a_two_microphone_interface_streams_stereo_and_each_word_keeps_its_channel(browser, live_stack, tmp_path):
    with fake_microphone_page(browser, live_stack, two_microphone_wav(tmp_path)) as page:
        open_new_session(page)
        live = page.get_by_role("region", name="Live mode")
        live.get_by_label(re.compile("Two-microphone interface")).check()
        live.get_by_role("button", name="Start live mode").click()
        expect(live.get_by_role("status")).to_have_text("Live: transcribing", timeout=SEGMENT_TIMEOUT_MS)
        # The file loops: wait (bounded) until each side's committed segments hold its sentence's words.
        wait_for_each_side(page, live)
        # Attribution is by channel, word for word: no line mixes the two sentences.
        for item in live.get_by_role("region", name="Live transcript").get_by_role("listitem").all():
            who = item.locator(".speaker").inner_text().strip()
            words = item.inner_text().lower()
            assert who in ("Clinician", "Patient"), who
            other = CONTENT_WORDS if who == "Clinician" else WALK_WORDS
            assert not [w for w in other if re.search(rf"\b{w}\b", words)], (who, words)
        live.get_by_role("button", name="Stop and write the draft").click()
        channels = stored_after_the_draft(page, live_stack, "[i.transcription['live']['channels'] for i in inputs]")
        assert channels == "2", channels  # the input was streamed and stored as two channels
        assert page.script_errors == []


def test_a_silent_second_microphone_is_said_on_the_page_and_nothing_is_lost(browser, live_stack, tmp_path):
    with fake_microphone_page(browser, live_stack, two_microphone_wav(tmp_path, dead_right=True)) as page:
        open_new_session(page)
        live = page.get_by_role("region", name="Live mode")
        live.get_by_label(re.compile("Two-microphone interface")).check()
        live.get_by_role("button", name="Start live mode").click()
        expect(live.get_by_role("status")).to_have_text("Live: transcribing", timeout=SEGMENT_TIMEOUT_MS)
        warning = live.get_by_role("alert")
        expect(warning).to_contain_text("the patient's channel has been silent", timeout=SEGMENT_TIMEOUT_MS)
        shot(page, "live-one-channel-silent")
        # Everything said reached the transcript (on the one channel that hears it).
        transcript = live.get_by_role("region", name="Live transcript")
        expect(transcript).to_contain_text(re.compile("anxious", re.IGNORECASE), timeout=SEGMENT_TIMEOUT_MS)
        live.get_by_role("button", name="Stop and write the draft").click()
        assert page.script_errors == []
