"""The signed-in clinician's own settings: live-session cues (opt-in, off by default)."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views import View

from apps.notes.models import LiveCuePreference
from apps.notes.services.live import live_cues_set
from apps.web.access import StaffPageMixin


class AccountView(StaffPageMixin, View):
    template_name = "web/account.html"

    def get(self, request):
        enabled = LiveCuePreference.objects.filter(user=request.user, cues_enabled=True).exists()
        saved = request.session.pop("web_account_saved", False)
        context = {"live_cues": enabled, "saved": saved, "can_set": request.user.is_care_staff, "nav": "account"}
        return render(request, self.template_name, context)

    def post(self, request):
        if request.user.is_care_staff:
            live_cues_set(actor=request.user, enabled=request.POST.get("live_cues") == "on")
            request.session["web_account_saved"] = True
        return redirect("web:account")
