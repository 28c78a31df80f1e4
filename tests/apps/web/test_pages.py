"""The clinician web app through Django's test client: sign-in rules, scope, audit, CSP, idle timeout.
(The same screens in a real browser: tests/browser/.)"""

from __future__ import annotations

import time
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from apps.alerts.models import Alert, AlertState
from apps.alerts.services import alert_create_from_signal, risk_signal_record
from apps.audit.models import AuditEvent
from apps.checkins.services.questionnaires import questionnaire_response_submit
from apps.web.middleware import SESSION_KEY
from tests.conftest import PASSWORD, make_patient

pytestmark = pytest.mark.django_db


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def raise_alert(patient, *, answer: int = 2, level: str = "high") -> Alert:
    signal = risk_signal_record(
        patient_id=patient.pk,
        source_type="questionnaire_response",
        source_id=uuid.uuid4(),
        kind="phq9_item9",
        level=level,
        evidence={"instrument": "phq9", "items": [{"item": "phq9_9", "answer": answer}]},
        occurred_at=timezone.now(),
    )
    return alert_create_from_signal(signal=signal)


def test_the_root_redirects_to_sign_in_then_to_the_roster(personas):
    assert Client().get("/")["Location"] == "/login/"
    assert browser_for(personas.clinician).get("/")["Location"] == "/patients/"


def test_a_wrong_password_says_so_and_counts_towards_the_lockout(personas, settings):
    settings.LOGIN_MAX_FAILURES = 2
    client = Client()
    first = client.post("/login/", {"username": "clin", "password": "nope"})
    assert first.status_code == 401
    assert "Username or password is incorrect." in first.content.decode()
    locked = client.post("/login/", {"username": "clin", "password": "nope"})
    assert locked.status_code == 423
    assert "Too many failed sign-in attempts. Try again in 15 minute(s)" in locked.content.decode()
    # Even the right password is refused while locked.
    assert client.post("/login/", {"username": "clin", "password": PASSWORD}).status_code == 423


def test_sign_in_shares_the_apis_per_ip_rate_limit(personas, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/min"})
    client = Client()
    for _ in range(2):
        client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, content_type="application/json")
    response = client.post("/login/", {"username": "clin", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts from this network" in response.content.decode()
    assert int(response["Retry-After"]) >= 1


def test_sign_in_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "clin", "password": PASSWORD}).status_code == 403


def test_sign_in_follows_a_local_next_but_not_another_site(personas):
    ok = Client().post("/login/", {"username": "clin", "password": PASSWORD, "next": "/alerts/"})
    assert ok["Location"] == "/alerts/"
    away = Client().post("/login/", {"username": "clin", "password": PASSWORD, "next": "https://evil.example/"})
    assert away["Location"] == "/patients/"


