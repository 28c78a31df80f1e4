"""Enrolment: a clinician issues a short single-use code; the patient app redeems it.

Codes are 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as
``ABCD-EFGH`` and inside a QR payload. Only an HMAC of the code (keyed by SECRET_KEY) is stored,
so a database leak does not reveal live codes. Redemption is throttled per IP in the API.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Invitation, Membership, PatientProfile, Role, User
from apps.accounts.selectors import care_team_can_manage
from apps.accounts.services.patients import PROFILE_CATEGORY
from apps.audit.services import AuditAction, audit_log
from apps.core.errors import Conflict, Forbidden, Gone, ServiceError

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    code: str  # shown once; never stored

    @property
    def qr_payload(self) -> str:
        return "interlude://enrol?" + urlencode({"server": settings.PUBLIC_BASE_URL, "code": self.code})


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def code_digest(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), normalise_code(code).encode(), hashlib.sha256).hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def invitation_create(*, actor: User, patient: PatientProfile) -> IssuedInvitation:
    """Issue a code; any earlier pending code for the patient is revoked (one live code at a time)."""
    if not (care_team_can_manage(actor, patient) or actor.care_assignments.filter(patient=patient).exists()):
        raise Forbidden("Only the patient's care team or a practice admin can invite them.")
    if patient.user_id is not None:
        raise Conflict("This patient has already enrolled.", code="already_enrolled")
    now = timezone.now()
    code = _new_code()
    with transaction.atomic():
        Invitation.objects.filter(patient=patient, redeemed_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=now
        )
        invitation = Invitation.objects.create(
            practice_id=patient.practice_id,
            patient=patient,
            code_digest=code_digest(code),
            created_by=actor,
            expires_at=now + timedelta(hours=settings.INVITATION_TTL_HOURS),
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="invitation",
            object_id=invitation.pk,
            patient_id=patient.pk,
            data_category="enrolment",
        )
    return IssuedInvitation(invitation=invitation, code=code)


def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    if invitation.redeemed_at is not None:
        raise Conflict("This invitation was already used.", code="invitation_used")
    with transaction.atomic():
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
        audit_log(
            actor=actor,
            action=AuditAction.DELETE,
            object_type="invitation",
            object_id=invitation.pk,
            patient_id=invitation.patient_id,
            data_category="enrolment",
        )
    return invitation


def invitation_redeem(*, code: str, username: str, password: str) -> User:
    """Create the patient's login from a valid code. Unknown, revoked, used and expired codes are
    refused with distinct codes on the ``code`` field so the app can say what to do next."""
    username = username.strip().lower()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().select_related("patient").filter(code_digest=code_digest(code))
        ).first()
        if invitation is None or invitation.revoked_at is not None:
            raise ServiceError(
                "This code is not valid. Check it, or ask your clinician for a new one.",
                code="invitation_invalid",
                field="code",
            )
        if invitation.redeemed_at is not None:
            raise Conflict(
                "This code has already been used. Sign in, or ask your clinician for a new one.",
                code="invitation_used",
                field="code",
            )
        if invitation.expires_at <= timezone.now():
            raise Gone(
                "This code has expired. Ask your clinician for a new one.", code="invitation_expired", field="code"
            )
        if User.objects.filter(username=username).exists():
            raise ServiceError("This username is taken.", code="username_taken", field="username")
        user = User(username=username, practice_id=invitation.practice_id)
        try:
            validate_password(password, user=user)
        except DjangoValidationError as exc:
            raise ServiceError(" ".join(exc.messages), code="weak_password", field="password") from exc
        user.set_password(password)
        user.save()
        Membership.objects.create(user=user, role=Role.PATIENT)
        patient = invitation.patient
        patient.user = user
        patient.save(update_fields=["user", "updated_at"])
        invitation.redeemed_at = timezone.now()
        invitation.save(update_fields=["redeemed_at"])
        audit_log(
            actor=user,
            action=AuditAction.ENROL,
            object_type="invitation",
            object_id=invitation.pk,
            patient_id=patient.pk,
            practice_id=patient.practice_id,
            data_category=PROFILE_CATEGORY,
        )
    return user
