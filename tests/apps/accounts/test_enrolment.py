from datetime import timedelta

from django.utils import timezone

from apps.accounts.models import Invitation, Role
from apps.accounts.services.enrolment import ALPHABET
from apps.audit.models import AuditAction, AuditEvent
from tests.conftest import make_patient


def issue(as_user, actor, patient):
    return as_user(actor).post(f"/api/v1/patients/{patient.id}/invitations/")


def test_a_clinician_issues_a_short_typeable_code_with_a_qr_payload(personas, as_user):
    newcomer = make_patient(personas.practice, None, personas.clinician, name="New Person")
    response = issue(as_user, personas.clinician, newcomer)
    assert response.status_code == 201
    body = response.json()
    raw = body["code"].replace("-", "")
    assert len(raw) == 8 and set(raw) <= set(ALPHABET)
    assert raw in body["qr_payload"].replace("-", "") and body["qr_payload"].startswith("interlude://enrol?")
    assert body["qr_svg"].startswith("<svg")
    # Only a keyed digest is stored.
    assert not Invitation.objects.filter(code_digest__icontains=raw).exists()


def test_redeeming_creates_the_patient_login_and_returns_tokens(personas, as_user, anon):
    newcomer = make_patient(personas.practice, None, personas.clinician, name="New Person")
    code = issue(as_user, personas.clinician, newcomer).json()["code"]
    response = anon.post(
        "/api/v1/enrolment/redeem/",
        {"code": code.lower().replace("-", " "), "username": "NewPerson", "password": "a-long-enough-pass"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["patient_id"] == str(newcomer.id)
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    me = anon.get("/api/v1/me/").json()
    assert me["roles"] == [Role.PATIENT] and me["username"] == "newperson"
    assert AuditEvent.objects.filter(action=AuditAction.ENROL, patient_id=newcomer.id).exists()


def test_a_used_code_is_refused_clearly(personas, as_user, anon):
    newcomer = make_patient(personas.practice, None, personas.clinician, name="New Person")
    code = issue(as_user, personas.clinician, newcomer).json()["code"]
    first = {"code": code, "username": "first1", "password": "a-long-enough-pass"}
    assert anon.post("/api/v1/enrolment/redeem/", first, format="json").status_code == 201
    again = anon.post("/api/v1/enrolment/redeem/", {**first, "username": "second"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invitation_used" and "code" in again.json()["error"]["fields"]


def test_an_expired_code_is_refused_clearly(personas, as_user, anon):
    newcomer = make_patient(personas.practice, None, personas.clinician, name="New Person")
    code = issue(as_user, personas.clinician, newcomer).json()["code"]
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    response = anon.post(
        "/api/v1/enrolment/redeem/",
        {"code": code, "username": "late1", "password": "a-long-enough-pass"},
        format="json",
    )
    assert response.status_code == 410 and response.json()["error"]["code"] == "invitation_expired"


def test_an_unknown_or_revoked_code_is_invalid(personas, as_user, anon):
    newcomer = make_patient(personas.practice, None, personas.clinician, name="New Person")
    old = issue(as_user, personas.clinician, newcomer).json()["code"]
    issue(as_user, personas.clinician, newcomer)  # a new code revokes the old one
    for code in (old, "ZZZZ-ZZZZ"):
        response = anon.post(
            "/api/v1/enrolment/redeem/",
            {"code": code, "username": "who1", "password": "a-long-enough-pass"},
            format="json",
        )
        assert response.status_code == 400 and response.json()["error"]["code"] == "invitation_invalid"


def test_a_weak_password_names_the_field_and_uses_nothing(personas, as_user, anon):
    newcomer = make_patient(personas.practice, None, personas.clinician, name="New Person")
    code = issue(as_user, personas.clinician, newcomer).json()["code"]
    response = anon.post(
        "/api/v1/enrolment/redeem/", {"code": code, "username": "weak1", "password": "12345678"}, format="json"
    )
    assert response.status_code == 400 and "password" in response.json()["error"]["fields"]
    newcomer.refresh_from_db()
    assert newcomer.user_id is None and Invitation.objects.get().redeemed_at is None


def test_a_taken_username_is_refused(personas, as_user, anon):
    newcomer = make_patient(personas.practice, None, personas.clinician, name="New Person")
    code = issue(as_user, personas.clinician, newcomer).json()["code"]
    response = anon.post(
        "/api/v1/enrolment/redeem/", {"code": code, "username": "clin", "password": "a-long-enough-pass"}, format="json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "username_taken"


def test_an_enrolled_patient_cannot_be_invited_again(personas, as_user):
    response = issue(as_user, personas.clinician, personas.patient_profile)
    assert response.status_code == 409 and response.json()["error"]["code"] == "already_enrolled"


def test_codes_can_be_listed_without_the_code_and_revoked(personas, as_user):
    newcomer = make_patient(personas.practice, None, personas.clinician, name="New Person")
    issued = issue(as_user, personas.clinician, newcomer).json()
    client = as_user(personas.clinician)
    listed = client.get(f"/api/v1/patients/{newcomer.id}/invitations/").json()["results"]
    assert listed[0]["status"] == "pending" and "code" not in listed[0]
    revoked = client.delete(f"/api/v1/patients/{newcomer.id}/invitations/{issued['id']}/")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"


def test_patients_cannot_issue_codes(personas, as_user):
    assert issue(as_user, personas.patient, personas.patient_profile).status_code == 404
