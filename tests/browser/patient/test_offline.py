"""Installable and offline-first: the manifest and service worker, a check-in online, then a check-in, a
questionnaire and a typed journal entry made with no network, shown as pending, sent on reconnecting,
and stored exactly once; the safety plan opens offline after one online visit."""

from __future__ import annotations

import struct

from playwright.sync_api import expect

from tests.browser.patient.conftest import (
    answer_questionnaire,
    check_in,
    ids_listed,
    join,
    outbox_ids,
    shot,
    wait_for_worker,
)


def test_the_app_installs_manifest_service_worker_and_icons(phone, live_stack):
    join(phone, live_stack)
    phone.goto("/app/")
    wait_for_worker(phone)
    href = phone.locator("link[rel=manifest]").get_attribute("href")
    manifest = phone.request.get(href).json()
    assert manifest["scope"] == "/app/" and manifest["start_url"] == "/app/"
    assert manifest["display"] == "standalone" and manifest["name"] and manifest["short_name"]
    sizes = set()
    for icon in manifest["icons"]:
        body = phone.request.get(icon["src"]).body()
        assert body[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = struct.unpack(">II", body[16:24])
        assert f"{width}x{height}" == icon["sizes"]
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
    scope = phone.evaluate("navigator.serviceWorker.getRegistration('/app/').then(r => r && r.active && r.scope)")
    assert scope == live_stack.url("/app/")


def test_checkins_questionnaires_and_journals_made_offline_are_stored_exactly_once(phone, live_stack):
    newcomer = join(phone, live_stack)
    phone.goto("/app/")
    wait_for_worker(phone)

    # Online: three taps and it is on the server.
    check_in(phone, 6, 3, 5)
    phone.wait_for_selector("[data-outbox-item][data-state='sent']")
    online_checkin = outbox_ids(phone, "Check-in")[0]
    assert ids_listed(live_stack, newcomer.username, "/api/v1/me/checkins/") == [online_checkin]

    phone.context.set_offline(True)
    phone.reload()  # from the service worker's copy
    assert phone.locator("#net-status").is_visible()
    check_in(phone, 2, 7, 3)
    phone.goto("/app/questionnaires/gad7/")
    phone.wait_for_selector("body[data-questionnaire-ready='true']", state="attached")
    answer_questionnaire(phone, ["Several days"] * 7)
    phone.goto("/app/journal/")
    phone.get_by_label("Write your entry").fill("Wrote this on the train with no signal.")
    phone.get_by_role("button", name="Save entry").tap()
    pending = phone.locator("[data-outbox-item][data-state='pending'] [data-outbox-status]")
    expect(pending).to_have_text(["waiting for connection"] * 3)
    shot(phone, "patient-offline-pending")

    checkin_id = [i for i in outbox_ids(phone, "Check-in") if i != online_checkin][0]
    questionnaire_id = outbox_ids(phone, "Questionnaire")[0]
    journal_id = outbox_ids(phone, "Written journal entry")[0]

    phone.context.set_offline(False)
    expect(phone.locator("[data-outbox-list]:visible [data-outbox-item][data-state='sent']")).to_have_count(4)
    shot(phone, "patient-back-online-synced")
    statuses = phone.locator("[data-outbox-item][data-state='sent'] [data-outbox-status]").all_inner_texts()
    assert statuses.count("synced") == 3  # two check-ins and the questionnaire; the journal shows its processing
    # A second replay (focus, reopen) sends nothing again; the server holds each entry once.
    phone.evaluate("window.dispatchEvent(new Event('focus'))")
    phone.reload()
    checkins = ids_listed(live_stack, newcomer.username, "/api/v1/me/checkins/")
    assert sorted(checkins) == sorted([online_checkin, checkin_id])
    assert ids_listed(live_stack, newcomer.username, "/api/v1/me/questionnaires/") == [questionnaire_id]
    assert ids_listed(live_stack, newcomer.username, "/api/v1/me/journals/") == [journal_id]
    assert phone.script_errors == []


def test_the_safety_plan_opens_offline_after_one_online_visit(phone, live_stack):
    join(phone, live_stack)
    phone.goto("/app/safety-plan/edit/")
    phone.get_by_label("My reasons for living").fill("My sister\nClimbing again")
    phone.get_by_role("button", name="Save my plan").tap()
    phone.wait_for_url("**/app/safety-plan/")
    wait_for_worker(phone)
    phone.goto("/app/safety-plan/")  # the visit that refreshes the offline copy
    phone.context.set_offline(True)
    phone.goto("/app/safety-plan/")
    assert "Climbing again" in phone.locator("main").inner_text()
    crisis = phone.locator("#crisis")
    assert crisis.get_by_role("link").count() >= 1
    shot(phone, "patient-safety-plan-offline")
    phone.context.set_offline(False)
