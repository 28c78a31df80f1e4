"""Password login with lockout per account and address, shared by every sign-in (token, session, web, patient app)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from apps.accounts.models import LoginAddressLock, StaffMfa, User
from apps.accounts.selectors import login_locked_until
from apps.audit.services import AuditAction, audit_log
from apps.core import context
from apps.core.errors import Locked, Unauthenticated
from apps.core.jwt import refresh_token_blacklist


class LoginFailed(Unauthenticated, code="invalid_credentials"):
    pass


class AccountLocked(Locked, code="account_locked"):
    pass


def _locked_message(until) -> str:
    minutes = max(1, int((until - timezone.now()).total_seconds() // 60) + 1)
    return f"Too many failed sign-in attempts. Try again in {minutes} minute(s), or ask your practice admin."


def _address() -> str:
    return context.current().ip or ""


def auth_login(*, request, username: str, password: str) -> User:
    """Return the user for valid credentials, or raise. Failures from one address lock that address
    out of the account (``LOGIN_MAX_FAILURES`` in a row); failures from everywhere lock the account
    (``LOGIN_ACCOUNT_MAX_FAILURES``), each for ``LOGIN_LOCKOUT_MINUTES``; each outcome is audited.
    Unknown usernames are audited without the username (it may be a mistyped password)."""
    username = username.strip().lower()
    known = User.objects.filter(username=username).first()
    until = login_locked_until(known) if known is not None else None
    if until is not None:
        audit_log(
            actor=known,
            action=AuditAction.LOGIN_FAILED,
            object_type="user",
            object_id=known.pk,
            detail={"reason": "locked"},
        )
        raise AccountLocked(_locked_message(until))

    user = authenticate(request, username=username, password=password)
    if user is None:
        if known is None:
            audit_log(
                actor=None, action=AuditAction.LOGIN_FAILED, object_type="user", detail={"reason": "unknown_user"}
            )
        elif (until := count_failure(known, reason="bad_password")) is not None:
            raise AccountLocked(_locked_message(until))
        raise LoginFailed("Username or password is incorrect.")

    second_factor = mfa_step_after_password(user)
    with transaction.atomic():
        if not second_factor:
            # A wrong-code count survives the password: password + wrong code, repeated, still locks.
            login_failures_clear(user)
        detail = {"second_factor": second_factor} if second_factor else {}
        audit_log(actor=user, action=AuditAction.LOGIN, object_type="user", object_id=user.pk, detail=detail)
    return user


def login_failures_clear(user: User) -> None:
    """A complete sign-in: this address's and the account's failure counts start again."""
    LoginAddressLock.objects.filter(user=user, ip=_address()).delete()
    if user.failed_login_count or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)


def count_failure(user: User, *, reason: str) -> datetime | None:
    """Count a failed sign-in step (a wrong password or second-factor code) for this address and for
    the account; audited. Returns when the caller may try again, if they are now locked out."""
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    with transaction.atomic():
        here, _ = LoginAddressLock.objects.select_for_update().get_or_create(user=user, ip=_address())
        here.failures += 1
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        user.refresh_from_db(fields=["failed_login_count", "locked_until"])
        audit_log(
            actor=user,
            action=AuditAction.LOGIN_FAILED,
            object_type="user",
            object_id=user.pk,
            detail={
                "reason": reason,
                "consecutive_failures": here.failures,
                "account_failures": user.failed_login_count,
            },
        )
        if here.failures >= settings.LOGIN_MAX_FAILURES:
            here.failures = 0
            here.locked_until = timezone.now() + timedelta(minutes=minutes)
            audit_log(
                actor=user,
                action=AuditAction.LOCKOUT,
                object_type="user",
                object_id=user.pk,
                detail={"minutes": minutes, "scope": "address"},
            )
        here.save()
        if user.failed_login_count >= settings.LOGIN_ACCOUNT_MAX_FAILURES:
            user.locked_until = timezone.now() + timedelta(minutes=minutes)
            user.failed_login_count = 0
            user.save(update_fields=["locked_until", "failed_login_count"])
            audit_log(
                actor=user,
                action=AuditAction.LOCKOUT,
                object_type="user",
                object_id=user.pk,
                detail={"minutes": minutes, "scope": "account"},
            )
    return login_locked_until(user)


def mfa_step_after_password(user: User) -> str:
    """``""`` (signed in), ``"verify"`` (ask for a code) or ``"enrol"`` (set one up first). Staff get
    the step when their practice requires it or when they enrolled anyway; patients never do."""
    if not (user.is_care_staff or user.is_practice_admin):
        return ""
    if StaffMfa.objects.filter(user=user, confirmed_at__isnull=False).exists():
        return "verify"
    return "enrol" if (user.practice_id and user.practice.require_staff_mfa) else ""


def auth_logout_audit(*, user: User, method: str) -> None:
    audit_log(actor=user, action=AuditAction.LOGOUT, object_type="user", object_id=user.pk, detail={"method": method})


def token_revoked_audit(*, user_id, jti: str, reason: str) -> None:
    """A refresh token (and every access token minted from it) was revoked: at logout or rotation."""
    audit_log(
        actor=User.objects.filter(pk=user_id).first(),
        action=AuditAction.TOKEN_REVOKE,
        object_type="refresh_token",
        object_id=jti,
        detail={"reason": reason},
    )


def auth_token_logout(*, user: User, refresh: str) -> None:
    """Sign out a mobile client: its refresh token (and the access tokens minted from it) is revoked."""
    with transaction.atomic():
        jti = refresh_token_blacklist(raw=refresh, user_id=user.pk)
        auth_logout_audit(user=user, method="jwt")
        token_revoked_audit(user_id=user.pk, jti=jti, reason="logout")
