"""Every endpoint that touches a patient refuses the two outside personas: an unassigned clinician
of the same practice and a clinician of another practice. Outside scope answers 404 (or an empty
list), never 403 with hints."""

import re

import pytest
from django.urls import get_resolver

from apps.accounts.models import CareTeamMember, Invitation
from apps.accounts.scoping import Purpose, patients_visible_to

OUTSIDERS = ["unassigned_clinician", "outsider"]


def endpoints(p):
    from tests.apps.checkins.factories import submit_phq9
    from tests.apps.journals.factories import make_text_entry

    patient = p.patient_profile.id
    response = submit_phq9(p.patient_profile, [1] * 9).id
    journal = make_text_entry(p.patient_profile, shared=True).id
    from apps.insights.models import PatientTrigger
    from apps.notes.models import ClinicalSession

    session = ClinicalSession.objects.create(
        patient=p.patient_profile, clinician=p.clinician, started_at="2026-01-01T10:00Z", modality="video"
    ).id
    from apps.notes.models import SessionInput

    session_input = SessionInput.objects.create(session_id=session, kind="typed", status="done", utterances=[]).id

    custom = PatientTrigger.objects.create(patient=p.patient_profile, key="my_ex", label="My ex", phrases=["my ex"]).id
    from apps.plans.models import PlanSuggestion

    suggestion = PlanSuggestion.objects.create(
        patient=p.patient_profile, strategy="worry_time", text="x", evidence={}, fingerprint="q:gad7:2"
    ).id
    member = CareTeamMember.objects.filter(patient=p.patient_profile).first().id
    invitation = Invitation.objects.create(
        practice=p.practice, patient=p.patient_profile, code_digest="x" * 64, expires_at="2099-01-01T00:00Z"
    ).id
    return [
        ("get", f"/api/v1/patients/{patient}/", None),
        ("patch", f"/api/v1/patients/{patient}/", {"timezone": "UTC"}),
        ("get", f"/api/v1/patients/{patient}/care-team/", None),
        (
            "post",
            f"/api/v1/patients/{patient}/care-team/",
            {"user": str(p.unassigned_clinician.id), "role": "clinician"},
        ),
        ("delete", f"/api/v1/patients/{patient}/care-team/{member}/", None),
        ("get", f"/api/v1/patients/{patient}/invitations/", None),
        ("post", f"/api/v1/patients/{patient}/invitations/", None),
        ("delete", f"/api/v1/patients/{patient}/invitations/{invitation}/", None),
        ("get", f"/api/v1/patients/{patient}/consents/", None),
        ("get", f"/api/v1/patients/{patient}/trends/daily/", None),
        ("get", f"/api/v1/patients/{patient}/trends/weekly/", None),
        ("get", f"/api/v1/patients/{patient}/adherence/", None),
        ("get", f"/api/v1/patients/{patient}/checkins/", None),
        ("get", f"/api/v1/patients/{patient}/questionnaires/", None),
        ("get", f"/api/v1/patients/{patient}/questionnaires/{response}/", None),
        ("get", f"/api/v1/patients/{patient}/questionnaires/{response}/fhir/", None),
        ("get", f"/api/v1/patients/{patient}/schedules/", None),
        (
            "post",
            f"/api/v1/patients/{patient}/schedules/",
            {"kind": "mood", "interval_days": 1, "time_of_day": "09:00", "window_hours": 24},
        ),
        ("get", f"/api/v1/patients/{patient}/risk-signals/", None),
        ("get", f"/api/v1/patients/{patient}/journals/", None),
        ("get", f"/api/v1/patients/{patient}/journals/{journal}/", None),
        ("get", f"/api/v1/patients/{patient}/journals/{journal}/audio/", None),
        ("get", f"/api/v1/patients/{patient}/insights/findings/", None),
        ("get", f"/api/v1/patients/{patient}/insights/triggers/", None),
        ("get", f"/api/v1/patients/{patient}/insights/patterns/", None),
        ("post", f"/api/v1/patients/{patient}/insights/patterns/refresh/", {}),
        ("get", f"/api/v1/patients/{patient}/custom-triggers/", None),
        ("post", f"/api/v1/patients/{patient}/custom-triggers/", {"key": "x", "label": "x", "phrases": ["x"]}),
        ("delete", f"/api/v1/patients/{patient}/custom-triggers/{custom}/", None),
        ("get", f"/api/v1/patients/{patient}/safety-plan/", None),
        ("post", f"/api/v1/patients/{patient}/safety-plan/", {"warning_signs": ["x"]}),
        ("get", f"/api/v1/patients/{patient}/coping/", None),
        ("get", f"/api/v1/patients/{patient}/brief/", None),
        ("get", f"/api/v1/patients/{patient}/brief.html", None),
        ("get", f"/api/v1/patients/{patient}/brief.pdf", None),
        ("get", f"/api/v1/patients/{patient}/treatment-plan/", None),
        ("post", f"/api/v1/patients/{patient}/treatment-plan/", {"problems": ["x"]}),
        ("post", f"/api/v1/patients/{patient}/treatment-plan/sign/", {}),
        ("get", f"/api/v1/patients/{patient}/suggestions/", None),
        ("post", f"/api/v1/patients/{patient}/suggestions/{suggestion}/decide/", {"decision": "dismiss"}),
        ("get", f"/api/v1/patients/{patient}/sessions/", None),
        ("post", f"/api/v1/patients/{patient}/sessions/", {"started_at": "2026-01-01T10:00Z", "modality": "video"}),
        ("get", f"/api/v1/patients/{patient}/sessions/{session}/", None),
        ("post", f"/api/v1/patients/{patient}/sessions/{session}/inputs/", {"kind": "typed", "text": "x"}),
        ("get", f"/api/v1/patients/{patient}/sessions/{session}/inputs/{session_input}/", None),
        ("get", f"/api/v1/patients/{patient}/sessions/{session}/inputs/{session_input}/dropped/", None),
        ("get", f"/api/v1/patients/{patient}/sessions/{session}/inputs/{session_input}/transcript/", None),
        ("post", f"/api/v1/patients/{patient}/sessions/{session}/inputs/{session_input}/speakers/", {"labels": {}}),
        ("get", f"/api/v1/patients/{patient}/sessions/{session}/analytics/", None),
        ("get", f"/api/v1/patients/{patient}/sessions/{session}/note/", None),
        ("patch", f"/api/v1/patients/{patient}/sessions/{session}/note/", {"sections": {"plan": "x"}}),
        ("get", f"/api/v1/patients/{patient}/sessions/{session}/note/versions/", None),
        ("post", f"/api/v1/patients/{patient}/sessions/{session}/note/versions/1/choose/", {}),
        ("post", f"/api/v1/patients/{patient}/sessions/{session}/note/sign/", {}),
        (
            "post",
            f"/api/v1/patients/{patient}/sessions/{session}/note/risk-review/",
            {"item": 1, "decision": "dismiss"},
        ),
        ("post", f"/api/v1/patients/{patient}/sessions/{session}/note/draft/", {"engine": "default"}),
        ("post", f"/api/v1/patients/{patient}/sessions/{session}/note/amend/", {"reason": "x", "sections": {}}),
        ("get", f"/api/v1/patients/{patient}/sessions/{session}/note/fhir/", None),
        ("get", f"/api/v1/patients/{patient}/sessions/{session}/note/pdf/", None),
        ("get", f"/api/v1/patients/{patient}/erasure/", None),  # POST erases: tests/apps/privacy/test_erasure.py
    ]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_from_every_patient_endpoint(personas, as_user, who):
    client = as_user(getattr(personas, who))
    for method, url, body in endpoints(personas):
        response = getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
        assert response.status_code == 404, (who, method, url, response.status_code)
        assert response.json()["error"]["code"] == "not_found"


