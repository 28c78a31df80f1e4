"""Patient records and care-team assignment."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.accounts.models import CareTeamMember, CareTeamRole, PatientProfile, Role, User
from apps.accounts.selectors import care_team_can_manage
from apps.audit.services import AuditAction, audit_log
from apps.core.errors import Conflict, Forbidden, ServiceError

PROFILE_CATEGORY = "profile"
CARE_TEAM_CATEGORY = "care_team"
# Fields a patient may change on their own profile; staff may change all of PATIENT_EDITABLE + clinical ones.
PATIENT_EDITABLE = {"timezone", "preferred_language", "emergency_contact_name", "emergency_contact_phone"}
STAFF_EDITABLE = PATIENT_EDITABLE | {"full_name", "date_of_birth", "crisis_resource_region"}


def _require_staff_of_practice(user: User, practice_id, *, field: str) -> None:
    if user.practice_id != practice_id or not user.is_active or not (user.is_care_staff or user.is_practice_admin):
        raise ServiceError("Must be an active staff member of this practice.", code="invalid_staff", field=field)


def _audit_member(actor: User, member: CareTeamMember, action: str, **detail: Any) -> None:
    audit_log(
        actor=actor,
        action=action,
        object_type="care_team_member",
        object_id=member.pk,
        patient_id=member.patient_id,
        data_category=CARE_TEAM_CATEGORY,
        detail={"staff_id": str(member.user_id), "role": member.role, **detail},
    )


def patient_create(*, actor: User, data: dict[str, Any], primary_clinician: User | None = None) -> PatientProfile:
    """Register a patient (before enrolment). The primary clinician defaults to the creating clinician."""
    if not (actor.is_care_staff or actor.is_practice_admin):
        raise Forbidden("Only clinicians and practice admins can register patients.")
    primary = primary_clinician or (actor if Role.CLINICIAN in actor.roles else None)
    if primary is None:
        raise ServiceError("Choose the patient's primary clinician.", code="required", field="primary_clinician")
    _require_staff_of_practice(primary, actor.practice_id, field="primary_clinician")
    if Role.CLINICIAN not in primary.roles:
        raise ServiceError(
            "The primary clinician must have the clinician role.", code="invalid_staff", field="primary_clinician"
        )
    fields = {k: v for k, v in data.items() if k in STAFF_EDITABLE}
    fields.setdefault("crisis_resource_region", actor.practice.default_crisis_region)
    with transaction.atomic():
        patient = PatientProfile.objects.create(practice_id=actor.practice_id, created_by=actor, **fields)
        member = CareTeamMember.objects.create(
            patient=patient, user=primary, role=CareTeamRole.PRIMARY_CLINICIAN, added_by=actor
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            data_category=PROFILE_CATEGORY,
            detail={"fields": sorted(fields)},
        )
        _audit_member(actor, member, AuditAction.ASSIGN, was=None)
    return patient


def patient_update(*, actor: User, patient: PatientProfile, data: dict[str, Any]) -> PatientProfile:
    allowed = PATIENT_EDITABLE if actor.is_patient else STAFF_EDITABLE
    refused = sorted(set(data) - allowed)
    if refused:
        raise ServiceError(f"You cannot change {', '.join(refused)}.", code="read_only", field=refused[0])
    with transaction.atomic():
        for name, value in data.items():
            setattr(patient, name, value)
        patient.save()
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="patient",
            object_id=patient.pk,
            patient_id=patient.pk,
            data_category=PROFILE_CATEGORY,
            detail={"fields": sorted(data)},
        )
    return patient


def care_team_assign(*, actor: User, patient: PatientProfile, staff: User, role: str) -> CareTeamMember:
    """Add ``staff`` to the care team, or change their role. Making someone primary moves the
    previous primary clinician to the plain ``clinician`` role (there is always exactly one)."""
    if not care_team_can_manage(actor, patient):
        raise Forbidden("Only the primary clinician or a practice admin can change the care team.")
    _require_staff_of_practice(staff, patient.practice_id, field="user")
    if not staff.is_care_staff:
        raise ServiceError(
            "Only clinicians and care-team members can join a care team.", code="invalid_staff", field="user"
        )
    if role == CareTeamRole.PRIMARY_CLINICIAN and Role.CLINICIAN not in staff.roles:
        raise ServiceError("The primary clinician must have the clinician role.", code="invalid_staff", field="role")
    with transaction.atomic():
        if role == CareTeamRole.PRIMARY_CLINICIAN:
            previous = (
                CareTeamMember.objects.select_for_update()
                .filter(patient=patient, role=CareTeamRole.PRIMARY_CLINICIAN)
                .exclude(user=staff)
                .first()
            )
            if previous is not None:
                previous.role = CareTeamRole.CLINICIAN
                previous.save(update_fields=["role"])
                _audit_member(actor, previous, AuditAction.ASSIGN, was=CareTeamRole.PRIMARY_CLINICIAN)
        member, created = CareTeamMember.objects.select_for_update().get_or_create(
            patient=patient, user=staff, defaults={"role": role, "added_by": actor}
        )
        was = None if created else member.role
        if not created and member.role != role:
            if member.role == CareTeamRole.PRIMARY_CLINICIAN:
                raise Conflict("Make another clinician primary first.", code="primary_required", field="role")
            member.role = role
            member.save(update_fields=["role"])
        _audit_member(actor, member, AuditAction.ASSIGN, was=was)
    return member


def care_team_remove(*, actor: User, member: CareTeamMember) -> None:
    patient = member.patient
    if not care_team_can_manage(actor, patient):
        raise Forbidden("Only the primary clinician or a practice admin can change the care team.")
    if member.role == CareTeamRole.PRIMARY_CLINICIAN:
        raise Conflict(
            "A patient always has a primary clinician: make someone else primary first.", code="primary_required"
        )
    with transaction.atomic():
        _audit_member(actor, member, AuditAction.UNASSIGN)
        member.delete()
