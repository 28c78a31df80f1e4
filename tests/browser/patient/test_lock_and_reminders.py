"""Me → app lock and notifications, in the phone browser: the PIN lock comes up by itself after the
idle time, keeps the safety plan and crisis lines open, refuses a wrong PIN and opens with the right
one; the notifications screen is honest when Firebase is not set up; the service worker shows a pushed
reminder delivered through Chromium's DevTools push."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.browser.patient.conftest import DEMO_PASSWORD, PHONE, axe_violations, join, shot

PIN = "2580"


def test_the_pin_lock_comes_up_after_the_idle_time_and_keeps_the_safety_plan_open(phone, live_stack):
    join(phone, live_stack)
    phone.goto("/app/me/")
    phone.get_by_role("link", name="App lock settings").tap()
    phone.get_by_label("Choose a PIN").fill(PIN)
    phone.get_by_label("Type the PIN again").fill(PIN)
    phone.get_by_label("Lock after the app is unused for").select_option("1")
    phone.get_by_label("Your password").fill(DEMO_PASSWORD)
    phone.get_by_role("button", name="Turn on the lock").tap()
    expect(phone.get_by_text("The app lock is on.")).to_be_visible()
    assert axe_violations(phone, "patient-me-lock") == []
    phone.goto("/app/journal/")
    # Nobody touches the phone for over a minute: the page goes to the lock screen on its own.
    phone.wait_for_url("**/app/lock/**", timeout=120_000)
    expect(phone.get_by_role("heading", name="Interlude is locked")).to_be_visible()
    expect(phone.locator("header.top .crisis")).to_be_visible()
    expect(phone.locator("#crisis")).to_be_visible()
    expect(phone.get_by_role("navigation", name="Main")).to_have_count(0)
    shot(phone, "patient-lock")
    assert axe_violations(phone, "patient-lock") == []
    # While locked, other pages answer the lock screen and the API refuses reads; the safety plan opens.
    status = phone.evaluate("() => fetch('/api/v1/me/checkins/').then(r => r.status)")
    assert status == 423
    phone.get_by_role("link", name="Open my safety plan").tap()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("safety plan")
    phone.goto("/app/journal/")
    phone.wait_for_url("**/app/lock/**")
    phone.get_by_label("Your PIN", exact=True).fill("0000")
    phone.get_by_role("button", name="Unlock").tap()
    expect(phone.locator("#id_pin-error")).to_contain_text("That PIN is not right")
    phone.get_by_label("Your PIN", exact=True).fill(PIN)
    phone.get_by_role("button", name="Unlock").tap()
    # (a wait, not a speed check: under a full parallel run the stack once took over 20 s to answer here)
    phone.wait_for_url("**/app/journal/", timeout=60_000)
    assert phone.evaluate("() => fetch('/api/v1/me/checkins/').then(r => r.status)") == 200
    assert phone.script_errors == []


def test_without_firebase_the_notifications_screen_says_reminders_stay_on_today(phone, live_stack):
    join(phone, live_stack)
    phone.goto("/app/me/")
    phone.get_by_role("link", name="Reminder times, quiet hours and notifications").tap()
    expect(phone.get_by_role("heading", name="Notifications", exact=True)).to_be_visible()
    expect(phone.locator("[data-push-unavailable]")).to_contain_text("to-do list on Today only")
    phone.get_by_label("Quiet from").fill("22:00")
    phone.get_by_label("Quiet until").fill("07:00")
    phone.get_by_role("button", name="Save reminder settings").tap()
    expect(phone.get_by_role("status")).to_contain_text("Saved.")
    expect(phone.get_by_label("Quiet from")).to_have_value("22:00")
    assert axe_violations(phone, "patient-me-notifications") == []
    assert phone.script_errors == []


def test_the_service_worker_shows_a_pushed_reminder_with_its_generic_text(phone, live_stack):
    join(phone, live_stack)
    phone.context.grant_permissions(["notifications"])
    phone.goto("/app/")
    registration = phone.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    assert registration
    cdp = phone.context.new_cdp_session(phone)
    cdp.send("ServiceWorker.enable")
    versions: list[dict] = []
    cdp.on("ServiceWorker.workerVersionUpdated", lambda e: versions.extend(e["versions"]))
    for _ in range(40):
        if any(v.get("runningStatus") == "running" for v in versions):
            break
        phone.wait_for_timeout(250)
    registration_id = next(v["registrationId"] for v in versions if v.get("runningStatus") == "running")
    # The shape FCM delivers to a web push subscription: a generic notification and ids only.
    payload = json.dumps(
        {"notification": {"title": "Interlude", "body": "You have a check-in waiting."}, "data": {"type": "todo"}}
    )
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": live_stack.base_url, "registrationId": registration_id, "data": payload},
    )
    shown: list[dict] = []
    for _ in range(120):  # up to 30 s: under a full parallel run the worker once took over 10 s to show it
        shown = phone.evaluate(
            "() => navigator.serviceWorker.ready.then(r => r.getNotifications())"
            ".then(ns => ns.map(n => ({title: n.title, body: n.body})))"
        )
        if shown:
            break
        phone.wait_for_timeout(250)
    assert shown == [{"title": "Interlude", "body": "You have a check-in waiting."}]


def test_fingerprint_or_face_opens_the_lock_with_chromiums_virtual_authenticator(browser, live_stack):
    # WebAuthn wants a domain as its RP id (not an IP address): the same stack, addressed as localhost.
    context = browser.new_context(
        base_url=live_stack.base_url.replace("127.0.0.1", "localhost"), service_workers="allow", **PHONE
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        cdp.send(
            "WebAuthn.addVirtualAuthenticator",
            {
                "options": {
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": True,
                    "hasUserVerification": True,
                    "isUserVerified": True,
                    "automaticPresenceSimulation": True,
                }
            },
        )
        join(page, live_stack)
        page.goto("/app/me/lock/")
        page.get_by_label("Choose a PIN").fill(PIN)
        page.get_by_label("Type the PIN again").fill(PIN)
        page.get_by_label("Your password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Turn on the lock").tap()
        page.get_by_role("button", name="Use fingerprint or face on this phone").tap()
        expect(page.locator("[data-passkey-status]")).to_contain_text("Done")
        assert axe_violations(page, "patient-me-lock-on") == []
        page.get_by_role("button", name="Lock the app now").tap()
        page.wait_for_url("**/app/lock/**")
        assert page.evaluate("() => fetch('/api/v1/me/checkins/').then(r => r.status)") == 423
        page.get_by_role("button", name="Unlock with fingerprint or face").tap()
        page.wait_for_url("**/app/")
        expect(page.get_by_role("navigation", name="Main")).to_be_visible()
        assert page.evaluate("() => fetch('/api/v1/me/checkins/').then(r => r.status)") == 200
        assert errors == []
    finally:
        context.close()
