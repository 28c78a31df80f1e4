"""Password login with lockout, shared by the JWT and the session endpoints."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import StaffMfa, User
from apps.audit.services import AuditAction, audit_log
from apps.core.errors import Locked, Unauthenticated


class LoginFailed(Unauthenticated):
    default_code = "invalid_credentials"


class AccountLocked(Locked):
    default_code = "account_locked"


def _locked_message(user: User) -> str:
    minutes = max(1, int((user.locked_until - timezone.now()).total_seconds() // 60) + 1)
    return f"Too many failed sign-in attempts. Try again in {minutes} minute(s), or ask your practice admin."


def auth_login(*, request, username: str, password: str) -> User:
    """Return the user for valid credentials, or raise. Failures count towards a lockout of
    ``LOGIN_LOCKOUT_MINUTES`` after ``LOGIN_MAX_FAILURES`` in a row; each outcome is audited.
    Unknown usernames are audited without the username (it may be a mistyped password)."""
    username = username.strip().lower()
    known = User.objects.filter(username=username).first()
    if known is not None and known.is_locked():
        audit_log(
            actor=known,
            action=AuditAction.LOGIN_FAILED,
            object_type="user",
            object_id=known.pk,
            detail={"reason": "locked"},
        )
        raise AccountLocked(_locked_message(known))

    user = authenticate(request, username=username, password=password)
    if user is None:
        with transaction.atomic():
            if known is None:
                audit_log(
                    actor=None, action=AuditAction.LOGIN_FAILED, object_type="user", detail={"reason": "unknown_user"}
                )
        if known is not None and count_failure(known, reason="bad_password"):
            raise AccountLocked(_locked_message(known))
        raise LoginFailed("Username or password is incorrect.")

    second_factor = mfa_step_after_password(user)
    with transaction.atomic():
        if user.locked_until or (user.failed_login_count and not second_factor):
            # A wrong-code count survives the password: password + wrong code, repeated, still locks.
            user.failed_login_count = user.failed_login_count if second_factor else 0
            user.locked_until = None
            user.save(update_fields=["failed_login_count", "locked_until"])
        detail = {"second_factor": second_factor} if second_factor else {}
        audit_log(actor=user, action=AuditAction.LOGIN, object_type="user", object_id=user.pk, detail=detail)
    return user


def mfa_step_after_password(user: User) -> str:
    """``""`` (signed in), ``"verify"`` (ask for a code) or ``"enrol"`` (set one up first). Staff get
    the step when their practice requires it or when they enrolled anyway; patients never do."""
    if not (user.is_care_staff or user.is_practice_admin):
        return ""
    if StaffMfa.objects.filter(user=user, confirmed_at__isnull=False).exists():
        return "verify"
    return "enrol" if (user.practice_id and user.practice.require_staff_mfa) else ""


def count_failure(user: User, *, reason: str) -> bool:
    """Count a failed sign-in step (a wrong password or second-factor code) and lock the account after
    ``LOGIN_MAX_FAILURES`` in a row; audited. Returns whether the account is now locked."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        user.refresh_from_db(fields=["failed_login_count"])
        audit_log(
            actor=user,
            action=AuditAction.LOGIN_FAILED,
            object_type="user",
            object_id=user.pk,
            detail={"reason": reason, "consecutive_failures": user.failed_login_count},
        )
        if user.failed_login_count >= settings.LOGIN_MAX_FAILURES:
            user.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            user.failed_login_count = 0
            user.save(update_fields=["locked_until", "failed_login_count"])
            audit_log(
                actor=user,
                action=AuditAction.LOCKOUT,
                object_type="user",
                object_id=user.pk,
                detail={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            )
    return user.is_locked()


def auth_logout_audit(*, user: User, method: str) -> None:
    audit_log(actor=user, action=AuditAction.LOGOUT, object_type="user", object_id=user.pk, detail={"method": method})
