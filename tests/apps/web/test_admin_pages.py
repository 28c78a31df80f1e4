"""Practice admin screens that change state: staff roles and deactivation, questionnaire instruments
and check-in tags. Practice admins only, CSRF-protected, through the API's services (so audited)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.audit.models import AuditEvent
from apps.checkins.models import CheckinTag, Instrument
from apps.checkins.selectors.catalogue import instruments_available
from tests.apps.checkins.factories import WHO5
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def browser_for(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def test_an_admin_changes_a_clinicians_roles_and_it_is_audited(personas):
    member = personas.care_team
    client = browser_for(personas.admin)
    page = client.get(f"/practice/staff/{member.pk}/")
    assert page.status_code == 200 and 'name="roles" value="care_team" checked' in page.content.decode()
    response = client.post(
        f"/practice/staff/{member.pk}/",
        {"roles": ["clinician", "practice_admin"], "is_active": "on", "display_name": "Casey Care", "title": "Lead"},
    )
    assert response.status_code == 302 and response["Location"] == "/practice/staff/"
    member.refresh_from_db()
    member.__dict__.pop("roles", None)
    assert member.roles == {Role.CLINICIAN, Role.PRACTICE_ADMIN} and member.display_name == "Casey Care"
    assert member.is_active
    event = AuditEvent.objects.filter(object_type="user", object_id=str(member.pk), action="update").latest("seq")
    assert event.actor_id == personas.admin.pk and event.detail["roles"] == ["clinician", "practice_admin"]
    assert "Account updated." in client.get("/practice/staff/").content.decode()


def test_an_admin_deactivates_an_account_which_then_cannot_sign_in(personas):
    member = personas.unassigned_clinician
    roles = sorted(member.roles)
    client = browser_for(personas.admin)
    assert client.post(f"/practice/staff/{member.pk}/", {"roles": roles, "display_name": "x"}).status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    assert "Deactivated" in client.get("/practice/staff/").content.decode()
    assert not Client().login(username=member.username, password=PASSWORD)


def test_an_admin_cannot_remove_their_own_admin_access(personas):
    me = personas.admin
    client = browser_for(me)
    response = client.post(
        f"/practice/staff/{me.pk}/", {"roles": ["clinician"], "is_active": "on", "display_name": "A"}
    )
    assert response.status_code == 409
    assert "You cannot remove your own admin access." in response.content.decode()
    me.__dict__.pop("roles", None)
    assert me.is_practice_admin


def test_no_roles_is_refused_with_the_apis_field_message(personas):
    client = browser_for(personas.admin)
    response = client.post(f"/practice/staff/{personas.care_team.pk}/", {"is_active": "on", "display_name": "C"})
    assert response.status_code == 400 and 'id="roles-error"' in response.content.decode()


def test_staff_of_another_practice_and_patients_are_not_found(personas):
    client = browser_for(personas.admin)
    assert client.get(f"/practice/staff/{personas.outsider.pk}/").status_code == 404
    assert client.get(f"/practice/staff/{personas.patient.pk}/").status_code == 404
    assert client.post(f"/practice/staff/{personas.patient.pk}/", {"roles": ["clinician"]}).status_code == 404


def test_only_practice_admins_reach_these_screens(personas):
    for path in (f"/practice/staff/{personas.care_team.pk}/", "/practice/instruments/"):
        assert browser_for(personas.clinician).get(path).status_code == 404
        assert browser_for(personas.clinician).post(path, {"roles": ["practice_admin"]}).status_code == 404
        assert Client().get(path).status_code == 302  # to the sign-in page


def test_changes_need_the_csrf_token(personas):
    client = browser_for(personas.admin, enforce_csrf_checks=True)
    response = client.post(f"/practice/staff/{personas.care_team.pk}/", {"roles": ["clinician"]})
    assert response.status_code == 403
    assert client.post("/practice/instruments/", {"definition": json.dumps(WHO5)}).status_code == 403
    assert not Instrument.objects.filter(key="who5").exists()


def test_an_admin_publishes_a_questionnaire_for_the_practice_only(personas):
    client = browser_for(personas.admin)
    page = client.get("/practice/instruments/").content.decode()
    assert "PHQ-9" in page and "Built in" in page
    response = client.post("/practice/instruments/", {"definition": json.dumps(WHO5)})
    assert response.status_code == 302
    assert "who5" in {i.key for i in instruments_available(practice_id=personas.practice.pk)}
    assert "who5" not in {i.key for i in instruments_available(practice_id=personas.other_practice.pk)}
    assert AuditEvent.objects.filter(object_type="instrument", action="create", actor_id=personas.admin.pk).exists()
    assert "WHO-5" in client.get("/practice/instruments/").content.decode()


def test_a_broken_definition_is_refused_with_the_services_problems(personas):
    client = browser_for(personas.admin)
    bad = client.post("/practice/instruments/", {"definition": json.dumps({**WHO5, "bands": []})})
    assert bad.status_code == 400 and 'aria-invalid="true"' in bad.content.decode()
    assert client.post("/practice/instruments/", {"definition": "{not json"}).status_code == 400
    builtin = client.post("/practice/instruments/", {"definition": json.dumps({**WHO5, "key": "phq9"})})
    assert builtin.status_code == 400 and "built-in instrument" in builtin.content.decode()
    assert not Instrument.objects.filter(practice=personas.practice).exists()


def test_an_admin_adds_renames_and_retires_a_checkin_tag(personas):
    client = browser_for(personas.admin)
    assert (
        client.post("/practice/instruments/", {"form": "tag", "key": "gym", "label": "Gym", "active": "on"}).status_code
        == 302
    )
    assert (
        client.post("/practice/instruments/", {"form": "tag", "key": "gym", "label": "Gym session"}).status_code == 302
    )
    tag = CheckinTag.objects.get(practice=personas.practice, key="gym")
    assert (tag.label, tag.active) == ("Gym session", False)
    assert AuditEvent.objects.filter(object_type="checkin_tag", object_id=str(tag.pk)).count() == 2
    bad = client.post("/practice/instruments/", {"form": "tag", "key": "", "label": "x"})
    assert bad.status_code == 400 and 'id="f-key-error"' in bad.content.decode()
