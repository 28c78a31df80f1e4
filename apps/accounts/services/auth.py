"""Password login with lockout, shared by the JWT and the session endpoints."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import User
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
            else:
                User.objects.filter(pk=known.pk).update(failed_login_count=F("failed_login_count") + 1)
                known.refresh_from_db(fields=["failed_login_count"])
                audit_log(
                    actor=known,
                    action=AuditAction.LOGIN_FAILED,
                    object_type="user",
                    object_id=known.pk,
                    detail={"reason": "bad_password", "consecutive_failures": known.failed_login_count},
                )
                if known.failed_login_count >= settings.LOGIN_MAX_FAILURES:
                    known.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
                    known.failed_login_count = 0
                    known.save(update_fields=["locked_until", "failed_login_count"])
                    audit_log(
                        actor=known,
                        action=AuditAction.LOCKOUT,
                        object_type="user",
                        object_id=known.pk,
                        detail={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
                    )
        if known is not None and known.is_locked():
            raise AccountLocked(_locked_message(known))
        raise LoginFailed("Username or password is incorrect.")

    with transaction.atomic():
        if user.failed_login_count or user.locked_until:
            user.failed_login_count = 0
            user.locked_until = None
            user.save(update_fields=["failed_login_count", "locked_until"])
        audit_log(actor=user, action=AuditAction.LOGIN, object_type="user", object_id=user.pk)
    return user


def auth_logout_audit(*, user: User, method: str) -> None:
    audit_log(actor=user, action=AuditAction.LOGOUT, object_type="user", object_id=user.pk, detail={"method": method})
