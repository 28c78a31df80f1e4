"""The practice admin's break-glass review queue: every emergency opening of a record, what was read
under it, and the admin's outcome (the same services as ``/api/v1/break-glass/``)."""

from __future__ import annotations

from django.http import Http404
from django.views import View

from apps.accounts.selectors import break_glass_grants_list, break_glass_reads_list
from apps.accounts.services.break_glass import (
    REVIEW_OUTCOMES,
    break_glass_review,
)
from apps.core.errors import Invalid, ServiceError
from apps.web.views.admin import AdminPageMixin


class BreakGlassQueueView(AdminPageMixin, View):
    section = "break_glass"

    def get(self, request, errors=None, status=200):
        grants = list(break_glass_grants_list(request.user)[:200])
        context = {
            "grants": [(grant, break_glass_reads_list(grant)) for grant in grants],
            "outcomes": [value for value, _ in REVIEW_OUTCOMES],
            "errors": errors or {},
            "message": request.session.pop("web_admin_message", ""),
        }
        return self.page(request, "web/admin/break_glass.html", context, status=status)


class BreakGlassReviewView(AdminPageMixin, View):
    def post(self, request, pk):
        grant = break_glass_grants_list(request.user).filter(pk=pk).first()
        if grant is None:
            raise Http404
        try:
            break_glass_review(
                actor=request.user,
                grant=grant,
                outcome=request.POST.get("outcome", ""),
                note=request.POST.get("note", ""),
            )
        except Invalid as exc:
            return BreakGlassQueueView().get(request, errors={"non_field_errors": exc.fields["outcome"]}, status=400)
        except ServiceError as exc:
            return BreakGlassQueueView().get(request, errors={"non_field_errors": [exc.message]}, status=400)
        return self.done(request, "web:practice-break-glass", "saved")