def test_pages_carry_a_strict_csp_without_unsafe_inline(personas):
    response = browser_for(personas.clinician).get("/patients/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "<script>" not in response.content.decode()  # no inline scripts at all


def test_an_idle_session_is_signed_out_on_its_next_request(personas, settings):
    settings.WEB_IDLE_TIMEOUT_MINUTES = 15
    client = browser_for(personas.clinician)
    assert client.get("/patients/").status_code == 200
    session = client.session
    session[SESSION_KEY] = time.time() - 16 * 60
    session.save()
    response = client.get("/patients/")
    assert response["Location"] == "/login/?reason=idle"
    assert client.get("/patients/")["Location"].startswith("/login/")
    assert AuditEvent.objects.filter(action="logout", actor_id=personas.clinician.pk, detail__method="idle").exists()


def test_background_refreshes_do_not_keep_a_session_alive(personas):
    client = browser_for(personas.clinician)
    client.get("/patients/")
    session = client.session
    session[SESSION_KEY] = stamp = time.time() - 60
    session.save()
    client.get("/patients/", HTTP_X_INTERLUDE_BACKGROUND="1")
    assert client.session[SESSION_KEY] == stamp
    client.post("/session/keepalive/")
    assert client.session[SESSION_KEY] > stamp


def test_the_roster_lists_my_patients_with_open_alerts_first(personas):
    quiet = make_patient(personas.practice, None, personas.clinician, name="Aaron Quiet")
    raise_alert(personas.patient_profile)
    response = browser_for(personas.clinician).get("/patients/")
    html = response.content.decode()
    assert html.index("Robin Quill") < html.index("Aaron Quiet")
    assert "1 open urgent alert" in html
    assert quiet.full_name in html
    assert "Other Person" not in html  # another practice's patient


def test_the_roster_search_matches_decrypted_names(personas):
    make_patient(personas.practice, None, personas.clinician, name="Aaron Quiet")
    html = browser_for(personas.clinician).get("/patients/?q=quiet").content.decode()
    assert "Aaron Quiet" in html and "Robin Quill" not in html


def test_the_roster_is_read_audited_per_patient(personas):
    browser_for(personas.clinician).get("/patients/")
    event = AuditEvent.objects.get(action="read", object_type="patient", actor_id=personas.clinician.pk)
    assert event.patient_id == personas.patient_profile.pk and event.data_category == "roster"


def test_the_roster_uses_the_same_number_of_queries_for_one_patient_or_many(personas):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert browser_for(personas.clinician).get("/patients/").status_code == 200
        return len(ctx.captured_queries)

    questionnaire_response_submit(
        actor=personas.patient,
        patient=personas.patient_profile,
        id=uuid.uuid4(),
        instrument_key="phq9",
        answers={f"phq9_{i}": 1 for i in range(1, 10)},
        occurred_at=timezone.now(),
        timezone="UTC",
    )
    one = queries()
    for n in range(6):
        extra = make_patient(personas.practice, None, personas.clinician, name=f"Patient {n}")
        raise_alert(extra)
    assert queries() == one


def test_acknowledge_and_resolve_call_the_alert_services(personas):
    alert = raise_alert(personas.patient_profile)
    client = browser_for(personas.clinician)
    assert client.post(f"/alerts/{alert.pk}/acknowledge/")["Location"] == f"/alerts/{alert.pk}/"
    alert.refresh_from_db()
    assert alert.state == AlertState.ACKNOWLEDGED and alert.acknowledged_by == personas.clinician
    refused = client.post(f"/alerts/{alert.pk}/resolve/", {"note": "x"})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()
    client.post(f"/alerts/{alert.pk}/resolve/", {"outcome": "contacted_patient", "note": "Called."})
    alert.refresh_from_db()
    assert (alert.state, alert.outcome, alert.note) == (AlertState.RESOLVED, "contacted_patient", "Called.")
    assert AuditEvent.objects.filter(object_type="alert", action="update", object_id=str(alert.pk)).count() == 2


def test_acknowledging_twice_is_a_clear_conflict_not_an_error(personas):
    alert = raise_alert(personas.patient_profile)
    client = browser_for(personas.clinician)
    client.post(f"/alerts/{alert.pk}/acknowledge/")
    again = client.post(f"/alerts/{alert.pk}/acknowledge/")
    assert again.status_code == 409
    assert "This alert is already acknowledged." in again.content.decode()


def test_the_alert_page_quotes_only_shared_entries(personas):
    from apps.journals.models import JournalEntry

    text = "Some nights I think everyone would be better off without me."
    for shared in (True, False):
        entry = JournalEntry.objects.create(
            id=uuid.uuid4(),
            patient=personas.patient_profile,
            kind="text",
            occurred_at=timezone.now(),
            timezone="UTC",
            local_date=timezone.localdate(),
            shared_with_care_team=shared,
            status="done",
            text=text,
        )
        signal = risk_signal_record(
            patient_id=personas.patient_profile.pk,
            source_type="journal_entry",
            source_id=entry.pk,
            kind="risk_language_passive_ideation",
            level="moderate",
            evidence={"detector": "risk-1", "spans": [{"start": 11, "end": 60}], "shared_with_care_team": shared},
            occurred_at=timezone.now(),
        )
        alert = alert_create_from_signal(signal=signal)
    html = browser_for(personas.clinician).get(f"/alerts/{alert.pk}/").content.decode()
    assert html.count("I think everyone would be better off without me") == 1
    assert "From an entry the patient has not shared: the words are not shown." in html


@pytest.mark.parametrize("who", ["outsider", "unassigned_clinician", "admin", "patient"])
def test_people_outside_the_care_team_get_the_404_page(personas, who):
    alert = raise_alert(personas.patient_profile)
    client = browser_for(getattr(personas, who))
    for path in (f"/alerts/{alert.pk}/", f"/patients/{personas.patient_profile.pk}/safety-plan/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()
    assert client.post(f"/alerts/{alert.pk}/acknowledge/").status_code == 404
    alert.refresh_from_db()
    assert alert.state == AlertState.OPEN


def test_an_unknown_web_address_is_the_404_page_and_the_api_keeps_json(personas):
    client = browser_for(personas.clinician)
    page = client.get("/no/such/page/")
    assert page.status_code == 404 and "Page not found" in page.content.decode()
    api = client.get("/api/v1/no/such/")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


def _web_patient_routes() -> list[str]:
    from django.urls import get_resolver

    web = [p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "web"]
    return sorted(
        str(p.pattern) for include in web for p in include.url_patterns if "<uuid:patient_pk>" in str(p.pattern)
    )


@pytest.mark.parametrize("who", ["outsider", "unassigned_clinician", "patient"])
def test_every_web_patient_route_is_a_404_outside_the_care_team(personas, who):
    """Each /patients/{id}/… page, GET and POST, for people who may not see the patient clinically."""
    routes = _web_patient_routes()
    assert len(routes) >= 10
    client = browser_for(getattr(personas, who))
    pid = str(personas.patient_profile.pk)
    for route in routes:
        url = "/" + route.replace("<uuid:patient_pk>", pid)
        url = url.replace("<uuid:pk>", str(uuid.uuid4())).replace("<uuid:input_pk>", str(uuid.uuid4()))
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code in (404, 405), (url, method.__name__, response.status_code)
            if response.status_code == 404:
                assert "Page not found" in response.content.decode()


def test_a_practice_admin_sees_the_care_tab_but_no_clinical_tab(personas):
    client = browser_for(personas.admin)
    pid = personas.patient_profile.pk
    assert client.get(f"/patients/{pid}/care/").status_code == 200
    for tab in ("", "timeline/", "journals/", "questionnaires/", "sessions/", "treatment-plan/", "safety-plan/"):
        assert client.get(f"/patients/{pid}/{tab}").status_code == 404, tab


def test_a_clinician_cannot_open_practice_admin(personas):
    for path in ("/practice/", "/practice/staff/", "/practice/audit/"):
        assert browser_for(personas.clinician).get(path).status_code == 404
