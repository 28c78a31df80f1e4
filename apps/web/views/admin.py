"""Practice admin: staff and roles, practice settings, alert policy, note templates, the audit trail
and the chain verification status. Practice admins only (others get the 404 page); the same
serializers validate and the same services change state and audit as in the API."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect
from django.views import View

from apps.accounts.models import STAFF_ACCOUNT_ROLE_CHOICES, Role, User
from apps.accounts.serializers import PracticeSerializer, StaffSerializer
from apps.accounts.services.mfa import mfa_reset
from apps.accounts.services.staff import practice_update, staff_create
from apps.alerts.api import PolicySerializer
from apps.alerts.models import Severity
from apps.alerts.routing import policy_for
from apps.audit.models import AuditAction
from apps.audit.selectors import audit_chain_verify, audit_events_for_practice
from apps.audit.serializers import AuditFilterSerializer
from apps.audit.services import audit_log
from apps.core.errors import ServiceError
from apps.notes.services import templates_for
from apps.web.access import StaffPageMixin
from apps.web.views.sessions import _errors

TIERS = ["primary_clinician", "care_team", "on_call", "supervisor"]
AUDIT_PAGE = 100
PRACTICE_FLAGS = ("keep_journal_audio", "risk_screen_unshared_journals", "show_patient_themes", "require_staff_mfa")


class AdminPageMixin(StaffPageMixin):
    section = "settings"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_practice_admin:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def page(self, request, template: str, context: dict, status: int = 200):
        from django.shortcuts import render

        base = {"nav": "practice", "section": self.section, "practice": request.user.practice}
        return render(request, template, {**base, **context}, status=status)

    def done(self, request, name: str, message: str):
        request.session["web_admin_message"] = message
        return redirect(name)


class PracticeSettingsView(AdminPageMixin, View):
    def get(self, request, errors=None, status=200):
        message = request.session.pop("web_admin_message", "")
        context = {"errors": errors or {}, "message": message, "flags": PRACTICE_FLAGS}
        return self.page(request, "web/admin/settings.html", context, status=status)

    def post(self, request):
        payload = {flag: request.POST.get(flag) == "on" for flag in PRACTICE_FLAGS}
        for field in ("name", "timezone", "default_crisis_region"):
            if request.POST.get(field):
                payload[field] = request.POST[field]
        data = PracticeSerializer(request.user.practice, data=payload, partial=True)
        if not data.is_valid():
            return self.get(request, errors=_errors(data), status=400)
        practice_update(actor=request.user, practice=request.user.practice, data=dict(data.validated_data))
        return self.done(request, "web:practice", "saved")


class StaffView(AdminPageMixin, View):
    section = "staff"

    def get(self, request, errors=None, status=200):
        staff = (
            User.objects.filter(practice_id=request.user.practice_id)
            .exclude(memberships__role=Role.PATIENT)
            .prefetch_related("memberships")
            .select_related("mfa")
            .order_by("username")
        )
        context = {
            "staff": staff,
            "roles": STAFF_ACCOUNT_ROLE_CHOICES,
            "errors": errors or {},
            "posted": request.POST if errors else {},
            "message": request.session.pop("web_admin_message", ""),
        }
        return self.page(request, "web/admin/staff.html", context, status=status)

    def post(self, request):
        payload = {k: request.POST.get(k, "") for k in ("username", "display_name", "email", "password", "title")}
        payload["roles"] = request.POST.getlist("roles")
        data = StaffSerializer(data=payload)
        if not data.is_valid():
            return self.get(request, errors=_errors(data), status=400)
        try:
            staff_create(actor=request.user, **data.validated_data)
        except ServiceError as exc:
            return self.get(request, errors={exc.field or "non_field_errors": [exc.message]}, status=400)
        return self.done(request, "web:practice-staff", "created")


class StaffMfaResetView(AdminPageMixin, View):
    """A lost phone: remove a staff member's authenticator (audited); they set up a new one at sign-in."""

    def post(self, request, pk):
        staff = User.objects.filter(pk=pk, practice_id=request.user.practice_id).first()
        if staff is None:
            raise Http404
        try:
            mfa_reset(actor=request.user, user=staff)
        except ServiceError as exc:
            return StaffView().get(request, errors={"non_field_errors": [exc.message]}, status=400)
        return self.done(request, "web:practice-staff", "mfa_reset")


class AlertPolicyView(AdminPageMixin, View):
    section = "alert_policy"

    def get(self, request, errors=None, status=200):
        policy = policy_for(request.user.practice_id)
        context = {
            "policy": policy,
            "severities": [Severity.URGENT, Severity.HIGH, Severity.ROUTINE],
            "tiers": TIERS,
            "errors": errors or {},
            "message": request.session.pop("web_admin_message", ""),
        }
        return self.page(request, "web/admin/alert_policy.html", context, status=status)

    def post(self, request):
        policy = policy_for(request.user.practice_id)
        payload = {
            "routing": {s: request.POST.getlist(f"routing-{s}") for s in Severity.values},
            "escalation_minutes": request.POST.get("escalation_minutes", ""),
            "dedup_window_minutes": request.POST.get("dedup_window_minutes", ""),
            "tell_patient_alert_sent": request.POST.get("tell_patient_alert_sent") == "on",
            "missed_checkins_days": request.POST.get("missed_checkins_days") or None,
        }

        class _Request:  # the serializer checks the practice of on-call staff through its request
            user = request.user

        data = PolicySerializer(policy, data=payload, partial=True, context={"request": _Request})
        if not data.is_valid():
            return self.get(request, errors=_errors(data), status=400)
        data.save()
        audit_log(
            actor=request.user,
            action=AuditAction.UPDATE,
            object_type="alert_policy",
            object_id=policy.pk,
            detail={"fields": sorted(payload)},
        )
        return self.done(request, "web:practice-alert-policy", "saved")


class NoteTemplatesView(AdminPageMixin, View):
    section = "templates"

    def get(self, request):
        return self.page(request, "web/admin/templates.html", {"templates": templates_for(request.user.practice_id)})


class AuditTrailView(AdminPageMixin, View):
    section = "audit"

    def get(self, request):
        filters = AuditFilterSerializer(data={k: v for k, v in request.GET.items() if v and k != "verify"})
        errors = {} if filters.is_valid() else _errors(filters)
        events = (
            list(
                audit_events_for_practice(practice_id=request.user.practice_id, filters=filters.validated_data)[
                    :AUDIT_PAGE
                ]
            )
            if not errors
            else []
        )
        chain = audit_chain_verify() if request.GET.get("verify") == "1" else None
        context = {
            "events": events,
            "errors": errors,
            "filters": request.GET,
            "actions": AuditAction.values,
            "chain": chain,
            "limit": AUDIT_PAGE,
        }
        return self.page(request, "web/admin/audit.html", context, status=400 if errors else 200)
