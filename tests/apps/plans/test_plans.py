import datetime as dt
import uuid

from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.insights.selectors import pattern_days_list
from apps.plans.models import CopingLog

PLAN = {
    "warning_signs": ["Not sleeping", "Skipping meals"],
    "internal_coping": ["Box breathing", "Shower"],
    "distraction_people_places": ["The library"],
    "people_to_ask_for_help": ["Sam 07700 900555"],
    "professionals_and_crisis_lines": ["Dr. Byrne", "Samaritans 116 123"],
    "making_environment_safer": ["Pills locked away with Sam"],
    "reasons_for_living": ["My kids", "The dog"],
}


def test_the_care_team_builds_a_versioned_plan_the_patient_reads_offline(personas, as_user):
    url = f"/api/v1/patients/{personas.patient_profile.id}/safety-plan/"
    clinician = as_user(personas.clinician)
    first = clinician.post(url, PLAN, format="json")
    assert first.status_code == 201 and first.json()["version"] == 1
    patient = as_user(personas.patient)
    second = patient.post(
        "/api/v1/me/safety-plan/", {**PLAN, "reasons_for_living": ["My kids", "The dog", "Music"]}, format="json"
    )
    assert second.json()["version"] == 2  # owned by the patient: they edit it too
    offline = patient.get("/api/v1/me/safety-plan/").json()
    assert offline["plan"]["content"]["reasons_for_living"][-1] == "Music"
    assert offline["support"]["resources"] and len(offline["sections"]) == 7
    assert [v["version"] for v in clinician.get(url).json()] == [2, 1]  # earlier versions stay readable
    ack = patient.post("/api/v1/me/safety-plan/acknowledge/")
    assert ack.status_code == 200 and ack.json()["patient_acknowledged_at"]
    actions = AuditEvent.objects.filter(object_type="safety_plan").values_list("action", flat=True)
    assert {"create", "update", "read"} <= set(actions)


def test_only_the_patient_and_their_care_team_see_the_plan(personas, as_user):
    url = f"/api/v1/patients/{personas.patient_profile.id}/safety-plan/"
    as_user(personas.clinician).post(url, PLAN, format="json")
    for who in ("unassigned_clinician", "outsider", "admin"):
        assert as_user(getattr(personas, who)).get(url).status_code == 404
    assert as_user(personas.clinician).get("/api/v1/me/safety-plan/").status_code == 403


def test_risk_responses_link_to_the_patients_own_plan(personas, as_user):
    as_user(personas.clinician).post(
        f"/api/v1/patients/{personas.patient_profile.id}/safety-plan/", PLAN, format="json"
    )
    answers = {f"phq9_{i}": 1 for i in range(1, 9)} | {"phq9_9": 1}
    response = as_user(personas.patient).post(
        "/api/v1/me/questionnaires/",
        {
            "id": str(uuid.uuid4()),
            "instrument": "phq9",
            "occurred_at": timezone.now().isoformat(),
            "timezone": "UTC",
            "answers": answers,
        },
        format="json",
    )
    assert response.json()["support"]["safety_plan_url"] == "/api/v1/me/safety-plan/"


def test_no_plan_yet_is_a_404(personas, as_user):
    assert as_user(personas.patient).get("/api/v1/me/safety-plan/").status_code == 404


def test_coping_log_is_idempotent_and_feeds_the_pattern_engine(personas, as_user):
    client = as_user(personas.patient)
    body = {
        "id": str(uuid.uuid4()),
        "kind": "coping",
        "strategy": "box_breathing",
        "occurred_at": timezone.now().isoformat(),
        "timezone": "UTC",
        "helped": 7,
    }
    assert client.post("/api/v1/me/coping/", body, format="json").status_code == 201
    assert client.post("/api/v1/me/coping/", body, format="json").status_code == 200
    assert CopingLog.objects.count() == 1
    bad = client.post(
        "/api/v1/me/coping/", {**body, "id": str(uuid.uuid4()), "kind": "wishing", "helped": 11}, format="json"
    )
    assert bad.status_code == 400 and {"kind", "helped"} <= set(bad.json()["error"]["fields"])
    days = pattern_days_list(patient_id=personas.patient_profile.id, start=timezone.localdate() - dt.timedelta(days=1))
    assert any("coping:box_breathing" in d.factors for d in days)
    listed = as_user(personas.clinician).get(f"/api/v1/patients/{personas.patient_profile.id}/coping/").json()
    assert listed["results"][0]["strategy"] == "box_breathing"
