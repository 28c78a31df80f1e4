"""A Spanish-speaking patient, end to end on a phone: joins with the Spanish screens, answers the
validated Spanish PHQ-9, sees the Spanish crisis lines on a risky answer, and the care team receives
the administration scored as in English and marked as answered in Spanish."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.patient.conftest import join, new_phone, shot


def test_a_spanish_speaker_answers_the_spanish_phq9_and_sees_spanish_crisis_lines(browser, live_stack):
    context = new_phone(browser, live_stack, locale="es-ES")
    phone = context.new_page()
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        newcomer = join(phone, live_stack, language="es")
        phone.goto("/app/questionnaires/phq9/")
        phone.wait_for_selector("body[data-questionnaire-ready='true']", state="attached")
        expect(phone.get_by_role("heading", level=1)).to_have_text("Cuestionario sobre la salud del paciente-9 (PHQ-9)")
        for _ in range(8):
            phone.locator("fieldset[data-item]:visible").get_by_role("radio", name="Ningún día", exact=True).tap()
            phone.get_by_role("button", name="Siguiente").tap()
        item9 = phone.locator("fieldset[data-item='phq9_9']")
        expect(item9).to_contain_text("Pensamientos de que estaría mejor muerto(a)")
        item9.get_by_role("radio", name="Varios días", exact=True).tap()
        support = phone.locator("[data-support]")
        expect(support).to_be_visible()
        expect(support).to_contain_text("988 Lifeline en español")
        expect(support.locator("a[href='tel:988']")).to_contain_text("oprima 2")
        shot(phone, "patient-phq9-spanish-item9")
        phone.get_by_role("button", name="Siguiente").tap()  # the optional difficulty item
        phone.get_by_role("button", name="Enviar respuestas").tap()
        expect(phone.locator("[data-outbox-item][data-state='sent']")).to_have_count(1, timeout=30_000)

        status, body = live_stack.api(
            "GET", f"/api/v1/patients/{newcomer.patient_id}/questionnaires/", as_user="clinician@demo"
        )
        assert status == 200, body
        rows = body["results"] if isinstance(body, dict) else body
        assert [(r["instrument"], r["language"], r["total_score"]) for r in rows] == [("phq9", "es", 1)]
        assert errors == []
    finally:
        context.close()
