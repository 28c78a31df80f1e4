"""Accessibility as a test: axe on every screen (0 serious or critical), the crisis link in the same
place on every page, one keyboard-only check-in and one walk at 200% zoom."""

from __future__ import annotations

import json

from playwright.sync_api import expect

from tests.browser.patient.conftest import (
    AXE_RESULTS,
    PHONE,
    axe_violations,
    check_in,
    ids_listed,
    join,
    new_phone,
    shot,
)

ANONYMOUS = ["/app/join/", "/app/signin/", "/app/offline/"]
SIGNED_IN = [
    "/app/consent/",
    "/app/",
    "/app/checkin/",
    "/app/journal/",
    "/app/questionnaires/",
    "/app/questionnaires/phq9/",
    "/app/questionnaires/cssrs_screener/",
    "/app/safety-plan/",
    "/app/safety-plan/edit/",
    "/app/plan/",
    "/app/me/",
    "/app/me/notifications/",
    "/app/me/lock/",
    "/app/no-such-page/",  # the patient app's own 404
]


def _name(path: str) -> str:
    return "patient" + (path.strip("/").replace("/", "-").removeprefix("app") or "-today")


def test_every_screen_has_no_serious_or_critical_axe_violations_and_the_crisis_link_in_one_place(phone, live_stack):
    summary, blocking, places = {}, {}, set()
    for path in ANONYMOUS:
        phone.goto(path)
        blocking[path] = axe_violations(phone, _name(path))
    newcomer = join(phone, live_stack)
    status, entry = live_stack.api(
        "POST",
        "/api/v1/me/journals/",
        {
            "id": "6f1c1d52-3f5e-4b5a-9c1e-0d1f2a3b4c5d",
            "text": "A typed entry.",
            "occurred_at": "2026-01-05T10:00:00Z",
            "timezone": "UTC",
        },
        as_user=newcomer.username,
    )
    assert status == 201, entry
    for path in [*SIGNED_IN, f"/app/journal/{entry['id']}/"]:
        phone.goto(path)
        phone.wait_for_load_state("load")
        blocking[path] = axe_violations(phone, _name(path))
        crisis = phone.locator("header.top .crisis")
        expect(crisis).to_be_visible()
        box = crisis.bounding_box()
        places.add((round(box["x"]), round(box["y"])))
    for path in blocking:
        result = json.loads((AXE_RESULTS / f"{_name(path)}.json").read_text())
        summary[path] = {
            impact: sum(1 for v in result["violations"] if v.get("impact") == impact)
            for impact in ("critical", "serious", "moderate", "minor")
        }
    (AXE_RESULTS / "patient-summary.json").write_text(json.dumps(summary, indent=1))
    print("\naxe per screen:", json.dumps(summary, indent=1))
    assert {path: v for path, v in blocking.items() if v} == {}
    assert len(places) == 1, places  # the crisis link sits in the same place on every page


def test_a_check_in_can_be_done_with_the_keyboard_alone_and_focus_is_visible(phone, live_stack):
    newcomer = join(phone, live_stack)
    phone.goto("/app/")
    phone.keyboard.press("Tab")
    expect(phone.get_by_role("link", name="Skip to content")).to_be_focused()
    phone.keyboard.press("Enter")
    for _ in range(60):
        phone.keyboard.press("Tab")
        if phone.evaluate("() => document.activeElement.name") == "mood":
            break
    else:
        raise AssertionError("Tab never reached the mood row")
    outline = phone.evaluate("() => getComputedStyle(document.activeElement.nextElementSibling).outlineStyle")
    assert outline != "none"
    for key in ("ArrowRight", "ArrowRight"):  # mood 2 (the first radio is 0, focused unchecked)
        phone.keyboard.press(key)
    phone.keyboard.press("Tab")  # the anxiety row
    phone.keyboard.press("ArrowRight")
    phone.keyboard.press("Tab")  # the energy row
    phone.keyboard.press("ArrowRight")
    phone.keyboard.press("ArrowRight")
    phone.keyboard.press("ArrowRight")
    phone.keyboard.press("Tab")
    expect(phone.get_by_role("button", name="Save check-in")).to_be_focused()
    phone.keyboard.press("Enter")
    expect(phone.locator("[data-outbox-item][data-state='sent']")).to_have_count(1)
    status, body = live_stack.api("GET", "/api/v1/me/checkins/", as_user=newcomer.username)
    row = body["results"][0]
    assert (row["mood"], row["anxiety"], row["energy"]) == (2, 1, 3)


def test_at_200_percent_zoom_nothing_scrolls_sideways_and_a_check_in_still_works(browser, live_stack):
    # 200% zoom on a 390 px wide phone leaves a 195 CSS px wide viewport.
    zoomed = {**PHONE, "viewport": {"width": 195, "height": 422}, "device_scale_factor": 4}
    context = new_phone(browser, live_stack)
    page = context.new_page()
    newcomer = join(page, live_stack)
    context.close()
    context = browser.new_context(base_url=live_stack.base_url, **zoomed)
    page = context.new_page()
    page.goto("/app/signin/")
    page.get_by_label("Username").fill(newcomer.username)
    page.get_by_label("Password").fill("interlude-demo")
    page.get_by_role("button", name="Sign in").tap()
    page.wait_for_url("**/app/")
    wide = {}
    for path in SIGNED_IN:
        page.goto(path)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            wide[path] = overflow
        expect(page.locator("header.top .crisis")).to_be_in_viewport()
    shot(page, "patient-today-200pct")
    assert wide == {}
    page.goto("/app/")
    check_in(page, 4, 4, 4)
    expect(page.locator("[data-outbox-item][data-state='sent']")).to_have_count(1)
    assert len(ids_listed(live_stack, newcomer.username, "/api/v1/me/checkins/")) == 1
    context.close()
