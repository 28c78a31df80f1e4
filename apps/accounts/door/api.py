"""The door for API views: ``PatientScopedViewSet`` owns scoping and read-auditing; subclasses cannot
replace either (``apps/accounts/door/pages.py`` is the same door for server-rendered pages).

A subclass says *what* it serves and the base decides *whose*:

- Where the patient comes from. ``nested_patient_kwarg = "patient_pk"`` for ``/patients/{id}/…``;
  ``me = True`` for the patient's own ``/me/…`` (``MyRecordViewSet``); neither for lists across
  every patient the caller may see (the patient list, the alert inbox).
- ``get_base_queryset()``: the rows before scoping. ``get_queryset()`` always scopes them (and pins
  them to the URL's or the caller's patient), then hands them to ``narrow_queryset()``, the hook
  for per-action narrowing. Rows outside scope are absent, so they answer 404, never 403.
- ``audit_object_type`` and ``audit_data_category``: what a read of this endpoint is. Declaring
  them is required; a class without them fails when it is defined (``abstract = True`` in a class
  body exempts an intermediate base).
- ``list_body(items)`` and ``object_body(obj)``: the hooks that shape list and retrieve responses.

``initial`` (staff endpoints need a staff role: a patient gets 404, even for their own id),
``get_queryset``, ``get_object``, ``get_patient``, ``list``, ``retrieve`` and ``finalize_response`` are
final: defining one in a subclass (or mixing in DRF's unaudited list/retrieve mixins) fails at import.
``list`` and ``retrieve`` write one ``read`` event per patient naming every object returned. Custom
actions record their reads with ``audit_read``/``audit_patient_read``; a successful GET that recorded
none gets the patient-level read from ``finalize_response``, so no GET goes unaudited.

The escape hatch is ``dangerously_unaudited = {"action": "why"}``: GET actions that serve no PHI (a
job's status) and are exempt from the read event. ``tests/apps/accounts/test_door.py`` lists every use.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from rest_framework import mixins, viewsets
from rest_framework.response import Response

import apps.accounts.door.access as door
from apps.accounts.models import PatientProfile
from apps.accounts.scoping import Purpose
from apps.core.permissions import IsPatient

FINAL_METHODS = ("initial", "get_queryset", "get_object", "get_patient", "list", "retrieve", "finalize_response")
READ_METHODS = ("GET", "HEAD")

# Every class that uses an escape hatch, for the test that lists them: {class path: {action: reason}}.
DANGEROUS_USES: dict[str, dict[str, str]] = {}


class PatientScopedViewSet(viewsets.GenericViewSet):
    purpose: Purpose = Purpose.CLINICAL
    patient_field: str = "patient"  # path from the model to PatientProfile ("" when it *is* PatientProfile)
    nested_patient_kwarg: str | None = None  # e.g. "patient_pk" for /patients/{patient_pk}/things/
    me: bool = False  # the caller's own record (/me/…)
    audit_object_type: str = ""
    audit_data_category: str = ""
    dangerously_unaudited: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # DRF's list/retrieve mixins would shadow the audited implementations below.
        for unaudited in (mixins.ListModelMixin, mixins.RetrieveModelMixin):
            if issubclass(cls, unaudited):
                raise ImproperlyConfigured(
                    f"{cls.__name__}: use PatientScopedViewSet's audited list/retrieve, not {unaudited.__name__}"
                )
        for klass in cls.__mro__:
            if klass is PatientScopedViewSet:
                break
            overridden = [name for name in FINAL_METHODS if name in klass.__dict__]
            if overridden:
                raise ImproperlyConfigured(
                    f"{cls.__name__}: {', '.join(overridden)} belong to the door; narrow with narrow_queryset() "
                    "and shape responses with list_body()/object_body()"
                )
        if cls.me and cls.nested_patient_kwarg:
            raise ImproperlyConfigured(f"{cls.__name__}: a view is either /me/… or /patients/{{id}}/…, not both")
        if cls.__dict__.get("abstract"):
            return
        if not (cls.audit_object_type and cls.audit_data_category):
            raise ImproperlyConfigured(
                f"{cls.__name__}: declare audit_object_type and audit_data_category (what a read here is)"
            )
        if cls.dangerously_unaudited:
            DANGEROUS_USES[f"{cls.__module__}.{cls.__qualname__}"] = dict(cls.dangerously_unaudited)

    # --- hooks for subclasses --------------------------------------------------------------------
    def get_base_queryset(self):
        raise ImproperlyConfigured(f"{type(self).__name__} lists no rows: define get_base_queryset() to list")

    def narrow_queryset(self, queryset):
        """Narrow the scoped rows for this action (filters, hidden rows). Never widens: it only ever
        receives rows that are already in scope."""
        return queryset

    def list_body(self, items: list) -> Any:
        return self.get_serializer(items, many=True).data

    def object_body(self, obj) -> Any:
        return self.get_serializer(obj).data

    # --- the door (final) -------------------------------------------------------------------------
    def initial(self, request, *args, **kwargs):
        """Staff endpoints that name a record (``/patients/{id}/…``, ``/alerts/{id}/…``) need a staff
        role. A signed-in patient -- even for their own id -- gets the 404 any unseen record gets: their own
        view is ``/me/…``, which applies the practice's settings (themes, no word of alerts). The
        anonymous caller falls through to the permission check (401)."""
        user = request.user
        names_a_record = bool(self.kwargs)  # /patients/{id}/…, /alerts/{id}/…; lists without an id keep their 403
        staff = user.is_authenticated and (user.is_care_staff or user.is_practice_admin)
        if not self.me and names_a_record and user.is_authenticated and not staff:
            raise Http404("No such patient.")
        super().initial(request, *args, **kwargs)

    def get_patient(self) -> PatientProfile:
        """The patient in the URL (or the caller, for /me/…), or 404 when the caller may not see them."""
        if not hasattr(self, "_patient"):
            if self.me:
                self._patient = door.own_patient(self.request.user)
            elif self.nested_patient_kwarg:
                self._patient = door.patient_for(
                    self.request.user, self.kwargs[self.nested_patient_kwarg], self.purpose, method=self.request.method
                )
            else:
                raise ImproperlyConfigured(f"{type(self).__name__} is not about one patient")
        return self._patient

    def _one_patient(self) -> bool:
        return bool(self.me or self.nested_patient_kwarg)

    def get_queryset(self):
        qs = self.get_base_queryset()
        if getattr(self, "swagger_fake_view", False):
            return qs.none()
        qs = door.scoped(qs, self.request.user, self.purpose, self.patient_field, method=self.request.method)
        if self._one_patient():
            lookup = f"{self.patient_field}_id" if self.patient_field else "pk"
            qs = qs.filter(**{lookup: self.get_patient().pk})
        return self.narrow_queryset(qs)

    def get_object(self):
        return super().get_object()

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        items = self.audit_read(page if page is not None else queryset)
        body = self.list_body(items)
        return self.get_paginated_response(body) if page is not None else Response(body)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        self.audit_read([instance])
        return Response(self.object_body(instance))

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            request.method in READ_METHODS
            and 200 <= response.status_code < 300
            and not getattr(self, "_read_audited", False)
            and getattr(self, "action", None) not in self.dangerously_unaudited
        ):
            if not self._one_patient():
                raise ImproperlyConfigured(f"{type(self).__name__}.{self.action} answered a read without auditing it")
            self.audit_patient_read(detail={"action": self.action})
        return response

    # --- read events for custom actions -----------------------------------------------------------
    def audit_read(self, objects, *, object_type: str = "", data_category: str = "") -> list:
        """Record the read of ``objects`` (rows this view served); returns them as a list."""
        self._read_audited = True
        return door.audited_read(
            self.request.user,
            objects,
            object_type=object_type or self.audit_object_type,
            data_category=data_category or self.audit_data_category,
            patient_field=self.patient_field,
            patient=self.get_patient() if self._one_patient() else None,
        )

    def audit_patient_read(self, *, object_type: str = "", data_category: str = "", detail=None) -> None:
        """Record the read of something built from many of this patient's rows (trends, a brief)."""
        self._read_audited = True
        door.audited_patient_read(
            self.request.user,
            self.get_patient(),
            object_type=object_type or self.audit_object_type,
            data_category=data_category or self.audit_data_category,
            detail=detail,
        )

    def audit_export(self, obj, *, object_type: str = "", data_category: str = "", detail=None) -> None:
        """Record that ``obj`` left as a document (FHIR, PDF); counts as this request's read."""
        self._read_audited = True
        door.audited_export(
            self.request.user,
            obj,
            patient_id=self.get_patient().pk if self._one_patient() else door.patient_id_of(obj, self.patient_field),
            object_type=object_type or self.audit_object_type,
            data_category=data_category or self.audit_data_category,
            detail=detail,
        )


class MyRecordViewSet(PatientScopedViewSet):
    """The patient's own record (``/me/…``): the same door, with the caller as the patient."""

    abstract = True
    me = True
    permission_classes = [IsPatient]
