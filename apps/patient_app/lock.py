"""The optional app lock: a short PIN asked for after the app was idle or in the background.

Invariants (security-relevant; tests in tests/apps/patient_app/test_lock.py):
- The PIN is stored only as a Django password hash; a wrong PIN is never logged.
- The lock is held by the server, in the session: while it is on, the app's pages answer a redirect
  to the lock screen and the API refuses reads (423), so a phone picked up unlocked shows nothing by
  typing an address. Writes still go through: the outbox sends entries the patient made before.
- The safety plan, the crisis lines (on the lock screen itself) and signing out stay reachable.
- ``PATIENT_LOCK_MAX_FAILURES`` wrong PINs in a row (counted per account, so a new session does not
  reset them) sign this phone out: the next way in is the full sign-in with the password, which has
  its own lockout.
- Only the patient's own navigation counts as activity: the service worker's background fetches
  (``apps.core.context.PREFETCH_HEADER``) and API calls do not keep the app unlocked.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from apps.accounts.models import User
from apps.audit.services import AuditAction, audit_log
from apps.core import context
from apps.core.errors import Invalid
from apps.patient_app.models import AppLock, DeviceSession, LockPasskey

ACTIVE_KEY = "patient_app_active_at"
LOCKED_KEY = "patient_app_locked"
IDLE_CHOICES = (1, 5, 15, 60)
# Write the activity time at most this often (one session save a minute, not one per request).
TOUCH_EVERY_S = 30
# Reachable while locked. The safety plan (read only) and the crisis lines must never be behind the PIN.
OPEN_WHILE_LOCKED = (
    "/app/lock/",
    "/app/safety-plan/",
    "/app/offline/",
    "/app/signout/",
    "/app/signout/everywhere/",
    "/app/sw.js",
    "/app/manifest.webmanifest",
    "/app/jsi18n/",
)
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_PIN = re.compile(r"^[0-9]{4,8}$")


def pin_check_strength(pin: str) -> None:
    """4-8 digits, not one digit repeated, not a run up or down (1234, 9876): the first guesses."""
    if not _PIN.match(pin):
        raise Invalid({"pin": ["Use 4 to 8 digits."]})
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:], strict=False)}
    if len(set(pin)) == 1 or steps in ({1}, {-1}):
        raise Invalid({"pin": ["That PIN is too easy to guess. Choose another."]})


def app_lock_set(*, user: User, pin: str, idle_minutes: int) -> AppLock:
    pin_check_strength(pin)
    if idle_minutes not in IDLE_CHOICES:
        raise Invalid({"idle_minutes": ["Choose one of the times offered."]})
    with transaction.atomic():
        lock, created = AppLock.objects.update_or_create(
            user=user, defaults={"pin_hash": make_password(pin), "idle_minutes": idle_minutes, "failures": 0}
        )
        audit_log(
            actor=user,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            object_type="app_lock",
            object_id=lock.pk,
            detail={"idle_minutes": idle_minutes},
        )
    return lock


def app_lock_remove(*, user: User) -> None:
    with transaction.atomic():
        LockPasskey.objects.filter(user=user).delete()  # they open the lock; no lock, nothing to open
        deleted, _ = AppLock.objects.filter(user=user).delete()
        if deleted:
            audit_log(actor=user, action=AuditAction.DELETE, object_type="app_lock", object_id=user.pk)


@dataclass(frozen=True)
class UnlockResult:
    unlocked: bool
    signed_out: bool = False
    attempts_left: int = 0


def app_lock_unlock(*, request, pin: str) -> UnlockResult:
    """Check ``pin`` for the signed-in patient; after too many wrong ones, sign this phone out."""
    user = request.user
    limit = settings.PATIENT_LOCK_MAX_FAILURES
    with transaction.atomic():
        lock = AppLock.objects.select_for_update().filter(user=user).first()
        if lock is None or check_password(pin, lock.pin_hash):
            if lock is not None and lock.failures:
                lock.failures = 0
                lock.save(update_fields=["failures", "updated_at"])
            request.session[LOCKED_KEY] = False
            request.session[ACTIVE_KEY] = time.time()
            audit_log(
                actor=user, action=AuditAction.LOGIN, object_type="user", object_id=user.pk, detail={"method": "pin"}
            )
            return UnlockResult(unlocked=True)
        lock.failures += 1
        signed_out = lock.failures >= limit
        if signed_out:
            lock.failures = 0
        lock.save(update_fields=["failures", "updated_at"])
        audit_log(
            actor=user,
            action=AuditAction.LOCKOUT if signed_out else AuditAction.LOGIN_FAILED,
            object_type="user",
            object_id=user.pk,
            detail={"method": "pin"},
        )
    if signed_out:
        DeviceSession.objects.filter(session_key=request.session.session_key).delete()
        logout(request)
        return UnlockResult(unlocked=False, signed_out=True)
    return UnlockResult(unlocked=False, attempts_left=limit - lock.failures)


def app_lock_now(*, request) -> bool:
    """Lock at once (the patient hands the phone over); False when no lock is set."""
    if not AppLock.objects.filter(user=request.user).exists():
        return False
    request.session[LOCKED_KEY] = True
    return True


def session_unlocked_now(request) -> None:
    """A fresh sign-in is an unlock: the password was just typed."""
    request.session[LOCKED_KEY] = False
    request.session[ACTIVE_KEY] = time.time()


def _is_activity(request) -> bool:
    return (
        request.path.startswith("/app/")
        and not context.is_prefetch(request.headers)
        and request.path not in ("/app/sw.js", "/app/manifest.webmanifest", "/app/jsi18n/")
    )


def _locked_response(request):
    if request.path.startswith("/api/"):
        body = {"error": {"code": "app_locked", "message": "Unlock the app with your PIN.", "fields": {}}}
        return JsonResponse(body, status=423)
    target = request.get_full_path() if request.method in _SAFE_METHODS else reverse("patient_app:today")
    return redirect(f"{reverse('patient_app:lock')}?{urlencode({'next': target})}")


class AppLockMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not (user.is_authenticated and hasattr(request, "session") and user.is_patient):
            request.app_lock_minutes = 0
            return self.get_response(request)
        lock = AppLock.objects.filter(user=user).values_list("idle_minutes", flat=True).first()
        request.app_lock_minutes = lock or 0
        if lock is None:
            return self.get_response(request)
        now = time.time()
        active = request.session.get(ACTIVE_KEY)
        if active is not None and now - active > lock * 60:
            request.session[LOCKED_KEY] = True
        if request.session.get(LOCKED_KEY):
            path = request.path
            if path.startswith(OPEN_WHILE_LOCKED) and not path.startswith("/app/safety-plan/edit/"):
                return self.get_response(request)
            if path.startswith("/api/") and request.method not in _SAFE_METHODS:
                return self.get_response(request)  # the outbox's queued writes
            if path.startswith(("/app/", "/api/")):
                return _locked_response(request)
            return self.get_response(request)
        if _is_activity(request) and (active is None or now - active > TOUCH_EVERY_S):
            request.session[ACTIVE_KEY] = active = now
        # The page's clock starts here (static/patient_app/js/lock.js); a copy the service worker kept
        # carries an old time, so opening it later offline still goes to the lock screen.
        request.app_lock_active_ms = int((active or now) * 1000)
        return self.get_response(request)
