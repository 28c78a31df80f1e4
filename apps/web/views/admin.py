"""Practice admin: staff and roles (create, change roles, deactivate), practice settings, alert policy,
note templates, questionnaire instruments and check-in tags, the audit trail and the chain verification
status. Practice admins only (others get the 404 page); the same serializers validate and the same
services change state and audit as in the API."""

from __future__ import annotations

import json

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View

from apps.accounts.models import STAFF_ACCOUNT_ROLE_CHOICES, Role, User
from apps.accounts.serializers import PracticeSerializer, StaffSerializer, StaffUpdateSerializer
from apps.accounts.services.mfa import mfa_reset
from apps.accounts.services.staff import practice_update, staff_create, staff_update
from apps.alerts.api import PolicySerializer
from apps.alerts.models import Severity
from apps.alerts.routing import policy_for
from apps.alerts.services import alert_policy_update
from apps.audit.models import AuditAction
from apps.audit.selectors import audit_chain_verify, audit_events_for_practice
from apps.audit.serializers import AuditFilterSerializer
from apps.checkins.models import CheckinTag
from apps.checkins.selectors.catalogue import instruments_available
from apps.checkins.serializers import CheckinTagSerializer
from apps.checkins.services.checkins import checkin_tag_set
from apps.checkins.services.questionnaires import instrument_publish
from apps.core.errors import Invalid, ServiceError
from apps.core.http_errors import status_for
from apps.notes.selectors import note_templates_list
from apps.web.access import StaffPageMixin
from apps.web.views.sessions import _errors

TIERS = ["primary_clinician", "care_team", "on_call", "supervisor"]
AUDIT_PAGE = 100
PRACTICE_FLAGS = (
    "keep_journal_audio",
    "risk_screen_unshared_journals",
    "multilingual_speech",
    "show_patient_themes",
    "require_staff_mfa",
)


def practice_staff(admin: User):
    """The staff accounts of the admin's practice (the API's queryset: patients are not staff)."""
    return (
        User.objects.filter(practice_id=admin.practice_id)
        .exclude(memberships__role=Role.PATIENT)
        .prefetch_related("memberships")
    )


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
        context = {
            "staff": practice_staff(request.user).select_related("mfa").order_by("username"),
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


class StaffMemberView(AdminPageMixin, View):
    """Change a staff account's roles, name or title, or deactivate it (``staff_update``, as the API's
    PATCH /staff/{id}/; an admin cannot remove their own admin access)."""

    section = "staff"

    def get(self, request, pk, errors=None, status=200):
        member = get_object_or_404(practice_staff(request.user), pk=pk)
        context = {
            "member": member,
            "member_roles": request.POST.getlist("roles") if errors else sorted(member.roles),
            "roles": STAFF_ACCOUNT_ROLE_CHOICES,
            "errors": errors or {},
            "posted": request.POST if errors else {"display_name": member.display_name, "title": _title(member)},
            "is_self": member.pk == request.user.pk,
        }
        return self.page(request, "web/admin/staff_member.html", context, status=status)

    def post(self, request, pk):
        member = get_object_or_404(practice_staff(request.user), pk=pk)
        payload = {
            "roles": request.POST.getlist("roles"),
            "is_active": request.POST.get("is_active") == "on",
            "display_name": request.POST.get("display_name", ""),
            "title": request.POST.get("title", ""),
        }
        data = StaffUpdateSerializer(data=payload)
        if not data.is_valid():
            return self.get(request, pk, errors=_errors(data), status=400)
        try:
            staff_update(actor=request.user, staff=member, **data.validated_data)
        except ServiceError as exc:
            return self.get(
                request, pk, errors={exc.field or "non_field_errors": [exc.message]}, status=status_for(exc)
            )
        return self.done(request, "web:practice-staff", "staff_updated")


def _title(member: User) -> str:
    return next((m.title for m in member.memberships.all() if m.title), "")


class InstrumentsView(AdminPageMixin, View):
    """The questionnaires the practice can schedule (built in and its own, newest version of each),
    publishing one defined as data (the API's POST /practice/instruments/: the same validation of items,
    options, scoring, bands and risk rules), and the check-in tags patients pick from."""

    section = "instruments"

    def get(self, request, errors=None, status=200):
        instruments = instruments_available(practice_id=request.user.practice_id)
        context = {
            "instruments": [(i, len(i.definition.get("items", []))) for i in instruments],
            "tags": CheckinTag.objects.filter(practice_id=request.user.practice_id).order_by("-active", "label"),
            "errors": errors or {},
            "tag_errors": {k.removeprefix("tag_"): v for k, v in (errors or {}).items() if k.startswith("tag_")},
            "posted": request.POST if errors else {},
            "message": request.session.pop("web_admin_message", ""),
        }
        return self.page(request, "web/admin/instruments.html", context, status=status)

    def post(self, request):
        if request.POST.get("form") == "tag":
            return self.post_tag(request)
        try:
            definition = json.loads(request.POST.get("definition", ""))
        except ValueError as exc:
            return self.get(request, errors={"definition": [f"Not valid JSON: {exc}"]}, status=400)
        if not isinstance(definition, dict):
            return self.get(request, errors={"definition": ["An object is required."]}, status=400)
        try:
            instrument_publish(actor=request.user, definition=definition)
        except Invalid as exc:
            return self.get(request, errors={k: [str(m) for m in v] for k, v in exc.fields.items()}, status=400)
        return self.done(request, "web:practice-instruments", "instrument_published")

    def post_tag(self, request):
        payload = {k: request.POST.get(k, "") for k in ("key", "label")}
        payload["active"] = request.POST.get("active") == "on"
        data = CheckinTagSerializer(data=payload)
        if not data.is_valid():
            errors = {f"tag_{k}": v for k, v in _errors(data).items()}
            return self.get(request, errors=errors, status=400)
        checkin_tag_set(actor=request.user, **data.validated_data)
        return self.done(request, "web:practice-instruments", "saved")


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
        alert_policy_update(actor=request.user, policy=policy, changes=dict(data.validated_data))
        return self.done(request, "web:practice-alert-policy", "saved")


class NoteTemplatesView(AdminPageMixin, View):
    section = "templates"

    def get(self, request):
        return self.page(
            request, "web/admin/templates.html", {"templates": note_templates_list(request.user.practice_id)}
        )


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
