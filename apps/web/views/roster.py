"""My patients: the roster selector, scoped and read-audited like the API."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views import View

from apps.checkins.selectors.roster import roster_for
from apps.web.access import StaffPageMixin, audited_read
from apps.web.views.auth import home_for


class HomeView(View):
    def get(self, request):
        if not request.user.is_authenticated:
            return redirect("web:login")
        return redirect(home_for(request.user))


class RosterView(StaffPageMixin, View):
    def get(self, request):
        search = request.GET.get("q", "")[:100]
        only_alerts = request.GET.get("alerts") == "1"
        rows = roster_for(user=request.user, search=search, only_with_alerts=only_alerts)
        audited_read(request.user, rows, object_type="patient", data_category="roster", patient_field="")
        context = {"rows": rows, "q": search, "only_alerts": only_alerts, "nav": "roster"}
        if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "roster-rows":
            return render(request, "web/partials/roster_rows.html", {**context, "partial": True})
        return render(request, "web/roster.html", context)
