"""The patient app's pages: thin adapters over the same services as the API, scoped to the caller's own
record, read-audited, with a strict CSP. Browser behaviour (offline, recorder) is in tests/browser/patient."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import ConsentKind
from apps.accounts.services.enrolment import invitation_create
from apps.audit.models import AuditAction, AuditEvent
from apps.checkins.models import MoodCheckin
from apps.journals.services import journal_entry_create_text
from apps.patient_app.models import DeviceSession
from apps.plans.models import SafetyPlan
from apps.plans.services import safety_plan_save
from tests.conftest import PASSWORD, make_patient

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    response = client.post("/app/signin/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_join_with_a_code_signs_in_and_asks_for_each_consent(personas):
    newcomer = make_patient(personas.practice, None, personas.clinician, name="New Person")
    code = invitation_create(actor=personas.clinician, patient=newcomer).code
    client = Client()
    response = client.post(
        "/app/join/",
        {"code": code, "username": "newbie", "password": "a-long-enough-pass", "password_again": "a-long-enough-pass"},
    )
    assert response.status_code == 302 and response["Location"].startswith("/app/consent/")
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    for kind in ConsentKind.values:
        assert f'id="consent-{kind}"' in html
    # Accept and Decline are the same kind of button, side by side.
    assert html.count('class="choice-button"') == 2 * len(ConsentKind.values)
    assert DeviceSession.objects.filter(user__username="newbie").count() == 1


def test_join_errors_land_next_to_the_field(personas):
    client = Client()
    response = client.post(
        "/app/join/", {"code": "ZZZZ-ZZZZ", "username": "x", "password": "short", "password_again": "other"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_password_again-error"' in html


def test_an_invalid_code_is_refused_on_the_code_field(personas):
    response = Client().post(
        "/app/join/",
        {
            "code": "ZZZZ-ZZZZ",
            "username": "newbie",
            "password": "a-long-enough-pass",
            "password_again": "a-long-enough-pass",
        },
    )
    assert response.status_code == 400
    assert 'id="id_code-error"' in response.content.decode()


def test_declining_a_consent_is_recorded_and_the_feature_says_why(personas):
    client = signed_in(personas.patient)
    response = client.post("/app/consent/", {"kind": ConsentKind.JOURNAL_SHARING, "version": 1, "decision": "declined"})
    assert response.status_code == 302
    html = client.get("/app/journal/").content.decode()
    assert "data-sharing-off" in html and "you declined journal sharing" in html


def test_a_bad_consent_choice_is_a_400_not_a_500(personas):
    client = signed_in(personas.patient)
    response = client.post("/app/consent/", {"kind": "nonsense", "version": "x", "decision": "maybe"})
    assert response.status_code == 400


def test_checkin_without_javascript_uses_the_same_service_and_id_rules(personas):
    client = signed_in(personas.patient)
    checkin_id = uuid.uuid4()
    form = {
        "id": checkin_id,
        "occurred_at": timezone.now().isoformat(),
        "timezone": "Europe/London",
        "mood": 6,
        "anxiety": 3,
        "energy": 5,
    }
    assert client.post("/app/checkin/", form).status_code == 302
    assert client.post("/app/checkin/", form).status_code == 302
    assert MoodCheckin.objects.filter(pk=checkin_id).count() == 1


def test_checkin_field_errors_are_shown_next_to_the_field(personas):
    client = signed_in(personas.patient)
    response = client.post("/app/checkin/", {"id": uuid.uuid4(), "mood": 42, "anxiety": 3})
    assert response.status_code == 400
    assert response.content.decode().count('class="error"') >= 2


def test_pages_are_read_audited_and_carry_a_strict_csp(personas):
    safety_plan_save(
        actor=personas.patient, patient=personas.patient_profile, content={"warning_signs": ["Not sleeping"]}
    )
    client = signed_in(personas.patient)
    for path in ("/app/", "/app/safety-plan/", "/app/journal/", "/app/questionnaires/phq9/", "/app/plan/", "/app/me/"):
        response = client.get(path)
        assert response.status_code == 200, path
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "<script>" not in response.content.decode()
    plan = SafetyPlan.objects.get(patient=personas.patient_profile)
    assert AuditEvent.objects.filter(
        action=AuditAction.READ, object_type="safety_plan", object_id=str(plan.pk), actor_id=personas.patient.pk
    ).exists()


def test_safety_plan_page_lists_the_regions_crisis_lines_as_tap_to_call(personas):
    personas.patient_profile.crisis_resource_region = "GB"
    personas.patient_profile.save(update_fields=["crisis_resource_region"])
    html = signed_in(personas.patient).get("/app/safety-plan/").content.decode()
    assert 'href="tel:116123"' in html  # Samaritans, for a patient in the GB region


def test_staff_cannot_sign_in_to_the_patient_app_and_have_no_record_there(personas):
    response = Client().post("/app/signin/", {"username": personas.clinician.username, "password": PASSWORD})
    assert response.status_code == 400 and "This app is for patients" in response.content.decode()
    staff = Client()
    staff.force_login(personas.clinician)  # e.g. signed in to the clinician app in the same browser
    assert staff.get("/app/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(personas):
    response = Client().get("/app/safety-plan/")
    assert response.status_code == 302 and response["Location"] == "/app/signin/"


def test_a_patient_cannot_open_another_patients_journal_entry(personas):
    other = personas.outsider_patient_profile
    entry, _ = journal_entry_create_text(
        actor=other.user, patient=other, id=uuid.uuid4(), occurred_at=timezone.now(), timezone="UTC", text="private"
    )
    assert signed_in(personas.patient).get(f"/app/journal/{entry.pk}/").status_code == 404


def test_manifest_and_service_worker_make_it_installable(personas):
    client = Client()
    manifest = json.loads(client.get("/app/manifest.webmanifest").content)
    assert manifest["scope"] == "/app/" and manifest["start_url"] == "/app/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200
    sw = client.get("/app/sw.js")
    assert sw.status_code == 200 and sw["Content-Type"].startswith("text/javascript")
    assert "/app/safety-plan/" in sw.content.decode()


def test_sign_out_everywhere_ends_every_device_session_and_refresh_token(personas):
    from apps.core.jwt import IssuedRefreshToken

    phone, tablet = signed_in(personas.patient), signed_in(personas.patient)
    refresh = IssuedRefreshToken.for_user(personas.patient)
    response = phone.post("/app/signout/everywhere/")
    assert response.status_code == 302 and "storage" in response["Clear-Site-Data"]
    assert tablet.get("/app/").status_code == 302  # the other device is signed out too
    assert DeviceSession.objects.filter(user=personas.patient).count() == 0
    assert (
        Client()
        .post("/api/v1/auth/token/refresh/", {"refresh": str(refresh)}, content_type="application/json")
        .status_code
        == 401
    )


def test_the_app_speaks_spanish_when_the_browser_asks(personas):
    html = Client(headers={"accept-language": "es"}).get("/app/join/").content.decode()
    assert 'lang="es"' in html and "Código de inscripción" in html


def test_the_javascript_catalog_carries_the_outbox_states_in_spanish(personas):
    js = Client(headers={"accept-language": "es"}).get("/app/jsi18n/").content.decode()
    assert "waiting for connection" in js and "esperando conexi" in js


def speaks_spanish(personas):
    personas.patient_profile.preferred_language = "es"
    personas.patient_profile.save(update_fields=["preferred_language"])


def test_a_signed_in_patient_gets_their_preferred_language_whatever_the_browser_says(personas):
    speaks_spanish(personas)
    page = signed_in(personas.patient).get("/app/checkin/", headers={"accept-language": "en"})
    assert page["Content-Language"] == "es" and '<html lang="es">' in page.content.decode()


def test_join_checkin_questionnaires_and_safety_plan_render_in_spanish(personas):
    join = Client(headers={"accept-language": "es"}).get("/app/join/").content.decode()
    assert "Código de inscripción" in join and "Elija un nombre de usuario" in join
    speaks_spanish(personas)
    client = signed_in(personas.patient)
    checkin = client.get("/app/checkin/").content.decode()
    listing = client.get("/app/questionnaires/").content.decode()
    phq9 = client.get("/app/questionnaires/phq9/").content.decode()
    plan = client.get("/app/safety-plan/").content.decode()
    for html in (checkin, listing, phq9, plan):
        assert '<html lang="es">' in html
    assert 'lang="es">Cuestionario sobre la salud del paciente-9 (PHQ-9)</a>' in listing
    # the validated Spanish (USA) wording, with the same item ids and values as the English form
    assert "Poco interés o placer en hacer cosas" in phq9 and "Más de la mitad de los días" in phq9
    assert 'data-item="phq9_9"' in phq9 and "de lastimarse de alguna manera" in phq9
    assert "no tiene una traducción validada" not in phq9
    assert '"language": "es"' in phq9  # the answers are sent with the wording's language
    assert "Si necesita ayuda ahora" in plan and "Gracias por contarnos" in plan  # the crisis card, in Spanish
    assert 'href="tel:988"' in plan and "oprima 2" in plan  # the 988 Lifeline's Spanish option
    assert 'href="sms:741741?&amp;body=AYUDA"' in plan  # Crisis Text Line in Spanish opens a text


def test_a_questionnaire_without_a_validated_spanish_wording_says_so_and_stays_english(personas):
    speaks_spanish(personas)
    text = signed_in(personas.patient).get("/app/questionnaires/cssrs_screener/").content.decode()
    assert "no tiene una traducción validada" in text and '<h1 lang="en">' in text
