"""How the patient app's pages reach patient data: the caller's own record, through the scope that
the API uses, with a read event for every page that shows PHI.

Invariants: ``own_patient`` resolves the record through ``apps.accounts.scoping.patients_visible_to``
(a non-patient, or an inactive account, gets ``Http404``); every GET that shows patient data calls
``audited_read`` (rows) or ``audited_patient_read`` (a page built from many rows) before rendering.
The names and signatures match the one-door module of issue 11 so the pages switch to it unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import Http404

from apps.accounts.models import PatientProfile, User
from apps.accounts.scoping import Purpose, patients_visible_to
from apps.audit.services import AuditAction, audit_log, audit_reads


def own_patient(user: User | None) -> PatientProfile:
    patient = (
        patients_visible_to(user, Purpose.CLINICAL)
        .filter(user_id=getattr(user, "pk", None))
        .select_related("practice")
        .first()
    )
    if patient is None:
        raise Http404("No patient record.")
    return patient


def audited_read(
    user: User, objects: Iterable[Any], *, object_type: str, data_category: str, patient: PatientProfile
) -> list[Any]:
    items = list(objects)
    audit_reads(
        actor=user, object_type=object_type, data_category=data_category, rows=[(patient.pk, o.pk) for o in items]
    )
    return items


def audited_patient_read(user: User, patient: PatientProfile, *, object_type: str, data_category: str) -> None:
    audit_log(
        actor=user,
        action=AuditAction.READ,
        object_type=object_type,
        object_id=patient.pk,
        patient_id=patient.pk,
        data_category=data_category,
    )
