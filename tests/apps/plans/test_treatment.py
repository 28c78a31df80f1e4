import datetime as dt
import uuid

from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.insights.models import PatternSnapshot
from apps.plans.models import PlanSuggestion
from tests.apps.checkins.factories import submit_checkin, submit_phq9

PLAN = {
    "problems": ["Low mood since redundancy"],
    "goals": [
        {
            "text": "PHQ-9 below 10",
            "measure": {"type": "questionnaire", "instrument": "phq9", "target": 10, "op": "<", "by": "2026-01-31"},
        },
        {"text": "Average mood above 6", "measure": {"type": "checkin_mean", "metric": "mood", "target": 6, "op": ">"}},
        {"text": "Reconnect with friends"},
        {"text": "Homework twice a week", "measure": {"type": "homework", "days": 14, "target": 2, "op": ">"}},
    ],
    "objectives": [{"text": "Two pleasant activities a week"}],
    "interventions": ["Behavioural activation"],
    "coping_strategies": ["Walk at lunch"],
    "review_date": "2027-02-01",
}


def base(personas):
    return f"/api/v1/patients/{personas.patient_profile.id}/"


def test_versions_are_signed_by_the_clinician_and_acknowledged_by_the_patient(personas, as_user):
    clinician, patient = as_user(personas.clinician), as_user(personas.patient)
    url = base(personas) + "treatment-plan/"
    assert clinician.post(url, PLAN, format="json").json()["version"] == 1
    assert patient.get("/api/v1/me/treatment-plan/").status_code == 404  # drafts stay with the care team
    signed = clinician.post(url + "sign/")
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    assert clinician.post(url + "sign/").status_code == 409
    mine = patient.get("/api/v1/me/treatment-plan/").json()
    assert mine["plan"]["content"]["interventions"] == ["Behavioural activation"]
    assert [g["goal"] for g in mine["progress"]][2] == "Reconnect with friends"
    # a change is a new draft; the patient keeps seeing the signed version until it is signed
    clinician.post(url, {**PLAN, "interventions": ["Behavioural activation", "Sleep hygiene"]}, format="json")
    assert patient.get("/api/v1/me/treatment-plan/").json()["plan"]["version"] == 1
    ack = patient.post("/api/v1/me/treatment-plan/acknowledge/")
    assert ack.status_code == 200 and ack.json()["patient_acknowledged_at"]
    versions = clinician.get(url).json()["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [(2, "draft"), (1, "signed")]
    assert patient.post(url, PLAN, format="json").status_code in (403, 404)  # patients read, clinicians write
    actions = set(AuditEvent.objects.filter(object_type="treatment_plan").values_list("action", flat=True))
    assert {"create", "sign", "read", "update"} <= actions


def test_goal_progress_is_computed_from_the_patients_data(personas, as_user):
    clinician = as_user(personas.clinician)
    url = base(personas) + "treatment-plan/"
    clinician.post(url, PLAN, format="json")
    clinician.post(url + "sign/")
    submit_phq9(personas.patient_profile, [1] * 9, item9=0)  # total 8 (item 9 is 0): below target
    for day in range(3):
        submit_checkin(personas.patient_profile, when=timezone.now() - dt.timedelta(days=day), mood=4)
    for day in (1, 3, 5, 9, 12):
        coping = {"id": str(uuid.uuid4()), "kind": "homework", "strategy": "thought_record", "timezone": "UTC"}
        coping["occurred_at"] = (timezone.now() - dt.timedelta(days=day)).isoformat()
        assert as_user(personas.patient).post("/api/v1/me/coping/", coping, format="json").status_code == 201
    phq, mood, free, homework = clinician.get(url).json()["progress"]
    assert homework["current"] == 2.5 and homework["met"] is True and homework["ref"].endswith("/coping/")
    assert phq["current"] == 8 and phq["met"] is True and phq["ref"].startswith("questionnaire_response:")
    assert mood["current"] == 4 and mood["met"] is False and not mood["overdue"]
    assert free == {"goal": "Reconnect with friends", "measured": False}
    brief = clinician.get(base(personas) + "brief/").json()
    assert brief["treatment_goals"]["version"] == 1 and brief["treatment_goals"]["goals"][0]["met"] is True
    assert "PHQ-9 below 10" in clinician.get(base(personas) + "brief.html").content.decode()


def test_bad_plans_get_field_errors(personas, as_user):
    clinician = as_user(personas.clinician)
    bad = {"goals": [{"text": "x", "measure": {"type": "questionnaire", "target": 5}}], "review_date": "soon"}
    response = clinician.post(base(personas) + "treatment-plan/", bad, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"review_date", "goals.0.measure.instrument"}
    assert clinician.post(base(personas) + "treatment-plan/sign/").status_code == 404  # nothing to sign


def test_suggestions_need_evidence_and_a_dismissal_sticks_until_it_changes(personas, as_user):
    clinician = as_user(personas.clinician)
    url = base(personas) + "suggestions/"
    assert clinician.get(url).json() == []  # no data, no suggestions
    submit_phq9(personas.patient_profile, [1] * 9, item9=0)  # 8: below the threshold
    assert clinician.get(url).json() == []
    submit_phq9(personas.patient_profile, [2] * 6 + [0] * 3, item9=0)  # 12
    (suggestion,) = clinician.get(url).json()
    assert suggestion["strategy"] == "behavioural_activation"
    assert suggestion["evidence"]["total"] == 12 and suggestion["evidence"]["basis"]
    dismissed = clinician.post(url + f"{suggestion['id']}/decide/", {"decision": "dismiss"}, format="json")
    assert dismissed.json()["status"] == "dismissed"
    submit_phq9(personas.patient_profile, [2] * 6 + [1] + [0] * 2, item9=0)  # 13: same band, nothing new
    assert clinician.get(url).json() == []
    submit_phq9(personas.patient_profile, [2] * 9, item9=0)  # 16: materially worse, back it comes
    (again,) = clinician.get(url).json()
    assert again["evidence"]["total"] == 16
    assert clinician.post(url + f"{again['id']}/decide/", {"decision": "edit"}, format="json").status_code == 400
    edited = clinician.post(
        url + f"{again['id']}/decide/", {"decision": "edit", "text": "Activity scheduling, 3 a week"}, format="json"
    )
    assert edited.json()["status"] == "edited"
    assert clinician.post(url + f"{again['id']}/decide/", {"decision": "accept"}, format="json").status_code == 409
    (draft,) = clinician.get(base(personas) + "treatment-plan/").json()["versions"]
    assert draft["content"]["objectives"] == [{"text": "Activity scheduling, 3 a week", "from_suggestion": again["id"]}]


def test_pattern_suggestions_carry_the_pattern_as_evidence(personas, as_user):
    PatternSnapshot.objects.create(
        patient=personas.patient_profile,
        version="t",
        day_count=60,
        patterns=[
            {
                "factor": "sleep_under_6h",
                "outcome": "mood",
                "lag_days": 1,
                "effect": -1.8,
                "cohens_d": -0.9,
                "n_with": 14,
                "n_without": 40,
                "p_value": 0.001,
                "q_value": 0.01,
                "summary": "Mood is 1.8 points lower the day after sleeping under 6 hours.",
            },
            {
                "factor": "exercise",
                "outcome": "mood",
                "lag_days": 0,
                "effect": -0.6,  # wrong direction for "protect exercise": no suggestion
                "cohens_d": -0.3,
                "n_with": 12,
                "n_without": 40,
                "p_value": 0.01,
                "q_value": 0.04,
                "summary": "x",
            },
        ],
    )
    (suggestion,) = as_user(personas.clinician).get(base(personas) + "suggestions/").json()
    assert suggestion["strategy"] == "sleep_objective"
    assert suggestion["evidence"]["pattern"].startswith("Mood is 1.8") and suggestion["evidence"]["q_value"] == 0.01
    assert suggestion["evidence"]["statement"].startswith(
        "Mood is 1.8 points lower the day after sleeping under 6 hours"
    )
    assert "(n=14/54, q=0.01) -> Consider a sleep objective" in suggestion["evidence"]["statement"]
    assert PlanSuggestion.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="plan_suggestion", action="read").count() == 1
