"""Treatment plan suggestions and practice administration, in Chromium against the running stack."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PATIENT_ID, axe_violations, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PATIENT = f"/patients/{DEMO_PATIENT_ID}"


def post_high_phq9(live_stack) -> None:
    """A PHQ-9 total of 16 (item 9 = 0): the suggestion library proposes behavioural activation."""
    answers = {f"phq9_{i}": 2 for i in range(1, 10)} | {"phq9_9": 0}
    status, body = live_stack.api(
        "POST",
        "/api/v1/me/questionnaires/",
        {
            "id": str(uuid.uuid4()),
            "instrument": "phq9",
            "answers": answers,
            "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
            "timezone": "America/New_York",
        },
        as_user="patient@demo",
    )
    assert status == 201, body


def test_accepting_a_suggestion_puts_its_objective_in_a_new_draft_that_is_then_signed(page, live_stack):
    post_high_phq9(live_stack)
    sign_in(page, "clinician@demo")
    page.goto(PATIENT + "/treatment-plan/")
    suggestion = page.get_by_role("article").filter(has_text="behavioural activation").first
    expect(suggestion).to_contain_text("Latest phq9 total 16")
    shot(page, "treatment-plan-suggestion")
    assert axe_violations(page, "treatment-plan") == []
    suggestion.get_by_role("button", name=re.compile("^Accept")).click()
    expect(page.get_by_role("status").filter(has_text="Suggestion accepted")).to_be_visible()
    objective = page.locator(".objectives li").filter(has_text="behavioural activation")
    expect(objective).to_contain_text("from a suggestion")
    heading = page.get_by_role("heading", name=re.compile(r"^Version \d+ — draft$"))
    version = re.search(r"\d+", heading.inner_text()).group()
    page.get_by_role("button", name=f"Sign version {version}").click()
    expect(page.get_by_role("status").filter(has_text="Plan signed.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Version {version} — signed")).to_be_visible()


def test_the_safety_plan_editor_saves_a_new_version(page):
    sign_in(page, "careteam@demo")
    page.goto(PATIENT + "/safety-plan/")
    page.get_by_text("Edit the safety plan").click()
    signs = page.get_by_role("textbox", name="Warning signs")
    signs.fill(signs.input_value() + "\nSkipping meals")
    page.get_by_role("button", name="Save a new version").click()
    expect(page.get_by_role("status").filter(has_text="Saved as a new version.")).to_be_visible()
    expect(page.get_by_role("region", name="Warning signs").get_by_text("Skipping meals")).to_be_visible()


def test_a_practice_admin_cannot_open_clinical_content(page):
    sign_in(page, "admin@demo")
    expect(page.get_by_role("heading", name="Practice settings")).to_be_visible()
    for path in (PATIENT + "/", PATIENT + "/journals/", PATIENT + "/sessions/", PATIENT + "/treatment-plan/"):
        assert page.goto(path).status == 404
        expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    page.goto(PATIENT + "/care/")  # the administrative record is theirs to manage
    expect(page.get_by_role("heading", name="Care team", exact=True)).to_be_visible()


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/practice/", "Practice settings"),
        ("/practice/staff/", "Staff and roles"),
        ("/practice/alert-policy/", "Alert policy"),
        ("/practice/note-templates/", "Note templates"),
        ("/practice/instruments/", "Questionnaires"),
        ("/practice/audit/?verify=1", "Audit trail"),
    ],
)
def test_each_practice_admin_screen_renders_accessibly(page, path, heading):
    sign_in(page, "admin@demo")
    page.goto(path)
    expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    name = "admin-" + (path.strip("/").split("/")[-1].split("?")[0] or "settings")
    shot(page, name)
    assert axe_violations(page, name) == []


def test_the_audit_chain_verifies_as_intact(page):
    sign_in(page, "admin@demo")
    page.goto("/practice/audit/")
    page.get_by_role("link", name="Verify the chain now").click()
    expect(page.get_by_role("status").filter(has_text="Intact:")).to_be_visible()


def test_the_authenticator_set_up_page_renders_accessibly_with_a_qr_code_and_a_key(page):
    """Only the page: confirming would turn two-step sign-in on for a demo persona other tests use."""
    sign_in(page, "admin@demo")
    page.get_by_role("link", name="Two-step sign-in").click()
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="Authenticator QR code")).to_be_visible()
    expect(page.get_by_label("Key to type")).to_have_text(re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{4})+$"))
    expect(page.get_by_label("Code")).to_have_attribute("autocomplete", "one-time-code")
    shot(page, "mfa-enrol")
    assert axe_violations(page, "mfa-enrol") == []


def test_an_admin_changes_a_staff_members_roles_then_deactivates_the_account(page):
    username = f"locum-{uuid.uuid4().hex[:6]}@demo"
    sign_in(page, "admin@demo")
    page.goto("/practice/staff/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill("Dr. Lee Locum")
    page.get_by_label("E-mail").fill("locum@example.org")
    page.get_by_label("Initial password").fill("a-long-enough-Passphrase-42")
    page.get_by_label("Care team").check()
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status").filter(has_text="Account created.")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=username, exact=True))
    expect(row).to_contain_text("Care team")

    row.get_by_role("link", name=re.compile("^Change")).click()
    expect(page.get_by_role("heading", name=f"Staff account {username}")).to_be_visible()
    shot(page, "admin-staff-member")
    assert axe_violations(page, "admin-staff-member") == []
    page.get_by_label("Care team").uncheck()
    page.get_by_label("Clinician").check()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text="Account updated.")).to_be_visible()
    expect(row).to_contain_text("Clinician")
    expect(row).not_to_contain_text("Care team")

    row.get_by_role("link", name=re.compile("^Change")).click()
    page.get_by_label("Account active").uncheck()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status").filter(has_text="Account updated.")).to_be_visible()
    expect(row).to_contain_text("Deactivated")

    page.goto("/practice/audit/?action=update")
    expect(page.get_by_role("table")).to_contain_text("user")
