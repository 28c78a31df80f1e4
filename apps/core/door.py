"""The one door to patient data: scope first, then a read event. For API views and web pages alike.

Invariants (security-relevant; tests in tests/apps/core/test_door.py and tests/apps/accounts/test_scoping.py):

- Every patient-data read resolves the patient through ``patient_for`` (a patient named in the URL) or
  ``own_patient`` (the caller's own record, the ``/me/…`` pages), and every row through ``scoped``.
  These filter through ``apps.accounts.scoping.patients_visible_to``; a patient outside the caller's
  scope raises ``Http404``, exactly like one that does not exist.
- Every successful read writes ``read`` audit events: ``audited_read`` for rows (one event per patient
  per request naming every object) and ``audited_patient_read`` for pages built from many rows
  (trends, a brief, themes), which names the patient as the object read.

API views get all of this from ``apps.core.views_base.PatientScopedViewSet``. Server-rendered pages
use ``PatientScopedTemplateMixin`` below, or, from a plain function view::

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

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import PatientProfile, User
from apps.accounts.scoping import Purpose, patients_visible_to, scope_queryset
from apps.audit.services import AuditAction, audit_log, audit_reads

__all__ = [
    "PatientScopedTemplateMixin",
    "Purpose",
    "audited_export",
    "audited_patient_read",
    "audited_read",
    "own_patient",
    "patient_for",
    "patient_id_of",
    "scoped",
]


def patient_for(user: User | None, pk: Any, purpose: Purpose = Purpose.CLINICAL) -> PatientProfile:
    """The patient ``pk`` if ``user`` may see them for ``purpose``; otherwise ``Http404``."""
    patient = patients_visible_to(user, purpose).filter(pk=pk).first() if _is_uuid_like(pk) else None
    if patient is None:
        raise Http404("No such patient.")
    return patient


def own_patient(user: User | None) -> PatientProfile:
    """The caller's own patient record (``/me/…``); ``Http404`` for anyone who is not a patient."""
    patient = patients_visible_to(user, Purpose.CLINICAL).filter(user_id=getattr(user, "pk", None)).first()
    if patient is None:
        raise Http404("No patient record.")
    return patient


def scoped(
    qs: QuerySet, user: User | None, purpose: Purpose = Purpose.CLINICAL, patient_field: str = "patient"
) -> QuerySet:
    """``qs`` narrowed to rows of patients ``user`` may see. ``patient_field`` is the path from the
    model to ``PatientProfile`` (``"session__patient"``), or ``""`` when the model *is* the patient."""
    if not patient_field:
        return qs.filter(pk__in=patients_visible_to(user, purpose).values("id"))
    return scope_queryset(qs, user, purpose, patient_field)


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
    )
    return items


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
        detail=detail or {},
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
        detail=detail or {},
    )


def _is_uuid_like(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


class PatientScopedTemplateMixin(AccessMixin):
    """For Django class-based views that render one patient's data (the web apps).

    Declare, on the class (a missing declaration is an error when the class is defined)::

        class JournalPage(PatientScopedTemplateMixin, TemplateView):
            template_name = "web/journal.html"
            audit_object_type = "journal_entry"
            audit_data_category = "journal"
            # purpose = Purpose.CLINICAL           (the default)
            # patient_url_kwarg = "patient_pk"     (the default) -- or: me = True for the patient's own pages

            def get_context_data(self, **kwargs):
                entries = self.audited(self.scoped(JournalEntry.objects.filter(shared_with_care_team=True)))
                return super().get_context_data(entries=entries, **kwargs)

    Before the view runs, ``self.patient`` is resolved through the door (an anonymous caller is sent to
    log in; a patient outside scope is a 404). After a successful GET, if the view recorded no read
    itself (``audited``/``audit_patient_read``), the mixin records the patient-level read under the
    declared type, so a page cannot forget its read event.
    """

    purpose: Purpose = Purpose.CLINICAL
    patient_url_kwarg: str = "patient_pk"
    me: bool = False
    audit_object_type: str = ""
    audit_data_category: str = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("abstract"):
            return
        if not (cls.audit_object_type and cls.audit_data_category):
            raise ImproperlyConfigured(
                f"{cls.__name__}: declare audit_object_type and audit_data_category (what a read of this page is)"
            )

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.patient = (
            own_patient(request.user)
            if self.me
            else patient_for(request.user, kwargs[self.patient_url_kwarg], self.purpose)
        )
        self._read_audited = False
        response = super().dispatch(request, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code < 400 and not self._read_audited:
            self.audit_patient_read()
        return response

    def scoped(self, qs: QuerySet, patient_field: str = "patient") -> QuerySet:
        """``qs`` narrowed to this page's patient (and, as always, to the caller's scope)."""
        qs = scoped(qs, self.request.user, self.purpose, patient_field)
        lookup = "pk" if not patient_field else f"{patient_field}_id"
        return qs.filter(**{lookup: self.patient.pk})

    def audited(self, objects: Iterable[Any], *, object_type: str = "", data_category: str = "") -> list[Any]:
        """Record the read of ``objects`` (rows of this patient) and return them as a list."""
        self._read_audited = True
        return audited_read(
            self.request.user,
            objects,
            object_type=object_type or self.audit_object_type,
            data_category=data_category or self.audit_data_category,
            patient=self.patient,
        )

    def audit_patient_read(self, *, object_type: str = "", data_category: str = "", detail=None) -> None:
        self._read_audited = True
        audited_patient_read(
            self.request.user,
            self.patient,
            object_type=object_type or self.audit_object_type,
            data_category=data_category or self.audit_data_category,
            detail=detail,
        )
