"""Safety plans (versioned, owned by the patient, built with the care team) and the coping log."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.db.models import Max

from apps.accounts.models import PatientProfile, User
from apps.audit.services import AuditAction, audit_log
from apps.core.errors import Forbidden
from apps.core.offline import already_submitted, check_occurred_at, local_date_of
from apps.plans.models import SAFETY_PLAN_SECTIONS, CopingLog, SafetyPlan

CATEGORY = "safety_plan"


def safety_plan_save(*, actor: User, patient: PatientProfile, content: dict[str, list]) -> SafetyPlan:
    """A new version. The patient and their care team may both write it (built together, owned by the patient)."""
    if not (actor.is_patient or actor.is_care_staff):
        raise Forbidden("Only the patient and their care team edit the safety plan.")
    clean = {key: [item for item in content.get(key, []) if item] for key in SAFETY_PLAN_SECTIONS}
    return plan_version_save(
        SafetyPlan, actor=actor, patient=patient, content=clean, object_type="safety_plan", category=CATEGORY
    )


def safety_plan_acknowledge(*, actor: User, plan: SafetyPlan) -> SafetyPlan:
    return plan_version_acknowledge(actor=actor, plan=plan, object_type="safety_plan", category=CATEGORY)


# --- shared by the safety plan and the treatment plan ------------------------------------------------
def plan_version_save(model, *, actor: User, patient: PatientProfile, content: dict, object_type: str, category: str):
    """The next version of a versioned plan (an earlier version is never edited in place), audited."""
    with transaction.atomic():
        # Serialise saves per patient on the patient row: FOR UPDATE on the plan rows would not hold
        # (Django drops it from an aggregate, and before the first version there is no row to lock).
        PatientProfile.objects.select_for_update().filter(pk=patient.pk).values_list("pk", flat=True).first()
        latest = model.objects.filter(patient=patient).aggregate(v=Max("version"))["v"]
        plan = model.objects.create(patient=patient, version=(latest or 0) + 1, content=content, created_by=actor)
        audit_log(
            actor=actor,
            action=AuditAction.CREATE if plan.version == 1 else AuditAction.UPDATE,
            object_type=object_type,
            object_id=plan.pk,
            patient_id=patient.pk,
            data_category=category,
            detail={"version": plan.version},
        )
    return plan


def plan_version_acknowledge(*, actor: User, plan, object_type: str, category: str):
    """The patient has read this version."""
    from django.utils import timezone

    with transaction.atomic():
        plan.patient_acknowledged_at = timezone.now()
        plan.save(update_fields=["patient_acknowledged_at"])
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type=object_type,
            object_id=plan.pk,
            patient_id=plan.patient_id,
            data_category=category,
            detail={"acknowledged": plan.version},
        )
    return plan


def coping_entry_log(
    *,
    actor: User,
    patient: PatientProfile,
    id: uuid.UUID,
    kind: str,
    strategy: str,  # noqa: A002
    occurred_at: dt.datetime,
    timezone: str,
    helped: int | None = None,
    note: str = "",
) -> tuple[CopingLog, bool]:
    existing = already_submitted(CopingLog, id, patient)
    if existing is not None:
        return existing, False
    check_occurred_at(occurred_at)
    with transaction.atomic():
        entry = CopingLog.objects.create(
            id=id,
            patient=patient,
            kind=kind,
            strategy=strategy,
            occurred_at=occurred_at,
            timezone=timezone,
            local_date=local_date_of(occurred_at, timezone),
            helped=helped,
            note=note,
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="coping_log",
            object_id=entry.pk,
            patient_id=patient.pk,
            data_category="coping",
            detail={"kind": kind},
        )
    return entry, True
