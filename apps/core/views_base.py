"""Base views for patient data: scoping and read-auditing that subclasses cannot forget.

Subclasses provide ``get_base_queryset()`` (what the endpoint lists, before scoping) and may
narrow it; ``get_queryset()`` is final and always applies ``scope_queryset``. Objects outside the
caller's scope are simply absent, so they answer 404 (never 403 with hints).

Every successful list/retrieve of PHI emits a ``read`` audit event for each patient whose data was
returned (naming the objects); writes are audited by the services they call, inside the write's transaction.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import get_object_or_404
from rest_framework import mixins, viewsets
from rest_framework.response import Response

from apps.accounts.models import PatientProfile
from apps.accounts.scoping import Purpose, patients_visible_to, scope_queryset
from apps.audit.services import audit_reads


class PatientScopedViewSet(viewsets.GenericViewSet):
    purpose: Purpose = Purpose.CLINICAL
    patient_field: str = "patient"  # path from the model to PatientProfile ("" when it *is* PatientProfile)
    audit_object_type: str = ""
    audit_data_category: str = ""
    nested_patient_kwarg: str | None = None  # e.g. "patient_pk" for /patients/{patient_pk}/things/

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # DRF's list/retrieve mixins would shadow the audited implementations below.
        for unaudited in (mixins.ListModelMixin, mixins.RetrieveModelMixin):
            if issubclass(cls, unaudited):
                raise ImproperlyConfigured(
                    f"{cls.__name__}: use PatientScopedViewSet's audited list/retrieve, not {unaudited.__name__}"
                )

    def get_base_queryset(self):
        raise ImproperlyConfigured(f"{type(self).__name__} must define get_base_queryset()")

    def get_patient(self) -> PatientProfile:
        """The patient named in the URL, or 404 when the caller may not see them."""
        if not hasattr(self, "_patient"):
            visible = patients_visible_to(self.request.user, self.purpose)
            self._patient = get_object_or_404(visible, pk=self.kwargs[self.nested_patient_kwarg])
        return self._patient

    def get_queryset(self):
        qs = self.get_base_queryset()
        if self.patient_field:
            qs = scope_queryset(qs, self.request.user, self.purpose, self.patient_field)
        else:
            qs = qs.filter(pk__in=patients_visible_to(self.request.user, self.purpose).values("id"))
        if self.nested_patient_kwarg:
            lookup = f"{self.patient_field}_id" if self.patient_field else "pk"
            qs = qs.filter(**{lookup: self.get_patient().pk})
        return qs

    def patient_id_of(self, obj) -> object:
        if not self.patient_field:
            return obj.pk
        return getattr(obj, f"{self.patient_field}_id")

    def audit_reads(self, objects) -> None:
        if self.audit_object_type:
            audit_reads(
                actor=self.request.user,
                object_type=self.audit_object_type,
                data_category=self.audit_data_category,
                rows=[(self.patient_id_of(obj), obj.pk) for obj in objects],
            )

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        items = page if page is not None else list(queryset)
        self.audit_reads(items)
        data = self.get_serializer(items, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        self.audit_reads([instance])
        return Response(self.get_serializer(instance).data)
