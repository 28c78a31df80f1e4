"""The treatment plan editor sets each goal's measure (the API's goal ``measure``), as a new draft."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.audit.models import AuditEvent
from apps.plans import selectors as plan_selectors
from apps.plans import treatment
from apps.plans.models import TreatmentPlan

pytestmark = pytest.mark.django_db


def plan_with_goals(personas):
    return treatment.treatment_plan_save(
        actor=personas.clinician,
        patient=personas.patient_profile,
        content={
            "problems": ["Low mood"],
            "goals": [
                {"text": "PHQ-9 below 10"},
                {"text": "Sleep more", "measure": {"type": "adherence", "target": 0.8, "op": ">"}},
            ],
            "objectives": [{"text": "Walk daily"}],
        },
    )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_clinician_sets_a_questionnaire_measure_and_keeps_the_rest_of_the_plan(personas):
    old = plan_with_goals(personas)
    client = client_for(personas.clinician)
    url = f"/patients/{personas.patient_profile.pk}/treatment-plan/"
    page = client.get(url).content.decode()
    assert 'name="goal-0-type"' in page and '<option value="adherence" selected>' in page
    response = client.post(
        url + "measures/",
        {
            "goal-0-type": "questionnaire",
            "goal-0-instrument": "phq9",
            "goal-0-op": "<",
            "goal-0-target": "10",
            "goal-0-by": "2027-03-01",
            "goal-1-type": "",
        },
    )
    assert response.status_code == 302
    latest = plan_selectors.treatment_plan_latest(patient_id=personas.patient_profile.pk)
    assert latest.version == old.version + 1 and latest.status == "draft"
    content = latest.content
    assert content["goals"] == [
        {
            "text": "PHQ-9 below 10",
            "measure": {"type": "questionnaire", "instrument": "phq9", "target": 10.0, "op": "<", "by": "2027-03-01"},
        },
        {"text": "Sleep more"},
    ]
    assert content["problems"] == ["Low mood"] and content["objectives"] == [{"text": "Walk daily"}]
    assert AuditEvent.objects.filter(object_type="treatment_plan", object_id=str(latest.pk), action="update").exists()
    treatment.treatment_plan_sign(actor=personas.clinician, plan=latest)
    progress = plan_selectors.treatment_plan_goal_progress(patient_id=personas.patient_profile.pk, plan=latest)
    assert progress[0]["measured"] and not progress[1]["measured"]
    assert "Goal measures saved as a new draft version." in client.get(url).content.decode()


def test_an_incomplete_measure_is_refused_with_the_apis_message_by_goal(personas):
    plan_with_goals(personas)
    client = client_for(personas.clinician)
    url = f"/patients/{personas.patient_profile.pk}/treatment-plan/measures/"
    response = client.post(url, {"goal-0-type": "checkin_mean", "goal-0-target": "5", "goal-1-type": "adherence"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="goal-0-error"' in html and "A check-in goal names its metric." in html
    assert 'id="goal-1-error"' in html  # adherence without a target
    assert TreatmentPlan.objects.filter(patient=personas.patient_profile).count() == 1


def test_measures_are_care_team_only(personas):
    plan_with_goals(personas)
    url = f"/patients/{personas.patient_profile.pk}/treatment-plan/measures/"
    for user in (personas.admin, personas.unassigned_clinician, personas.outsider):
        assert client_for(user).post(url, {"goal-0-type": "homework", "goal-0-target": "3"}).status_code == 404
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(personas.clinician)
    assert csrf.post(url, {"goal-0-type": "homework", "goal-0-target": "3"}).status_code == 403
    assert TreatmentPlan.objects.filter(patient=personas.patient_profile).count() == 1