def test_the_patient_gets_404_from_every_staff_endpoint_for_their_own_record(personas, as_user):
    """Staff endpoints need a staff role: the patient's own view goes through /me/… and its settings
    (themes only where the practice shows them, no word of alerts), so /patients/{own}/… is a 404
    like any record they may not see -- the same answer the outsiders get, never a 403."""
    client = as_user(personas.patient)
    for method, url, body in endpoints(personas) + alert_endpoints(personas):
        response = getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_see_nothing_in_lists(personas, as_user, who):
    client = as_user(getattr(personas, who))
    listed = {p["id"] for p in client.get("/api/v1/patients/").json()["results"]}
    assert str(personas.patient_profile.id) not in listed


def test_another_practices_admin_sees_nothing(personas, as_user):
    from tests.conftest import make_user

    other_admin = make_user(personas.other_practice, "otheradmin", "practice_admin")
    client = as_user(other_admin)
    assert client.get(f"/api/v1/patients/{personas.patient_profile.id}/").status_code == 404
    audit = client.get("/api/v1/audit/events/", {"patient": str(personas.patient_profile.id)}).json()
    assert audit["results"] == []
    assert str(personas.clinician.id) not in {s["id"] for s in client.get("/api/v1/staff/").json()["results"]}


def test_practice_admins_are_kept_out_of_clinical_scope(personas):
    assert list(patients_visible_to(personas.admin, Purpose.CLINICAL)) == []
    assert list(patients_visible_to(personas.admin, Purpose.ADMINISTRATIVE)) == [personas.patient_profile]
    assert list(patients_visible_to(personas.clinician, Purpose.CLINICAL)) == [personas.patient_profile]
    assert list(patients_visible_to(personas.patient, Purpose.CLINICAL)) == [personas.patient_profile]
    assert list(patients_visible_to(personas.outsider, Purpose.CLINICAL)) == [personas.outsider_patient_profile]


