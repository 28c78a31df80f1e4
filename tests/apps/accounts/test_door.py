"""The door cannot be bypassed by accident: final methods, required read-audit declarations, the
read-event safety net, the template-view mixin, and the list of every deliberate escape hatch."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver
from django.views import View
from rest_framework import mixins
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from apps.accounts.door import (
    MyRecordViewSet,
    PatientScopedTemplateMixin,
    PatientScopedViewSet,
    audited_read,
    own_patient,
    patient_for,
    scoped,
)
from apps.accounts.door.api import DANGEROUS_USES, FINAL_METHODS
from apps.audit.models import AuditAction, AuditEvent
from apps.journals.models import JournalEntry
from tests.apps.journals.factories import make_text_entry


@pytest.mark.parametrize("method", FINAL_METHODS)
def test_a_subclass_cannot_replace_the_doors_methods(method):
    with pytest.raises(ImproperlyConfigured, match=method):
        type("Sneaky", (PatientScopedViewSet,), {method: lambda self, *a, **k: None, "audit_object_type": "x"})


def test_a_mixin_cannot_smuggle_a_replacement_in_either():
    class Widening:
        def get_queryset(self):
            return JournalEntry.objects.all()

    with pytest.raises(ImproperlyConfigured, match="get_queryset"):

        class Sneaky(Widening, PatientScopedViewSet):
            audit_object_type = "journal_entry"
            audit_data_category = "journal"


@pytest.mark.parametrize("mixin", [mixins.ListModelMixin, mixins.RetrieveModelMixin])
def test_drfs_unaudited_list_and_retrieve_are_refused(mixin):
    with pytest.raises(ImproperlyConfigured, match=mixin.__name__):
        type("Unaudited", (mixin, PatientScopedViewSet), {"audit_object_type": "x", "audit_data_category": "y"})


def test_a_view_without_a_read_audit_declaration_does_not_import():
    with pytest.raises(ImproperlyConfigured, match="audit_object_type"):

        class Silent(PatientScopedViewSet):
            nested_patient_kwarg = "patient_pk"

    class Base(PatientScopedViewSet):  # an intermediate base may leave it to its subclasses
        abstract = True

    with pytest.raises(ImproperlyConfigured):

        class Concrete(Base):
            pass


def test_a_view_is_either_me_or_nested():
    with pytest.raises(ImproperlyConfigured, match="not both"):

        class Both(MyRecordViewSet):
            nested_patient_kwarg = "patient_pk"
            audit_object_type = "x"
            audit_data_category = "y"


def test_every_escape_hatch_is_listed_here():
    """Adding a ``dangerously_…`` use means adding it here, where review sees it."""
    assert get_resolver().url_patterns  # importing the URLconf imports every view module
    assert DANGEROUS_USES == {
        "apps.journals.api.MyJournalViewSet": {
            "status": "the processing state only (no PHI); the app polls it while a job runs"
        },
        "apps.privacy.api.MyExportViewSet": {
            "exports": "the export jobs' state and progress only (no PHI); the app polls it"
        },
    }


def _views(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _views(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern).removeprefix("^").removesuffix("$")  # a router's routes are regexes
            yield route, getattr(p.callback, "cls", None) or getattr(p.callback, "view_class", None)


NOT_PATIENT_DATA = {
    # the caller's own account (roles, practice, their patient id), not a patient record
    "api/v1/me/",
}


def test_every_route_with_patient_data_goes_through_the_door():
    routes = [
        (route, cls)
        for route, cls in _views(get_resolver().url_patterns)
        if route.startswith(("api/v1/patients/", "api/v1/me/", "api/v1/alerts/")) and route not in NOT_PATIENT_DATA
    ]
    assert len(routes) > 60
    outside = [route for route, cls in routes if not (cls and issubclass(cls, PatientScopedViewSet))]
    assert outside == []


# --- the read-event safety net -------------------------------------------------------------------
class _Forgetful(PatientScopedViewSet):
    nested_patient_kwarg = "patient_pk"
    audit_object_type = "probe"
    audit_data_category = "probe"

    def peek(self, request, *args, **kwargs):
        self.get_patient()
        return Response({"ok": True})


def test_a_get_that_recorded_no_read_gets_the_patient_level_read(personas):
    view = _Forgetful.as_view({"get": "peek"})
    request = APIRequestFactory().get("/x/")
    force_authenticate(request, user=personas.clinician)
    response = view(request, patient_pk=personas.patient_profile.pk)
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.READ, object_type="probe")
    assert (event.patient_id, event.detail) == (personas.patient_profile.pk, {"action": "peek"})


def test_a_refused_get_records_nothing(personas):
    view = _Forgetful.as_view({"get": "peek"})
    request = APIRequestFactory().get("/x/")
    force_authenticate(request, user=personas.outsider)
    assert view(request, patient_pk=personas.patient_profile.pk).status_code == 404
    assert not AuditEvent.objects.filter(object_type="probe").exists()


# --- the door's functions, for plain Django views ---------------------------------------------------
def test_patient_for_and_own_patient_answer_404_outside_scope(personas):
    assert patient_for(personas.clinician, personas.patient_profile.pk) == personas.patient_profile
    for who in (personas.outsider, personas.unassigned_clinician, personas.admin, AnonymousUser()):
        with pytest.raises(Http404):
            patient_for(who, personas.patient_profile.pk)
    with pytest.raises(Http404):
        patient_for(personas.clinician, "not-a-uuid")
    assert own_patient(personas.patient) == personas.patient_profile
    with pytest.raises(Http404):
        own_patient(personas.clinician)


def test_scoped_and_audited_read_from_a_plain_view(personas):
    make_text_entry(personas.patient_profile, shared=True)
    make_text_entry(personas.outsider_patient_profile, shared=True)
    assert scoped(JournalEntry.objects.all(), personas.outsider).get().patient == personas.outsider_patient_profile
    rows = audited_read(
        personas.clinician, scoped(JournalEntry.objects.all(), personas.clinician), object_type="j", data_category="c"
    )
    assert [r.patient_id for r in rows] == [personas.patient_profile.pk]
    assert AuditEvent.objects.get(object_type="j").patient_id == personas.patient_profile.pk


# --- server-rendered pages -------------------------------------------------------------------------
class _JournalPage(PatientScopedTemplateMixin, View):
    audit_object_type = "journal_entry"
    audit_data_category = "journal"

    def get(self, request, *args, **kwargs):
        entries = self.audited(self.scoped(JournalEntry.objects.all()))
        return HttpResponse(f"{len(entries)} entries for {self.patient.pk}")


class _SummaryPage(PatientScopedTemplateMixin, View):
    me = True
    audit_object_type = "summary"
    audit_data_category = "checkin"

    def get(self, request, *args, **kwargs):
        return HttpResponse("ok")


def _get(view, user, **kwargs):
    request = RequestFactory().get("/page/")
    request.user = user
    return view.as_view()(request, **kwargs)


def test_a_template_view_reaches_only_scoped_patients_and_records_the_read(personas):
    entry = make_text_entry(personas.patient_profile, shared=True)
    response = _get(_JournalPage, personas.clinician, patient_pk=personas.patient_profile.pk)
    assert response.status_code == 200 and response.content.startswith(b"1 entries")
    event = AuditEvent.objects.get(action=AuditAction.READ, object_type="journal_entry")
    assert (event.patient_id, event.object_id) == (personas.patient_profile.pk, str(entry.pk))
    for outsider in (personas.outsider, personas.unassigned_clinician):
        with pytest.raises(Http404):
            _get(_JournalPage, outsider, patient_pk=personas.patient_profile.pk)


def test_a_template_view_that_forgets_its_read_still_records_one(personas):
    assert _get(_SummaryPage, personas.patient).status_code == 200
    assert AuditEvent.objects.get(object_type="summary").patient_id == personas.patient_profile.pk
    with pytest.raises(Http404):
        _get(_SummaryPage, personas.clinician)


def test_an_anonymous_visitor_is_sent_to_log_in(db):
    response = _get(_SummaryPage, AnonymousUser())
    assert response.status_code == 302


def test_a_template_view_without_a_read_audit_declaration_does_not_import():
    with pytest.raises(ImproperlyConfigured, match="audit_object_type"):

        class Silent(PatientScopedTemplateMixin, View):
            pass
