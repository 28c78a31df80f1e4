"""Who receives an alert: tiers resolved to users, per the practice's policy."""

from __future__ import annotations

from apps.accounts.models import CareTeamMember, CareTeamRole, PatientProfile, User
from apps.alerts.models import AlertPolicy

ESCALATION_TIERS = ("on_call", "supervisor")


def policy_for(practice_id) -> AlertPolicy:
    policy, _ = AlertPolicy.objects.get_or_create(practice_id=practice_id)
    return policy


def users_for_tier(tier: str, patient: PatientProfile, policy: AlertPolicy) -> list[User]:
    members = CareTeamMember.objects.filter(patient=patient, user__is_active=True).select_related("user")
    if tier == "primary_clinician":
        return [m.user for m in members if m.role == CareTeamRole.PRIMARY_CLINICIAN]
    if tier == "care_team":
        return [m.user for m in members]
    if tier == "on_call":
        assigned = [m.user for m in members if m.role == CareTeamRole.ON_CALL]
        return assigned + [u for u in policy.on_call.filter(is_active=True) if u not in assigned]
    if tier == "supervisor":
        assigned = [m.user for m in members if m.role == CareTeamRole.SUPERVISOR]
        return assigned + [u for u in policy.supervisors.filter(is_active=True) if u not in assigned]
    raise ValueError(f"unknown tier {tier!r}")


def recipients(tiers: list[str], patient: PatientProfile, policy: AlertPolicy) -> list[tuple[User, str]]:
    """(user, first tier that includes them), each user once, in tier order."""
    seen, out = set(), []
    for tier in tiers:
        for user in users_for_tier(tier, patient, policy):
            if user.pk not in seen and user.practice_id == patient.practice_id:
                seen.add(user.pk)
                out.append((user, tier))
    return out