def test_a_patient_cannot_see_another_patient(personas, as_user):
    from tests.conftest import make_patient

    other = make_patient(personas.practice, "pat2", personas.clinician, name="Second Patient")
    client = as_user(personas.patient)
    assert client.get(f"/api/v1/patients/{other.id}/").status_code == 404
    assert client.get(f"/api/v1/patients/{other.id}/consents/").status_code == 404


def me_endpoints(p):
    """The patient's own routes, with ids that belong to our patient: another patient must reach none."""
    from tests.apps.journals.factories import make_text_entry

    journal = make_text_entry(p.patient_profile, shared=True).id
    from apps.accounts.models import PatientExport

    export = PatientExport.objects.create(patient=p.patient_profile).id
    # POST me/export/ and me/erasure/ act on the caller's own record (tests/apps/privacy/).
    return [
        ("get", "/api/v1/me/profile/", None),
        ("get", "/api/v1/me/export/", None),
        ("get", f"/api/v1/me/export/{export}/download/", None),
        ("get", "/api/v1/me/erasure/", None),
        ("patch", "/api/v1/me/profile/", {"timezone": "UTC"}),
        ("get", "/api/v1/me/trends/daily/", None),
        ("get", "/api/v1/me/trends/weekly/", None),
        ("get", "/api/v1/me/consents/", None),
        ("get", "/api/v1/me/access-log/", None),
        ("get", "/api/v1/me/checkins/", None),
        ("get", "/api/v1/me/questionnaires/", None),
        ("get", "/api/v1/me/todo/", None),
        ("get", "/api/v1/me/journals/", None),
        ("get", f"/api/v1/me/journals/{journal}/", None),
        ("patch", f"/api/v1/me/journals/{journal}/", {"shared_with_care_team": False}),
        ("delete", f"/api/v1/me/journals/{journal}/", None),
        ("get", f"/api/v1/me/journals/{journal}/status/", None),
        ("get", f"/api/v1/me/journals/{journal}/audio/", None),
        ("get", "/api/v1/me/themes/", None),
        ("get", "/api/v1/me/safety-plan/", None),
        ("post", "/api/v1/me/safety-plan/acknowledge/", None),
        ("get", "/api/v1/me/coping/", None),
        ("get", "/api/v1/me/treatment-plan/", None),
        ("post", "/api/v1/me/treatment-plan/acknowledge/", None),
    ]


def alert_endpoints(p):
    from apps.alerts.models import Alert
    from apps.alerts.services import alerts_process_pending
    from tests.apps.alerts.test_alerts import signal

    signal(p.patient_profile)
    alerts_process_pending()
    alert = Alert.objects.get(patient=p.patient_profile).id
    return [
        ("get", f"/api/v1/alerts/{alert}/", None),
        ("post", f"/api/v1/alerts/{alert}/acknowledge/", None),
        ("post", f"/api/v1/alerts/{alert}/resolve/", {"outcome": "false_positive"}),
    ]


def _ours(p) -> set[str]:
    """Every identifier of our patient's rows: none may appear in an outsider's answer."""
    from apps.checkins.models import MoodCheckin, QuestionnaireResponse
    from apps.journals.models import JournalEntry
    from apps.plans.models import CopingLog, SafetyPlan

    ids = {str(p.patient_profile.id)}
    for model in (MoodCheckin, QuestionnaireResponse, JournalEntry, SafetyPlan, CopingLog):
        ids |= {str(pk) for pk in model.objects.filter(patient=p.patient_profile).values_list("pk", flat=True)}
    return ids


