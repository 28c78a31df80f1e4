"""The door's functions: resolve a patient or rows through the caller's scope, and record the read.

Invariants (security-relevant; tests in tests/apps/accounts/test_door.py and tests/apps/accounts/test_scoping.py):

- Every patient-data read resolves the patient through ``patient_for`` (a patient named in the URL) or
  ``own_patient`` (the caller's own record, the ``/me/…`` pages), and every row through ``scoped``.
  These filter through ``apps.accounts.scoping.patients_visible_to``; a patient outside the caller's
  scope raises ``Http404``, exactly like one that does not exist.
- A read of a patient the caller sees only through a break-glass grant names the grant in its event
  (``detail["break_glass_grant"]``), so the review queue can list what was opened under it.
- Every successful read writes ``read`` audit events: ``audited_read`` for rows (one event per patient
  per request naming every object) and ``audited_patient_read`` for pages built from many rows
  (trends, a brief, themes), which names the patient as the object read.

API views get all of this from ``apps.accounts.door.PatientScopedViewSet``, server-rendered class-based
views from ``apps.accounts.door.PatientScopedTemplateMixin``. From a plain function view::

    patient = patient_for(request.user, patient_pk, Purpose.CLINICAL)
    entries = scoped(JournalEntry.objects.filter(shared_with_care_team=True), request.user).filter(
        patient=patient
    )
    audited_read(request.user, entries, object_type="journal_entry", data_category="journal")
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import PatientProfile, User
from apps.accounts.scoping import Purpose, break_glass_grants_of, patients_visible_to, scope_queryset
from apps.audit.services import AuditAction, audit_log, audit_reads

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def patient_for(
    user: User | None, pk: Any, purpose: Purpose = Purpose.CLINICAL, *, method: str = "GET"
) -> PatientProfile:
    """The patient ``pk`` if ``user`` may see them for ``purpose``; otherwise ``Http404``.

    ``method`` is the request's: a break-glass grant opens the record for reading only, so any other
    method on a patient the caller sees only through a grant is refused (403: they know it exists)."""
    patient = patients_visible_to(user, purpose).filter(pk=pk).first() if _is_uuid_like(pk) else None
    if patient is None:
        raise Http404("No such patient.")
    if method not in SAFE_METHODS and str(patient.pk) in break_glass_grants_of(user):
        raise PermissionDenied("Emergency access is read-only.")
    return patient


def own_patient(user: User | None) -> PatientProfile:
    """The caller's own patient record (``/me/…``); ``Http404`` for anyone who is not a patient."""
    patient = patients_visible_to(user, Purpose.CLINICAL).filter(user_id=getattr(user, "pk", None)).first()
    if patient is None:
        raise Http404("No patient record.")
    return patient


def scoped(
    qs: QuerySet,
    user: User | None,
    purpose: Purpose = Purpose.CLINICAL,
    patient_field: str = "patient",
    *,
    method: str = "GET",
) -> QuerySet:
    """``qs`` narrowed to rows of patients ``user`` may see. ``patient_field`` is the path from the
    model to ``PatientProfile`` (``"session__patient"``), or ``""`` when the model *is* the patient.
    For a ``method`` that writes, rows of patients seen only through a break-glass grant are left out
    (a grant is read-only)."""
    if not patient_field:
        qs = qs.filter(pk__in=patients_visible_to(user, purpose).values("id"))
    else:
        qs = scope_queryset(qs, user, purpose, patient_field)
    if method not in SAFE_METHODS:
        granted = list(break_glass_grants_of(user))
        if granted:
            qs = qs.exclude(**{f"{patient_field}__in" if patient_field else "pk__in": granted})
    return qs


def patient_id_of(obj: Any, patient_field: str = "patient") -> Any:
    """The id of the patient ``obj`` belongs to, following ``patient_field`` as in ``scoped``."""
    if not patient_field:
        return obj.pk
    *path, last = patient_field.split("__")
    for step in path:
        obj = getattr(obj, step)
    return getattr(obj, f"{last}_id")


def audited_read(
    user: User | None,
    objects: Iterable[Any],
    *,
    object_type: str,
    data_category: str,
    patient_field: str = "patient",
    patient: PatientProfile | None = None,
) -> list[Any]:
    """Record that ``user`` read ``objects``; returns them as a list (so a queryset runs once).
    Pass ``patient`` when every object is known to be that patient's (saves following the path)."""
    items = list(objects)
    audit_reads(
        actor=user,
        object_type=object_type,
        data_category=data_category,
        rows=[(patient.pk if patient else patient_id_of(o, patient_field), o.pk) for o in items],
        detail_by_patient=_grant_details(user),
    )
    return items


def _grant_details(user: User | None) -> dict[str, dict[str, str]]:
    return {pid: {"break_glass_grant": gid} for pid, gid in break_glass_grants_of(user).items()}


def _with_grant(user: User | None, patient_id: Any, detail: dict[str, Any] | None) -> dict[str, Any]:
    return {**(detail or {}), **_grant_details(user).get(str(patient_id), {})}


def audited_patient_read(
    user: User | None,
    patient: PatientProfile,
    *,
    object_type: str,
    data_category: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record a read of something built from many of one patient's rows (a trend, a brief, themes):
    one event whose object is the patient, so the access log says what was looked at and when."""
    audit_log(
        actor=user,
        action=AuditAction.READ,
        object_type=object_type,
        object_id=patient.pk,
        patient_id=patient.pk,
        data_category=data_category,
        detail=_with_grant(user, patient.pk, detail),
    )


def audited_export(
    user: User | None,
    obj: Any,
    *,
    patient_id: Any,
    object_type: str,
    data_category: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record that ``obj`` left the system as a document (FHIR, PDF): an ``export`` event."""
    audit_log(
        actor=user,
        action=AuditAction.EXPORT,
        object_type=object_type,
        object_id=obj.pk,
        patient_id=patient_id,
        data_category=data_category,
        detail=_with_grant(user, patient_id, detail),
    )


def _is_uuid_like(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
