"""The door for server-rendered pages (the clinician web app, the patient PWA)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

from apps.accounts.door.access import audited_patient_read, audited_read, own_patient, patient_for, scoped
from apps.accounts.scoping import Purpose


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
            else patient_for(request.user, kwargs[self.patient_url_kwarg], self.purpose, method=request.method)
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
