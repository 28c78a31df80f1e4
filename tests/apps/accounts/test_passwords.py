"""Every password set goes through Django's validators (length, common, similarity, numeric) and, in
production, refuses the published demo password."""

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import Invitation, Practice
from apps.accounts.passwords import DEMO_PASSWORD
from tests.apps.accounts.test_enrolment import issue
from tests.conftest import make_patient

WEAK = {
    "short": "short-1",
    "common": "qwertyuiop",
    "numeric": "48213907561",
    "like the name": "maya.chen.mc",
}


def create_staff(as_user, admin, password):
    body = {"username": "maya.chen", "display_name": "Maya Chen", "email": "", "roles": ["clinician"]}
    return as_user(admin).post("/api/v1/staff/", {**body, "password": password}, format="json")


def redeem(as_user, anon, personas, password):
    newcomer = make_patient(personas.practice, None, personas.clinician, name="New Person")
    code = issue(as_user, personas.clinician, newcomer).json()["code"]
    body = {"code": code, "username": "maya.chen", "password": password}
    return anon.post("/api/v1/enrolment/redeem/", body, format="json")


@pytest.mark.parametrize("kind", sorted(WEAK))
def test_staff_and_patient_passwords_go_through_the_validators(personas, as_user, anon, kind):
    staff = create_staff(as_user, personas.admin, WEAK[kind])
    assert staff.status_code == 400 and staff.json()["error"]["code"] == "weak_password"
    patient = redeem(as_user, anon, personas, WEAK[kind])
    assert patient.status_code == 400 and "password" in patient.json()["error"]["fields"]


def test_the_published_demo_password_is_refused_in_production(personas, as_user, anon, settings, monkeypatch):
    settings.PRODUCTION = True
    staff = create_staff(as_user, personas.admin, DEMO_PASSWORD)
    assert staff.status_code == 400 and "published demo password" in staff.json()["error"]["message"]
    assert redeem(as_user, anon, personas, DEMO_PASSWORD.upper()).status_code == 400
    assert Invitation.objects.filter(redeemed_at__isnull=False).count() == 0
    monkeypatch.setattr("getpass.getpass", lambda prompt="": DEMO_PASSWORD)
    with pytest.raises(CommandError, match="published demo password"):
        call_command("create_practice", name="Prod", slug="prod", admin_username="boss@prod")
    assert not Practice.objects.filter(slug="prod").exists()  # nothing half-made


def test_development_keeps_the_demo_password_for_the_personas(personas, as_user):
    assert create_staff(as_user, personas.admin, DEMO_PASSWORD).status_code == 201
