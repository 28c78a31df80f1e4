"""The one place that decides which patients a caller may see.

Invariants (security-relevant; see tests/apps/accounts/test_scoping.py):
- A patient sees only their own record.
- Clinicians and care-team members see only patients whose care team lists them.
- Practice admins see patients' administrative records (profile, care team, enrolment) of their
  own practice, but not clinical content unless they are also on that patient's care team.
- Nobody sees another practice's patients: those answer 404 like anything that does not exist.
- The one exception to the care-team rule is break-glass: a clinician or care-team member of the
  same practice holding an unexpired ``BreakGlassGrant`` for a patient sees that patient's clinical
  record until the grant expires (``apps.accounts.services.break_glass``). Reads under a grant carry
  its id in their audit events (``break_glass_grants_of``, used by the door).

Everything that reads patient data filters through ``patients_visible_to``; view code narrows the
result further but never widens it. A deliberate bypass must be named ``dangerously_…``.
"""

from __future__ import annotations

import enum

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.models import BreakGlassGrant, CareTeamMember, PatientProfile, Role, User


class Purpose(enum.Enum):
    CLINICAL = "clinical"  # journals, check-ins, notes, insights, alerts
    ADMINISTRATIVE = "administrative"  # demographics, care team, enrolment, consent state


def patients_visible_to(user: User | None, purpose: Purpose = Purpose.CLINICAL) -> QuerySet[PatientProfile]:
    none = PatientProfile.objects.none()
    if user is None or not user.is_authenticated or not user.is_active or user.practice_id is None:
        return none
    base = PatientProfile.objects.filter(practice_id=user.practice_id)
    roles = user.roles
    if Role.PATIENT in roles:
        return base.filter(user_id=user.id)
    if purpose is Purpose.ADMINISTRATIVE and Role.PRACTICE_ADMIN in roles:
        return base
    if roles & {Role.CLINICIAN, Role.CARE_TEAM}:
        assigned = CareTeamMember.objects.filter(user_id=user.id).values("patient_id")
        if purpose is not Purpose.CLINICAL:
            return base.filter(id__in=assigned)
        granted = _active_grants(user).values("patient_id")
        return base.filter(Q(id__in=assigned) | Q(id__in=granted))
    return none


def _active_grants(user: User) -> QuerySet[BreakGlassGrant]:
    return BreakGlassGrant.objects.filter(
        user_id=user.id, practice_id=user.practice_id, expires_at__gt=timezone.now(), ended_at__isnull=True
    )


def break_glass_grants_of(user: User | None) -> dict[str, str]:
    """{patient id: grant id} for the patients ``user`` sees only through an unexpired break-glass
    grant (not on their care team): the door names the grant in every read event for those patients."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_care_staff:
        return {}
    assigned = CareTeamMember.objects.filter(user_id=user.id).values("patient_id")
    rows = _active_grants(user).exclude(patient_id__in=assigned).values_list("patient_id", "id")
    return {str(patient_id): str(grant_id) for patient_id, grant_id in rows}


def scope_queryset(qs: QuerySet, user: User | None, purpose: Purpose, patient_field: str = "patient") -> QuerySet:
    """Narrow any queryset of patient-owned rows to what ``user`` may see."""
    visible = patients_visible_to(user, purpose).values("id")
    return qs.filter(**{f"{patient_field}__in": visible})
