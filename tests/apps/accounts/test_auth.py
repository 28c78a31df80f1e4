import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.audit.models import AuditAction, AuditEvent
from tests.conftest import PASSWORD

TOKEN = "/api/v1/auth/token/"


def login(anon, username, password=PASSWORD):
    return anon.post(TOKEN, {"username": username, "password": password}, format="json")


def test_it_issues_a_token_pair_that_opens_the_api(personas, anon):
    response = login(anon, "clin")
    assert response.status_code == 200
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    me = anon.get("/api/v1/me/").json()
    assert me["username"] == "clin" and me["roles"] == ["clinician"]
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, actor_id=personas.clinician.id).exists()


def test_a_patient_sees_their_patient_id_in_me(personas, as_user):
    me = as_user(personas.patient).get("/api/v1/me/").json()
    assert me["patient_id"] == str(personas.patient_profile.id)


def test_wrong_password_is_401_with_the_error_shape(personas, anon):
    response = login(anon, "clin", "nope-nope-nope")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_credentials"
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor_id=personas.clinician.id).exists()


def test_unknown_usernames_are_audited_without_the_username(personas, anon):
    login(anon, "my-password-typed-here")
    event = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).last()
    assert event.actor_id is None and "my-password" not in str(event.detail) + event.actor_label


def test_it_locks_the_account_after_repeated_failures(personas, anon, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        assert login(anon, "clin", "wrong-password-x").status_code == 401
    locked = login(anon, "clin", "wrong-password-x")
    assert locked.status_code == 423 and locked.json()["error"]["code"] == "account_locked"
    # Even the right password is refused while locked.
    assert login(anon, "clin").status_code == 423
    assert AuditEvent.objects.filter(action=AuditAction.LOCKOUT, actor_id=personas.clinician.id).count() == 1


def test_the_lock_expires(personas, anon, settings, time_machine):
    settings.LOGIN_MAX_FAILURES = 1
    time_machine.move_to("2026-01-01 10:00Z")
    assert login(anon, "clin", "wrong-password-x").status_code == 423
    time_machine.move_to("2026-01-01 10:16Z")
    assert login(anon, "clin").status_code == 200


def test_refresh_rotates_and_the_old_refresh_token_is_refused(personas, anon):
    pair = login(anon, "clin").json()
    rotated = anon.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert rotated.status_code == 200 and rotated.json()["refresh"] != pair["refresh"]
    again = anon.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert again.status_code == 401


def test_logout_blacklists_the_refresh_token(personas, anon):
    pair = login(anon, "clin").json()
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert anon.post("/api/v1/auth/logout/", {"refresh": pair["refresh"]}, format="json").status_code == 204
    refused = anon.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert refused.status_code == 401
    assert AuditEvent.objects.filter(action=AuditAction.LOGOUT).exists()


def _bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_the_access_token_stops_working_at_logout(personas, anon):
    pair = login(anon, "clin").json()
    client = _bearer(pair["access"])
    assert client.get("/api/v1/me/").status_code == 200
    assert client.post("/api/v1/auth/logout/", {"refresh": pair["refresh"]}, format="json").status_code == 204
    refused = client.get("/api/v1/me/")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "token_not_valid"
    event = AuditEvent.objects.get(action=AuditAction.TOKEN_REVOKE, actor_id=personas.clinician.pk)
    assert event.detail == {"reason": "logout"} and pair["refresh"] not in str(event.detail)


def test_refresh_rotation_revokes_the_access_token_minted_from_the_old_refresh(personas, anon):
    pair = login(anon, "clin").json()
    rotated = anon.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json").json()
    assert _bearer(pair["access"]).get("/api/v1/me/").status_code == 401
    assert _bearer(rotated["access"]).get("/api/v1/me/").status_code == 200
    again = anon.post("/api/v1/auth/token/refresh/", {"refresh": rotated["refresh"]}, format="json").json()
    assert _bearer(rotated["access"]).get("/api/v1/me/").status_code == 401
    assert _bearer(again["access"]).get("/api/v1/me/").status_code == 200
    reasons = AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKE).values_list("detail__reason", flat=True)
    assert list(reasons) == ["rotation", "rotation"]


def test_an_access_token_not_minted_by_interlude_is_refused(personas):
    from rest_framework_simplejwt.tokens import RefreshToken

    plain = str(RefreshToken.for_user(personas.clinician).access_token)  # signed, but names no refresh token
    assert _bearer(plain).get("/api/v1/me/").status_code == 401


def test_the_websocket_handshake_refuses_a_revoked_access_token(personas, anon):
    from apps.core.ws_auth import user_for_token

    pair = login(anon, "clin").json()
    assert user_for_token(pair["access"]) == personas.clinician
    anon.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json")
    assert not user_for_token(pair["access"]).is_authenticated


def test_logout_rejects_a_garbage_token_naming_the_field(personas, as_user):
    response = as_user(personas.clinician).post("/api/v1/auth/logout/", {"refresh": "garbage"}, format="json")
    assert response.status_code == 400 and "refresh" in response.json()["error"]["fields"]


def test_login_requires_both_fields(anon, db):
    response = anon.post(TOKEN, {"username": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"password": ["This field is required."]}


def test_session_login_needs_csrf_and_then_works(personas):
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post(
        "/api/v1/auth/session/", {"username": "clin", "password": PASSWORD}, content_type="application/json"
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    browser.get("/api/v1/auth/csrf/")
    token = browser.cookies["csrftoken"].value
    ok = browser.post(
        "/api/v1/auth/session/",
        {"username": "clin", "password": PASSWORD},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=token,
    )
    assert ok.status_code == 200
    assert browser.get("/api/v1/me/").json()["username"] == "clin"
    token = browser.cookies["csrftoken"].value
    # Unsafe methods on a session need the CSRF token too.
    assert browser.delete("/api/v1/auth/session/").status_code == 403
    assert browser.delete("/api/v1/auth/session/", HTTP_X_CSRFTOKEN=token).status_code == 204
    assert browser.get("/api/v1/me/").status_code in (401, 403)


def test_a_deactivated_users_token_stops_working(personas, as_user):
    client = as_user(personas.clinician)
    personas.clinician.is_active = False
    personas.clinician.save()
    assert client.get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/patients/", "/api/v1/devices/"])
def test_anonymous_callers_get_401(anon, path, db):
    response = anon.get(path)
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_sign_in_is_rate_limited_per_ip(personas, anon, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/min", "enrolment": "3/min"})
    codes = [login(anon, "nobody-here", "x").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert login(anon, "nobody-here", "x").json()["error"]["code"] == "throttled"
