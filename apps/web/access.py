"""How the web app's pages reach patient data: through the one door (``apps.accounts.door``).

``StaffPageMixin`` lets in signed-in care staff and practice admins (anyone else gets the 404 page, like
anything outside their scope). Patients are resolved with the door's ``patient_for`` (scope, 404
outside it), rows with ``scoped``, and reads are recorded with ``audited_read`` /
``audited_patient_read`` -- the same events the API writes.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.utils import timezone

from apps.accounts.door import audited_patient_read, audited_read, patient_for, scoped
from apps.accounts.models import User

__all__ = ["StaffPageMixin", "audited_patient_read", "audited_read", "is_staff_user", "patient_for", "scoped"]


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
