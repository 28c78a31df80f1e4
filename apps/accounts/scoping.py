"""The one place that decides which patients a caller may see.

Invariants (security-relevant; see tests/apps/accounts/test_scoping.py):
- A patient sees only their own record.
- Clinicians and care-team members see only patients whose care team lists them.
- Practice admins see patients' administrative records (profile, care team, enrolment) of their
  own practice, but not clinical content unless they are also on that patient's care team.
- Nobody sees another practice's patients: those answer 404 like anything that does not exist.

Everything that reads patient data filters through ``patients_visible_to``; view code narrows the
result further but never widens it. A deliberate bypass must be named ``dangerously_…``.
"""

from __future__ import annotations

import enum

from django.db.models import QuerySet

from apps.accounts.models import CareTeamMember, PatientProfile, Role, User


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
        return base.filter(id__in=assigned)
    return none


def scope_queryset(qs: QuerySet, user: User | None, purpose: Purpose, patient_field: str = "patient") -> QuerySet:
    """Narrow any queryset of patient-owned rows to what ``user`` may see."""
    visible = patients_visible_to(user, purpose).values("id")
    return qs.filter(**{f"{patient_field}__in": visible})
