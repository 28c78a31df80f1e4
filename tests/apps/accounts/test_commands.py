from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.accounts.models import CareTeamMember, ConsentRecord, PatientProfile, User
from apps.audit.selectors import audit_chain_verify


def test_seed_demo_is_idempotent_and_prints_the_logins(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    counts = (
        User.objects.count(),
        PatientProfile.objects.count(),
        CareTeamMember.objects.count(),
        ConsentRecord.objects.count(),
    )
    call_command("seed_demo", stdout=StringIO())
    assert counts == (
        User.objects.count(),
        PatientProfile.objects.count(),
        CareTeamMember.objects.count(),
        ConsentRecord.objects.count(),
    )
    text = out.getvalue()
    for username in ("admin@demo", "clinician@demo", "careteam@demo", "patient@demo"):
        assert username in text
    assert "interlude-demo" in text and "Enrolment code" in text
    assert audit_chain_verify().ok
    from apps.plans.models import SafetyPlan, TreatmentPlan
    from apps.plans.selectors import treatment_plan_goal_progress

    (plan,) = TreatmentPlan.objects.all()  # one signed plan, not one per run
    assert plan.status == "signed" and SafetyPlan.objects.count() == 1
    progress = treatment_plan_goal_progress(patient_id=plan.patient_id, plan=plan)
    phq, mood, adherence = progress
    assert phq["current"] == 8 and mood["current"] is not None  # the seeded history feeds the goals
    assert adherence["current"] is None  # nothing due yet: the scheduler creates due items once running


def test_seed_demo_refuses_production(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_create_practice_bootstraps_a_tenant_and_its_admin(db, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-long-enough-pass")
    call_command(
        "create_practice",
        "--name",
        "Harbour",
        "--slug",
        "harbour",
        "--admin-username",
        "Boss@Harbour",
        stdout=StringIO(),
    )
    admin = User.objects.get(username="boss@harbour")
    assert admin.is_practice_admin and admin.practice.slug == "harbour"
    assert admin.practice.consent_documents.count() == 3
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_practice", "--name", "H", "--slug", "harbour", "--admin-username", "x")
