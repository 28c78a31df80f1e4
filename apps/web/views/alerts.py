"""The alert inbox and one alert: thin adapters over the alert services and selectors.

Scope is the door's (``scoped``: alerts about patients on the caller's care teams, as the API's inbox); reads
are audited like the API's inbox and detail; acknowledge and resolve call the same services (which
audit the transition and broadcast ``alert.updated``). Forms post to plain URLs that work without
JavaScript (post/redirect/get); htmx swaps only the alert panel.
"""

from __future__ import annotations

import uuid

from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View

from apps.alerts.api import ResolveSerializer
from apps.alerts.models import Alert, AlertDelivery, AlertState, Outcome, Severity
from apps.alerts.routing import policy_for
from apps.alerts.services import alert_acknowledge, alert_resolve
from apps.core.errors import ServiceError
from apps.core.http_errors import status_for
from apps.insights.selectors import alert_evidence
from apps.web.access import StaffPageMixin, audited_read, scoped

STATES = [AlertState.OPEN, AlertState.ACKNOWLEDGED, AlertState.RESOLVED]
INBOX_LIMIT = 200
_SEVERITY_ORDER = Case(
    When(severity=Severity.URGENT, then=Value(0)),
    When(severity=Severity.HIGH, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def alerts_visible_to(user, method: str = "GET"):
    return scoped(Alert.objects.all(), user, method=method)


def open_alert_count(user) -> int:
    return alerts_visible_to(user).filter(state=AlertState.OPEN).count()


class InboxView(StaffPageMixin, View):
    def get(self, request):
        state = request.GET.get("state", AlertState.OPEN)
        if state not in STATES:
            state = AlertState.OPEN
        severity = request.GET.get("severity", "")
        qs = alerts_visible_to(request.user).filter(state=state).select_related("patient")
        if severity in Severity.values:
            qs = qs.filter(severity=severity)
        patient = _uuid_or_none(request.GET.get("patient", ""))
        if patient:
            qs = qs.filter(patient_id=patient)
        alerts = list(qs.annotate(rank=_SEVERITY_ORDER).order_by("rank", "-created_at")[:INBOX_LIMIT])
        audited_read(request.user, alerts, object_type="alert", data_category="alert")
        context = {
            "alerts": alerts,
            "state": state,
            "states": STATES,
            "severity": severity,
            "severities": [Severity.URGENT, Severity.HIGH, Severity.ROUTINE],
            "now": timezone.now(),
            "open_count": open_alert_count(request.user),
            "patient": patient or "",
            "nav": "alerts",
        }
        if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "alert-list":
            return render(request, "web/partials/alert_list.html", {**context, "partial": True})
        return render(request, "web/alerts.html", context)


class AlertMixin(StaffPageMixin):
    def get_alert(self, request, pk) -> Alert:
        alert = (
            alerts_visible_to(request.user, request.method)
            .select_related("patient", "acknowledged_by", "resolved_by")
            .prefetch_related(
                Prefetch(
                    "deliveries", queryset=AlertDelivery.objects.select_related("recipient").order_by("created_at")
                )
            )
            .filter(pk=pk)
            .first()
        )
        if alert is None:
            raise Http404
        return alert

    def render_alert(self, request, alert: Alert, *, errors=None, message: str = "", status: int = 200):
        audited_read(request.user, [alert], object_type="alert", data_category="alert")
        context = {
            "alert": alert,
            "evidence": alert_evidence(alert=alert),
            "deliveries": list(alert.deliveries.all()),
            "outcomes": Outcome.choices,
            "errors": errors or {},
            "message": message,
            "posted": request.POST if errors else {},
            "safety_plan_url": policy_for(alert.patient.practice_id).safety_plan_url,
            "now": timezone.now(),
            "nav": "alerts",
        }
        return render(request, "web/alert_detail.html", context, status=status)


class AlertDetailView(AlertMixin, View):
    def get(self, request, pk):
        flash = request.session.pop("web_alert_message", "")
        return self.render_alert(request, self.get_alert(request, pk), message=flash)


class AlertAcknowledgeView(AlertMixin, View):
    def post(self, request, pk):
        alert = self.get_alert(request, pk)
        try:
            alert_acknowledge(actor=request.user, alert=alert)
        except ServiceError as exc:
            return self.render_alert(request, alert, errors={"non_field_errors": [exc.message]}, status=status_for(exc))
        request.session["web_alert_message"] = "acknowledged"
        return redirect("web:alert", pk=alert.pk)


class AlertResolveView(AlertMixin, View):
    def post(self, request, pk):
        alert = self.get_alert(request, pk)
        posted = {key: request.POST[key] for key in ("outcome", "note") if request.POST.get(key)}
        data = ResolveSerializer(data=posted)
        if not data.is_valid():
            errors = {field: [str(m) for m in messages] for field, messages in data.errors.items()}
            return self.render_alert(request, alert, errors=errors, status=400)
        try:
            alert_resolve(actor=request.user, alert=alert, **data.validated_data)
        except ServiceError as exc:
            return self.render_alert(request, alert, errors={"non_field_errors": [exc.message]}, status=status_for(exc))
        request.session["web_alert_message"] = "resolved"
        return redirect("web:alert", pk=alert.pk)
