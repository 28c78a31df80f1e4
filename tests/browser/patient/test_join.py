"""Join with an enrolment code, choose consents (one declined), and see the declined feature say why."""

from __future__ import annotations

from tests.browser.patient.conftest import join, shot


def test_join_with_a_code_then_a_declined_consent_makes_its_feature_unavailable_and_says_why(phone, live_stack):
    newcomer = join(phone, live_stack, decline=("journal_sharing",))
    shot(phone, "patient-consent")
    assert "You declined." in phone.locator("#consent-journal_sharing").inner_text()
    phone.get_by_role("link", name="Continue").click()
    phone.wait_for_url("**/app/")
    phone.get_by_role("link", name="Journal", exact=True).click()
    notice = phone.locator("[data-sharing-off]")
    assert "you declined journal sharing" in notice.inner_text()
    # The server holds the same state the page shows.
    status, state = live_stack.api("GET", "/api/v1/me/consents/", as_user=newcomer.username)
    assert status == 200
    granted = {row["kind"]: row["granted"] for row in state}
    assert granted == {"ai_processing": True, "journal_sharing": False, "session_recording": True}
    assert phone.script_errors == []
