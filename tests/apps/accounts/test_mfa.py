"""Staff second factor: TOTP with recovery codes, on the token, session-API and web sign-ins."""

import datetime as dt
import re

import pyotp
import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from apps.accounts.models import RecoveryCode, StaffMfa
from apps.accounts.services.mfa import mfa_enrol_confirm, mfa_enrol_start
from apps.audit.models import AuditAction, AuditEvent
from tests.conftest import PASSWORD, make_user

TOKEN = "/api/v1/auth/token/"


def enrol(user) -> list[str]:
    mfa_enrol_start(user=user)
    return mfa_enrol_confirm(user=user, code=code_for(user))


def code_for(user, *, later: int = 0) -> str:
    secret = StaffMfa.objects.get(user=user).secret
    return pyotp.TOTP(secret).at(timezone.now() + dt.timedelta(seconds=later))


def password(anon, username, url=TOKEN):
    return anon.post(url, {"username": username, "password": PASSWORD}, format="json")


def second(anon, challenge, code, url="/api/v1/auth/token/mfa/"):
    return anon.post(url, {"challenge": challenge, "code": code}, format="json")


def test_an_enrolled_clinician_gets_a_challenge_not_tokens_then_tokens_for_the_code(personas, anon, time_machine):
    time_machine.move_to(timezone.now())
    enrol(personas.clinician)
    first = password(anon, "clin")
    assert first.status_code == 202 and "access" not in first.json()
    challenge = first.json()["challenge"]
    assert second(anon, challenge, "000000").status_code == 401
    time_machine.shift(dt.timedelta(seconds=30))
    ok = second(anon, challenge, code_for(personas.clinician))
    assert ok.status_code == 200 and set(ok.json()) == {"access", "refresh"}
    replay = second(anon, challenge, code_for(personas.clinician))
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "mfa_invalid"
    actions = list(AuditEvent.objects.filter(actor_id=personas.clinician.pk).values_list("action", flat=True))
    assert actions.count(AuditAction.MFA_FAILED) == 2 and AuditAction.MFA_VERIFY in actions


def test_a_recovery_code_works_once(personas, anon):
    codes = enrol(personas.clinician)
    assert RecoveryCode.objects.filter(user=personas.clinician).count() == 10
    assert not RecoveryCode.objects.filter(digest__in=codes).exists()  # only keyed hashes are stored
    challenge = password(anon, "clin").json()["challenge"]
    assert second(anon, challenge, codes[0].upper()).status_code == 200
    assert second(anon, challenge, codes[0]).status_code == 401
    event = AuditEvent.objects.filter(action=AuditAction.MFA_VERIFY, actor_id=personas.clinician.pk).get()
    assert event.detail == {"method": "recovery_code", "recovery_codes_left": 9}


def test_the_practice_policy_requires_enrolment_for_staff_but_not_patients(personas, anon):
    personas.practice.require_staff_mfa = True
    personas.practice.save()
    refused = password(anon, "clin")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "mfa_enrolment_required"
    assert password(anon, "pat").status_code == 200
    assert password(anon, "outsider").status_code == 200  # another practice, MFA not required there


def test_the_session_api_honours_the_second_factor(personas):
    enrol(personas.admin)
    client = Client()
    first = client.post(
        "/api/v1/auth/session/", {"username": "admin", "password": PASSWORD}, content_type="application/json"
    )
    assert first.status_code == 202
    assert client.get("/api/v1/me/").status_code in (401, 403)
    done = client.post(
        "/api/v1/auth/session/mfa/",
        {"challenge": first.json()["challenge"], "code": enrol_next_code(personas.admin)},
        content_type="application/json",
    )
    assert done.status_code == 200 and client.get("/api/v1/me/").json()["username"] == "admin"


def enrol_next_code(user) -> str:
    """A code of the next time step (the current one was spent confirming the enrolment)."""
    return code_for(user, later=30)


def test_wrong_codes_lock_the_account_even_with_the_right_password_between(personas, anon, settings):
    settings.LOGIN_MAX_FAILURES = 3
    enrol(personas.clinician)
    for _ in range(2):
        assert second(anon, password(anon, "clin").json()["challenge"], "123456").status_code == 401
    locked = second(anon, password(anon, "clin").json()["challenge"], "123456")
    assert locked.status_code == 423
    assert password(anon, "clin").status_code == 423


def test_a_challenge_dies_with_a_password_change_and_with_time(personas, anon, settings, time_machine):
    time_machine.move_to(timezone.now())
    enrol(personas.clinician)
    challenge = password(anon, "clin").json()["challenge"]
    time_machine.shift(dt.timedelta(seconds=settings.MFA_CHALLENGE_SECONDS + 1))
    expired = second(anon, challenge, code_for(personas.clinician))
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "mfa_challenge_invalid"
    challenge = password(anon, "clin").json()["challenge"]
    personas.clinician.set_password("a-new-long-passphrase-42")
    personas.clinician.save()
    assert second(anon, challenge, code_for(personas.clinician)).status_code == 401


