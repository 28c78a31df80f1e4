"""Reads for the accounts domain: consent, who may manage a care team, sign-in locks, recovery codes
left, and the break-glass review queue."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from apps.accounts.models import (
    BreakGlassGrant,
    CareTeamMember,
    CareTeamRole,
    ConsentDecision,
    ConsentRecord,
    LoginAddressLock,
    PatientProfile,
    RecoveryCode,
    User,
)
from apps.audit.models import AuditEvent
from apps.core import context


def consent_is_granted(*, patient_id, kind: str) -> bool:
    """The latest decision on ``kind`` is an acceptance; with no decision on record the answer is no."""
    latest = ConsentRecord.objects.filter(patient_id=patient_id, kind=kind).order_by("-decided_at").first()
    return latest is not None and latest.decision == ConsentDecision.ACCEPTED


def care_team_can_manage(actor: User, patient: PatientProfile) -> bool:
    if actor.practice_id != patient.practice_id:
        return False
    if actor.is_practice_admin:
        return True
    return CareTeamMember.objects.filter(patient=patient, user=actor, role=CareTeamRole.PRIMARY_CLINICIAN).exists()


def login_locked_until(user: User) -> datetime | None:
    """When the caller may try ``user`` again: the account's lock, or this address's lock on it."""
    now = timezone.now()
    locks = [user.locked_until] if user.is_locked(now) else []
    here = LoginAddressLock.objects.filter(user=user, ip=context.current().ip or "", locked_until__gt=now).first()
    if here is not None:
        locks.append(here.locked_until)
    return max(locks) if locks else None


def mfa_recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def break_glass_recipients_list(grant: BreakGlassGrant) -> list:
    """Who is told a grant was opened: the practice admins and the patient's primary clinician."""
    admins = User.objects.filter(practice_id=grant.practice_id, is_active=True, memberships__role="practice_admin")
    primary = CareTeamMember.objects.filter(patient_id=grant.patient_id, role="primary_clinician").values_list(
        "user_id", flat=True
    )
    ids = {*admins.values_list("id", flat=True), *primary}
    ids.discard(grant.user_id)
    return sorted(ids, key=str)


def break_glass_grants_list(actor: User):
    """The grants ``actor`` may list: a practice admin sees the practice's (the review queue), a
    clinician their own. Newest first, unreviewed before reviewed."""
    qs = BreakGlassGrant.objects.select_related("user", "reviewed_by").order_by("reviewed_at", "-created_at")
    if actor.is_practice_admin:
        return qs.filter(practice_id=actor.practice_id)
    return qs.filter(user_id=actor.pk)


def break_glass_reads_list(grant: BreakGlassGrant) -> list:
    """What was opened under ``grant``: its read and export events, oldest first."""
    return list(
        AuditEvent.objects.filter(detail__break_glass_grant=str(grant.pk))
        .order_by("seq")
        .values("occurred_at", "action", "object_type", "data_category", "via")
    )
