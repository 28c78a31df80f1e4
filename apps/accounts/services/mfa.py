"""Second factor for staff: TOTP (RFC 6238, via pyotp) with single-use recovery codes.

Invariants (security-relevant; tests in tests/apps/accounts/test_mfa.py):

- A staff sign-in needs the second factor when the practice requires it (``require_staff_mfa``) or
  when the person enrolled anyway. Patients never get the step (their app has its own device session).
- Between the password and the code the caller holds a *challenge*: a signed, timestamped value naming
  the user (``MFA_CHALLENGE_SECONDS``), never a session or a token. It carries the password-hash
  fingerprint, so a password change voids it.
- A TOTP code is accepted once (``last_step``); a recovery code is stored as a keyed hash and burnt
  on use. Wrong codes count towards the same lockout as wrong passwords.
- Enrolment, verification (success and failure) and an admin's reset are audited; no event, log line
  or exception carries the secret or a code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import pyotp
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import RecoveryCode, StaffMfa, User
from apps.accounts.selectors import login_locked_until
from apps.accounts.services.auth import AccountLocked, count_failure, login_failures_clear
from apps.audit.services import AuditAction, audit_log
from apps.core.errors import Forbidden, ServiceError, Unauthenticated

ISSUER = "Interlude"
RECOVERY_CODES = 10
_CHALLENGE_SALT = "interlude.accounts.mfa-challenge"


class MfaFailed(Unauthenticated, code="mfa_invalid"):
    pass


class ChallengeInvalid(Unauthenticated, code="mfa_challenge_invalid"):
    pass


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str  # otpauth:// for the QR code


def mfa_applies(user: User) -> bool:
    return bool(user.is_care_staff or user.is_practice_admin)


# --- the challenge between password and code -------------------------------------------------------
def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password.encode()).hexdigest()[:16]


def mfa_challenge_issue(user: User) -> str:
    return signing.dumps({"u": str(user.pk), "p": _fingerprint(user)}, salt=_CHALLENGE_SALT, compress=True)


def mfa_challenge_user(challenge: str) -> User:
    """The user a challenge was issued to, or ``ChallengeInvalid`` (expired, forged, password changed)."""
    try:
        data = signing.loads(challenge, salt=_CHALLENGE_SALT, max_age=settings.MFA_CHALLENGE_SECONDS)
    except signing.BadSignature as exc:
        raise ChallengeInvalid("This sign-in step has expired. Sign in again.") from exc
    user = User.objects.filter(pk=data.get("u"), is_active=True).select_related("practice").first()
    if user is None or not hmac.compare_digest(_fingerprint(user), str(data.get("p"))):
        raise ChallengeInvalid("This sign-in step has expired. Sign in again.")
    return user


# --- enrolment -----------------------------------------------------------------------------------
def mfa_enrol_start(*, user: User) -> Enrolment:
    """A new (unconfirmed) secret for ``user``; an existing unconfirmed one is kept, so reloading the
    page shows the same QR code. A confirmed authenticator must be reset before a new one is set."""
    if not mfa_applies(user):
        raise Forbidden("Only staff accounts use an authenticator app.")
    with transaction.atomic():
        mfa = StaffMfa.objects.select_for_update().filter(user=user).first()
        if mfa is not None and mfa.confirmed_at is not None:
            raise ServiceError("An authenticator is already set up.", code="mfa_already_enrolled")
        if mfa is None:
            mfa = StaffMfa.objects.create(user=user, secret=pyotp.random_base32())
            audit_log(
                actor=user,
                action=AuditAction.MFA_ENROL,
                object_type="user",
                object_id=user.pk,
                detail={"step": "started"},
            )
    uri = pyotp.TOTP(mfa.secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret=mfa.secret, uri=uri)


def mfa_enrol_confirm(*, user: User, code: str) -> list[str]:
    """Confirm the pending authenticator with a code from it; returns the recovery codes (shown once)."""
    with transaction.atomic():
        mfa = StaffMfa.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
        if mfa is None:
            raise ServiceError("Start setting up an authenticator first.", code="mfa_not_started")
        step = _totp_step(mfa, code)
        if step is None:
            audit_log(
                actor=user,
                action=AuditAction.MFA_FAILED,
                object_type="user",
                object_id=user.pk,
                detail={"step": "enrol"},
            )
            raise ServiceError(
                "That code is not right. Check the time on your phone and try again.", code="mfa_invalid", field="code"
            )
        mfa.confirmed_at = timezone.now()
        mfa.last_step = step
        mfa.save(update_fields=["confirmed_at", "last_step"])
        codes = _new_recovery_codes(user)
        audit_log(
            actor=user,
            action=AuditAction.MFA_ENROL,
            object_type="user",
            object_id=user.pk,
            detail={"step": "confirmed", "recovery_codes": len(codes)},
        )
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, digest=_digest(user, c)) for c in codes])
    return codes


def _digest(user: User, code: str) -> str:
    # Keyed with SECRET_KEY: a database dump alone cannot test guesses offline. The codes carry 48
    # random bits, so a fast keyed hash suffices (a slow one would cost each sign-in ten derivations).
    normalised = code.strip().lower().replace(" ", "")
    message = f"{user.pk}:{normalised}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


# --- verification ------------------------------------------------------------------------------
def _totp_step(mfa: StaffMfa, code: str) -> int | None:
    """The time step ``code`` matches (this one or a neighbour, for clock drift), if not used before."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(mfa.secret)
    now = timezone.now()
    current = totp.timecode(now)
    for step in (current, current - 1, current + 1):
        if step > mfa.last_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def mfa_verify(*, user: User, code: str) -> str:
    """Check a TOTP or recovery code for a signed-in-by-password ``user``; returns the method used.
    Wrong codes count towards the lockout like wrong passwords."""
    if login_locked_until(user) is not None:
        raise AccountLocked("Too many failed sign-in attempts. Try again later, or ask your practice admin.")
    with transaction.atomic():
        mfa = StaffMfa.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
        method = ""
        if mfa is not None:
            step = _totp_step(mfa, code)
            if step is not None:
                mfa.last_step = step
                mfa.save(update_fields=["last_step"])
                method = "totp"
            else:
                used = RecoveryCode.objects.filter(user=user, digest=_digest(user, code), used_at__isnull=True)
                if used.update(used_at=timezone.now()):
                    method = "recovery_code"
        if method:
            left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
            audit_log(
                actor=user,
                action=AuditAction.MFA_VERIFY,
                object_type="user",
                object_id=user.pk,
                detail={"method": method, "recovery_codes_left": left},
            )
            login_failures_clear(user)
            return method
        audit_log(
            actor=user, action=AuditAction.MFA_FAILED, object_type="user", object_id=user.pk, detail={"step": "verify"}
        )
    if count_failure(user, reason="bad_mfa_code") is not None:
        raise AccountLocked("Too many failed sign-in attempts. Try again later, or ask your practice admin.")
    raise MfaFailed("That code is not right.")


def mfa_reset(*, actor: User, user: User) -> None:
    """A practice admin removes a staff member's authenticator (a lost phone): they set up a new one
    at their next sign-in. Only within the admin's own practice; audited."""
    if not actor.is_practice_admin or actor.practice_id != user.practice_id or not mfa_applies(user):
        raise Forbidden("Only a practice admin can reset a staff member's authenticator.")
    with transaction.atomic():
        removed = StaffMfa.objects.filter(user=user).delete()[0]
        RecoveryCode.objects.filter(user=user).delete()
        audit_log(
            actor=actor,
            action=AuditAction.MFA_RESET,
            object_type="user",
            object_id=user.pk,
            detail={"had_authenticator": bool(removed)},
        )