@pytest.fixture
def our_patient_has_data(personas):
    from apps.plans.services import safety_plan_save
    from tests.apps.checkins.factories import submit_phq9

    submit_phq9(personas.patient_profile, [1] * 9)
    safety_plan_save(actor=personas.clinician, patient=personas.patient_profile, content={"warning_signs": ["x"]})
    return personas


def test_another_patient_reaches_nothing_of_ours_through_me_routes(our_patient_has_data, as_user):
    p = our_patient_has_data
    client = as_user(p.outsider_patient_profile.user)
    for method, url, body in me_endpoints(p):
        response = getattr(client, method)(url, body or {}, format="json") if method != "get" else client.get(url)
        assert response.status_code in (200, 403, 404), (method, url, response.status_code)
        if "/journals/" in url and url != "/api/v1/me/journals/":
            assert response.status_code == 404, (method, url)
        leaked = {i for i in _ours(p) if i in response.content.decode()}
        assert not leaked, (url, leaked)
    assert client.get("/api/v1/me/journals/").json()["results"] == []


@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_from_every_alert_endpoint(personas, as_user, who):
    client = as_user(getattr(personas, who))
    for method, url, body in alert_endpoints(personas):
        response = getattr(client, method)(url, body, format="json") if body else getattr(client, method)(url)
        assert response.status_code == 404, (who, method, url, response.status_code)
    assert client.get("/api/v1/alerts/").json()["results"] == []


def test_every_get_in_the_tables_records_a_read_for_the_care_team(personas, as_user):
    """The door writes the read event: every patient-data GET the clinician makes leaves one."""
    from apps.audit.models import AuditAction, AuditEvent
    from apps.plans.services import safety_plan_save
    from apps.plans.treatment import treatment_plan_save

    safety_plan_save(actor=personas.clinician, patient=personas.patient_profile, content={"warning_signs": ["x"]})
    treatment_plan_save(actor=personas.clinician, patient=personas.patient_profile, content={"problems": ["x"]})
    gets = [url for method, url, _ in endpoints(personas) + alert_endpoints(personas) if method == "get"]
    reads = AuditEvent.objects.filter(
        action__in=[AuditAction.READ, AuditAction.EXPORT], patient_id=personas.patient_profile.pk
    )
    unread = []
    for url in gets:
        client = as_user(personas.clinician)
        before = reads.count()
        response = client.get(url)
        after = reads.count()
        body = response.json() if response.get("content-type") == "application/json" else None
        empty = body == [] or (isinstance(body, dict) and body.get("results") == [])
        if response.status_code == 200 and after == before and not empty:
            unread.append(url)
    assert unread == []


def _route(url: str) -> str:
    route = url.split("/api/v1/")[1]
    route = re.sub(r"^patients/[0-9a-f-]{36}/", "patients/<uuid:patient_pk>/", route)
    route = re.sub(r"inputs/[0-9a-f-]{36}/", "inputs/<uuid:input_pk>/", route)
    route = re.sub(r"versions/\d+/", "versions/<int:version>/", route)
    return re.sub(r"[0-9a-f-]{36}", "<uuid:pk>", route)


def _path_form(route: str) -> str:
    """``patients/<id>/care-team/`` for a path route, a router's regex and a test's URL alike."""
    route = route.removeprefix("^").removesuffix("$")
    return re.sub(r"\(\?P<\w+>[^)]*\)|<[^>]+>", "<id>", route)


def test_every_patient_route_is_covered_by_the_outsider_tables(personas):
    """A new /patients/{id}/…, /me/… or /alerts/… route must be added to a table above."""
    covered = {_path_form(_route(url)) for _, url, _ in endpoints(personas) + alert_endpoints(personas)}
    covered |= {_path_form(_route(url)) for _, url, _ in me_endpoints(personas)}
    covered |= {"me/", "alerts/", "patients/"}  # the caller's own account; the two cross-patient lists (tested above)
    api = [p for p in get_resolver().url_patterns if str(p.pattern) == "api/v1/"]  # the web app: tests/apps/web
    # A router's routes are regexes (``^patients/(?P<pk>[^/.]+)/$``): compare them in path form.
    routes = {_path_form(str(p.pattern)) for p in api for p in getattr(p, "url_patterns", [])}
    with_patient_data = {r for r in routes if r.startswith(("patients/", "me/", "alerts/"))}
    assert with_patient_data - covered == set()
