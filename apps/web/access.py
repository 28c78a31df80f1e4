"""How template views reach patient data: the same scope and read audit as the API.

``StaffPageMixin`` lets in signed-in care staff and practice admins (everyone else gets the 404
page, like anything outside their scope). ``visible_patient`` is the API's rule
(``patients_visible_to``) for one patient, and ``audit_page_reads`` writes the same read events as
the API's base view (one per patient per request, naming every object shown).
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.accounts.models import PatientProfile, User
from apps.accounts.scoping import Purpose, patients_visible_to
from apps.audit.services import audit_reads


def is_staff_user(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_care_staff or user.is_practice_admin))


class StaffPageMixin(LoginRequiredMixin):
    """Signed-in care staff and practice admins; times are shown in the practice's time zone."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            if not is_staff_user(request.user):
                raise Http404
            timezone.activate(request.user.practice.timezone)
        return super().dispatch(request, *args, **kwargs)


def visible_patient(user: User, patient_id, purpose: Purpose = Purpose.CLINICAL) -> PatientProfile:
    """The patient, or 404 when the caller may not see them for ``purpose``."""
    return get_object_or_404(patients_visible_to(user, purpose), pk=patient_id)


def audit_page_reads(user: User, *, object_type: str, data_category: str, rows) -> None:
    audit_reads(actor=user, object_type=object_type, data_category=data_category, rows=rows)
