"""Patient-app browser tests: Playwright driving Debian's Chromium, as a phone (390x844, touch), against
the real stack. ``live_stack``, ``browser``, screenshots and axe come from ``tests/browser/conftest.py``;
this file adds the phone, joining with a fresh enrolment code, and small helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.browser.conftest import (  # noqa: F401 - re-exported for the tests and the benchmark
    AXE_RESULTS,
    DEMO_PASSWORD,
    FAKE_MEDIA_ARGS,
    ROOT,
    SCREENSHOTS,
    LiveStack,
    _stack_env,
    _wait_ready,
    axe_violations,
    chromium_path,
    demo_stack_start,
    demo_stack_stop,
    free_port,
    http_json,
    shot,
)

# --- the patient app: a phone ------------------------------------------------------------------
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
WAV = ROOT / "tests" / "fixtures" / "audio" / "work.wav"


def new_phone(browser, live_stack, **extra):
    context = browser.new_context(base_url=live_stack.base_url, service_workers="allow", **PHONE, **extra)
    context.set_default_timeout(20_000)
    return context


@pytest.fixture
def phone(browser, live_stack, request) -> Iterator[object]:
    """A fresh phone-sized, touch browser context (no cookies, no service worker yet)."""
    context = new_phone(browser, live_stack)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.script_errors = errors
    try:
        yield pg
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=str(SCREENSHOTS / f"FAILED-{request.node.name}.png"), full_page=True)
        context.close()


@dataclass
class Newcomer:
    username: str
    patient_id: str


def new_patient_code(live_stack, name: str, language: str = "en") -> tuple[str, str]:
    """A clinician adds a patient and issues an enrolment code (through the API, as the clinician app does)."""
    status, patient = live_stack.api(
        "POST", "/api/v1/patients/", {"full_name": name, "preferred_language": language}, as_user="clinician@demo"
    )
    assert status == 201, patient
    status, invitation = live_stack.api(
        "POST", f"/api/v1/patients/{patient['id']}/invitations/", {}, as_user="clinician@demo"
    )
    assert status == 201, invitation
    return patient["id"], invitation["code"]


_joined = iter(range(1, 10_000))


# The join screen's labels per language (the browser context's locale picks the language before sign-in).
JOIN_LABELS = {
    "en": ("Enrolment code", "Choose a username", "Choose a password", "Type the password again", "Join"),
    "es": (
        "Código de inscripción",
        "Elija un nombre de usuario",
        "Elija una contraseña",
        "Escriba la contraseña otra vez",
        "Unirme",
    ),
}
CONSENT_CHOICES = {"en": ("Accept", "Decline"), "es": ("Aceptar", "Rechazar")}


def join(page, live_stack, *, decline: tuple[str, ...] = (), language: str = "en") -> Newcomer:
    """Join with a fresh code in the browser and make every consent choice (accept unless declined).
    ``language`` is the new patient's preferred language and the language of the labels used."""
    patient_id, code = new_patient_code(live_stack, "Browser Patient", language)
    username = f"phone{next(_joined)}-{patient_id[:6]}"
    code_label, username_label, password_label, again_label, join_button = JOIN_LABELS[language]
    page.goto("/app/join/")
    page.get_by_label(code_label).fill(code)
    page.get_by_label(username_label).fill(username)
    page.get_by_label(password_label).fill(DEMO_PASSWORD)
    page.get_by_label(again_label).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=join_button).click()
    page.wait_for_url("**/app/consent/**")
    accept, reject = CONSENT_CHOICES[language]
    for kind in ("ai_processing", "journal_sharing", "session_recording"):
        choice = reject if kind in decline else accept
        page.locator(f"#consent-{kind}").get_by_role("button", name=choice).click()
        page.wait_for_load_state("domcontentloaded")
    return Newcomer(username, patient_id)


def wait_for_worker(page) -> None:
    """The service worker controls the page and has cached the offline pages."""
    # No wait_for_function: its polling evaluates strings, which the app's CSP (no unsafe-eval) forbids.
    for _ in range(120):  # up to 30 s of 250 ms polls: a bound on waiting, not a speed target
        if page.evaluate("() => navigator.serviceWorker.controller !== null"):
            break
        page.wait_for_timeout(250)
    else:
        raise AssertionError("the service worker never took control of the page")
    page.wait_for_selector("body[data-offline-ready='true']", state="attached", timeout=60_000)


def tap_scale(page, row: str, value: int) -> None:
    """One tap on a number of a check-in row (Mood, Anxiety, Energy)."""
    page.locator(f"[data-scale='{row}']").get_by_role("radio", name=str(value), exact=True).tap()


def check_in(page, mood: int, anxiety: int, energy: int) -> None:
    """Three taps, then wait for the page to say the check-in is kept (saved to the outbox): leaving the
    page before that is leaving before the phone has it, as a patient would see."""
    for row, value in (("mood", mood), ("anxiety", anxiety), ("energy", energy)):
        tap_scale(page, row, value)
    page.wait_for_selector("[data-checkin-saved]")


def answer_questionnaire(page, answers: list[str]) -> None:
    """Answer one item per screen by its option label, then send."""
    for label in answers:
        item = page.locator("fieldset[data-item]:visible")
        item.get_by_role("radio", name=label, exact=True).tap()
        send = page.get_by_role("button", name="Send answers")
        if send.is_visible():
            send.tap()
            # The confirmation appears once the answers are in the outbox.
            page.wait_for_selector("[data-done]:not([hidden]) [data-done-status]:not(:empty)")
            return
        page.get_by_role("button", name="Next").tap()
    raise AssertionError("the questionnaire had more items than answers given")


def outbox_ids(page, kind: str) -> list[str]:
    return page.eval_on_selector_all(
        "[data-outbox-list]:visible li[data-outbox-item]",
        "(els, kind) => els.filter(e => e.querySelector('.label').textContent.startsWith(kind))"
        ".map(e => e.dataset.outboxItem)",
        kind,
    )


def ids_listed(live_stack, username: str, path: str) -> list[str]:
    status, body = live_stack.api("GET", path + "?page_size=200", as_user=username)
    assert status == 200, body
    rows = body["results"] if isinstance(body, dict) else body
    return [row["id"] for row in rows]
