"""A PHQ-9 with item 9 > 0: the supportive message, the region's crisis lines and the safety plan show at
once, with the network off; once sent, the care team's alert exists."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from tests.browser.patient.conftest import join, shot


def test_phq9_item9_shows_crisis_resources_offline_and_alerts_the_care_team(phone, live_stack):
    newcomer = join(phone, live_stack)
    phone.goto("/app/questionnaires/phq9/")
    phone.wait_for_selector("body[data-questionnaire-ready='true']", state="attached")
    for _ in range(8):
        phone.locator("fieldset[data-item]:visible").get_by_role("radio", name="Not at all", exact=True).tap()
        phone.get_by_role("button", name="Next").tap()
    support = phone.locator("[data-support]")
    expect(support).to_be_hidden()

    phone.context.set_offline(True)
    item9 = phone.locator("fieldset[data-item='phq9_9']")
    expect(item9).to_be_visible()
    item9.get_by_role("radio", name="Several days", exact=True).tap()
    expect(support).to_be_visible()  # at once, and with no network
    expect(phone.locator("#crisis")).to_be_focused()
    calls = support.locator("a[href^='tel:']")
    assert calls.count() >= 1
    expect(support.get_by_role("link", name="Open my safety plan")).to_have_attribute("href", "/app/safety-plan/")
    shot(phone, "patient-phq9-item9-offline")

    phone.get_by_role("button", name="Next").tap()  # the optional difficulty item
    phone.get_by_role("button", name="Send answers").tap()
    expect(phone.locator("[data-outbox-item][data-state='pending']")).to_have_count(1)
    phone.context.set_offline(False)
    # Replay waits for the browser's online event and a server round trip: a bound, not a speed target.
    expect(phone.locator("[data-outbox-item][data-state='sent']")).to_have_count(1, timeout=30_000)

    deadline = time.monotonic() + 60
    while True:
        status, body = live_stack.api("GET", f"/api/v1/alerts/?patient={newcomer.patient_id}", as_user="clinician@demo")
        assert status == 200, body
        alerts = body["results"] if isinstance(body, dict) else body
        if alerts or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert alerts, "the care team has no alert for the PHQ-9 item 9 answer"
    status, signals = live_stack.api(
        "GET", f"/api/v1/patients/{newcomer.patient_id}/risk-signals/", as_user="clinician@demo"
    )
    rows = signals["results"] if isinstance(signals, dict) else signals
    assert any(row.get("kind") == "phq9_item9" for row in rows), rows
    assert phone.script_errors == []