def test_the_secret_is_encrypted_at_rest_and_never_in_the_audit_trail(personas, anon):
    codes = enrol(personas.clinician)
    secret = StaffMfa.objects.get(user=personas.clinician).secret
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM accounts_staffmfa")
        (raw,) = cursor.fetchone()
    assert secret not in raw
    trail = " ".join(str(e.detail) for e in AuditEvent.objects.all())
    assert secret not in trail and not any(c in trail for c in codes)


def test_a_practice_admin_resets_an_authenticator_and_it_is_audited(personas, as_user, anon):
    enrol(personas.clinician)
    url = f"/api/v1/staff/{personas.clinician.pk}/mfa-reset/"
    assert as_user(personas.clinician).post(url).status_code == 403
    other_admin = make_user(personas.other_practice, "otheradmin", "practice_admin")
    assert as_user(other_admin).post(url).status_code == 404
    assert as_user(personas.admin).post(url).status_code == 204
    assert not StaffMfa.objects.filter(user=personas.clinician).exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.MFA_RESET, actor_id=personas.admin.pk, object_id=str(personas.clinician.pk)
    ).exists()
    assert password(anon, "clin").status_code == 200  # the practice does not require it: password alone again


# --- the web app ---------------------------------------------------------------------------------
def _key_from(page: str) -> str:
    return re.search(r'class="secret-key"[^>]*>([A-Z2-7 ]+)<', page).group(1).replace(" ", "")


def test_web_sign_in_enrols_where_required_shows_recovery_codes_once_then_asks_for_codes(personas, time_machine):
    time_machine.move_to(timezone.now())
    personas.practice.require_staff_mfa = True
    personas.practice.save()
    client = Client()
    step = client.post("/login/", {"username": "clin", "password": PASSWORD})
    assert step["Location"] == "/account/authenticator/"
    assert client.get("/patients/").status_code == 302  # not signed in yet
    page = client.get("/account/authenticator/")
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and 'autocomplete="one-time-code"' in body
    key = _key_from(body)
    assert client.post("/account/authenticator/", {"code": "000000"}).status_code == 400
    codes_page = client.post("/account/authenticator/", {"code": pyotp.TOTP(key).now()})
    assert codes_page.status_code == 200 and codes_page["Cache-Control"] == "no-store"
    assert len(re.findall(r"<li><code>[0-9a-f]{6}-[0-9a-f]{6}</code></li>", codes_page.content.decode())) == 10
    assert client.get("/patients/").status_code == 200
    settled = client.get("/account/authenticator/").content.decode()
    assert "secret-key" not in settled and "10 unused recovery codes" in settled  # the codes are not shown again

    again = Client()
    assert again.post("/login/", {"username": "clin", "password": PASSWORD})["Location"] == "/login/code/"
    assert again.post("/login/code/", {"code": "111111"}).status_code == 401
    time_machine.shift(dt.timedelta(seconds=30))
    assert again.post("/login/code/", {"code": pyotp.TOTP(key).now()})["Location"] == "/patients/"
    assert again.get("/patients/").status_code == 200


def test_the_code_page_without_a_password_first_sends_back_to_sign_in(db):
    assert Client().get("/login/code/")["Location"] == "/login/?reason=mfa_expired"
    assert Client().post("/login/code/", {"code": "123456"})["Location"] == "/login/?reason=mfa_expired"


def test_a_web_admin_resets_an_authenticator_from_the_staff_page(personas):
    from tests.apps.web.test_pages import browser_for

    enrol(personas.care_team)
    admin = browser_for(personas.admin)
    assert "Reset authenticator for psych" in admin.get("/practice/staff/").content.decode()
    assert admin.post(f"/practice/staff/{personas.care_team.pk}/mfa-reset/")["Location"] == "/practice/staff/"
    assert not StaffMfa.objects.filter(user=personas.care_team).exists()
    clinician = browser_for(personas.clinician)
    assert clinician.post(f"/practice/staff/{personas.care_team.pk}/mfa-reset/").status_code == 404


@pytest.mark.parametrize("flag", [True, False])
def test_the_practice_flag_is_a_setting_an_admin_changes(personas, as_user, flag):
    response = as_user(personas.admin).patch("/api/v1/practice/", {"require_staff_mfa": flag}, format="json")
    assert response.status_code == 200 and response.json()["require_staff_mfa"] is flag
