"""The sign-in rate limit and lockout cannot be reset with a forged header, and a stranger who knows a
username cannot lock its owner out."""

from rest_framework.throttling import ScopedRateThrottle

from apps.audit.models import AuditAction, AuditEvent
from tests.conftest import PASSWORD

TOKEN = "/api/v1/auth/token/"
STRANGER = "203.0.113.9"
OWNER = "198.51.100.7"


def attempt(anon, username, password, *, ip="127.0.0.1", **headers):
    body = {"username": username, "password": password}
    return anon.post(TOKEN, body, format="json", REMOTE_ADDR=ip, **headers)


def test_a_fresh_x_forwarded_for_does_not_reset_the_rate_limit(db, anon, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/min", "enrolment": "3/min"})
    codes = [attempt(anon, "nobody", "x", HTTP_X_FORWARDED_FOR=f"10.9.8.{i}").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]


def test_behind_a_trusted_proxy_the_address_it_wrote_counts_not_the_clients(personas, anon, monkeypatch, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/min", "enrolment": "2/min"})
    # The client writes anything in front; the proxy appends the address it saw (the last entry).
    forged = [f"1.2.3.{i}, {STRANGER}" for i in range(3)]
    codes = [attempt(anon, "nobody", "x", ip="10.0.0.2", HTTP_X_FORWARDED_FOR=f).status_code for f in forged]
    assert codes == [401, 401, 429]
    assert attempt(anon, "clin", PASSWORD, ip="10.0.0.2", HTTP_X_FORWARDED_FOR=OWNER).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN).get().ip == OWNER


def test_a_stranger_locks_only_their_own_address_out_of_a_known_account(personas, anon, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        assert attempt(anon, "clin", "guess-guess-1", ip=STRANGER).status_code == 401
    assert attempt(anon, "clin", "guess-guess-1", ip=STRANGER).status_code == 423
    assert attempt(anon, "clin", PASSWORD, ip=STRANGER).status_code == 423  # even the right password, there
    assert attempt(anon, "clin", PASSWORD, ip=OWNER).status_code == 200  # the owner signs in from elsewhere
    lockout = AuditEvent.objects.get(action=AuditAction.LOCKOUT)
    assert lockout.detail["scope"] == "address" and lockout.ip == STRANGER


def test_the_account_locks_after_the_slower_limit_across_addresses(personas, anon, settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_ACCOUNT_MAX_FAILURES = 4
    for i in range(3):
        assert attempt(anon, "clin", "guess-guess-1", ip=f"192.0.2.{i}").status_code == 401
    assert attempt(anon, "clin", "guess-guess-1", ip="192.0.2.99").status_code == 423
    assert attempt(anon, "clin", PASSWORD, ip=OWNER).status_code == 423
    assert AuditEvent.objects.get(action=AuditAction.LOCKOUT).detail["scope"] == "account"


def test_a_successful_sign_in_from_an_address_starts_its_count_again(personas, anon, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        attempt(anon, "clin", "guess-guess-1", ip=OWNER)
    assert attempt(anon, "clin", PASSWORD, ip=OWNER).status_code == 200
    for _ in range(2):
        assert attempt(anon, "clin", "guess-guess-1", ip=OWNER).status_code == 401
