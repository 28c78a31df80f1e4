"""The patient page: brief, timeline, journals, questionnaires, care team and enrolment.

Each tab is its own URL (works without JavaScript, prints on its own). Every tab reaches the patient
through the API's scope (clinical content: the care team only; the care tab: also practice admins)
and reads through the same selectors that audit the read.
"""

from __future__ import annotations

import datetime as dt

import segno
from django.http import Http404
from django.shortcuts import render
from django.views import View

from apps.accounts.api_consent import consent_state
from apps.accounts.models import CareTeamMember, Invitation
from apps.accounts.scoping import Purpose
from apps.accounts.services.enrolment import invitation_create
from apps.accounts.services.patients import PROFILE_CATEGORY
from apps.checkins.models import QuestionnaireResponse, Schedule
from apps.core.errors import ServiceError
from apps.core.http_errors import status_for
from apps.insights.selectors import shared_entries_with_findings
from apps.plans.brief import brief_build
from apps.plans.charts import line_chart, score_chart
from apps.plans.timeline import timeline_build, timeline_week, week_start
from apps.web.access import StaffPageMixin, audited_patient_read, audited_read, patient_for, scoped
from apps.web.highlight import highlight

TABS = [
    ("overview", "Brief"),
    ("timeline", "Timeline"),
    ("journals", "Journals"),
    ("questionnaires", "Questionnaires"),
    ("care", "Care team and consent"),
]
TIMELINE_WINDOWS = (30, 90, 365)
TIMELINE_ITEMISED_DAYS = 28  # check-ins older than this (to the week's Monday) are summarised per week
QUESTIONNAIRE_PAGE = 100


class PatientPageMixin(StaffPageMixin):
    tab = "overview"
    purpose = Purpose.CLINICAL

    def page(self, request, patient, template: str, context: dict, status: int = 200):
        base = {"patient": patient, "tab": self.tab, "tabs": TABS, "nav": "roster"}
        return render(request, template, {**base, **context}, status=status)

    def get_patient(self, request, patient_pk):
        return patient_for(request.user, patient_pk, self.purpose, method=request.method)


class OverviewView(PatientPageMixin, View):
    def get(self, request, patient_pk):
        patient = self.get_patient(request, patient_pk)
        audited_patient_read(request.user, patient, object_type="pre_session_brief", data_category="brief")
        brief = brief_build(patient=patient)
        measures = [(k, v) for k, v in brief["measures"].items() if isinstance(v, dict) and "period_mean" in v]
        context = {
            "brief": brief,
            "measures": measures,
            "chart": line_chart(brief["series"], width=640, height=160),
            "score_charts": [(h, score_chart(h, width=300, height=90)) for h in brief["score_history"]],
        }
        return self.page(request, patient, "web/patient/overview.html", context)


class TimelineView(PatientPageMixin, View):
    """The last 30, 90 or 365 days. Beyond the last few weeks daily check-ins come as one line per
    week (so a year's page stays short); each week opens in place (htmx) or as its own page
    (``?week=YYYY-MM-DD``) with every check-in of that week."""

    tab = "timeline"

    def get(self, request, patient_pk):
        patient = self.get_patient(request, patient_pk)
        if "week" in request.GET:
            return self.week(request, patient)
        try:
            days = int(request.GET.get("days", 30))
        except ValueError:
            days = 30
        days = days if days in TIMELINE_WINDOWS else 30
        audited_patient_read(
            request.user, patient, object_type="patient_timeline", data_category="timeline", detail={"days": days}
        )
        itemise = TIMELINE_ITEMISED_DAYS if days > TIMELINE_WINDOWS[0] else None  # the default window: every day
        items = timeline_build(patient_id=patient.pk, days=days, itemise_checkin_days=itemise)
        context = {"items": items, "days": days, "windows": TIMELINE_WINDOWS}
        return self.page(request, patient, "web/patient/timeline.html", context)

    def week(self, request, patient):
        try:
            day = dt.date.fromisoformat(request.GET["week"])
        except ValueError:
            raise Http404 from None
        monday = week_start(day)
        audited_patient_read(
            request.user,
            patient,
            object_type="patient_timeline",
            data_category="timeline",
            detail={"week": monday.isoformat()},
        )
        items = timeline_week(patient_id=patient.pk, monday=monday)
        context = {"items": items, "monday": monday, "sunday": monday + dt.timedelta(days=6)}
        return self.page(request, patient, "web/patient/timeline_week.html", context)


class JournalsView(PatientPageMixin, View):
    tab = "journals"

    def get(self, request, patient_pk):
        patient = self.get_patient(request, patient_pk)
        entries = shared_entries_with_findings(patient_id=patient.pk)
        audited_read(
            request.user,
            [e.entry for e in entries],
            object_type="journal_entry",
            data_category="journal",
            patient=patient,
        )
        shown = [
            {
                "entry": e.entry,
                "analysis": e.analysis,
                "runs": highlight(e.entry.text, [(f.start, f.end, f.kind, f.category) for f in e.findings]),
                "findings": e.findings,
                "audio": bool(e.entry.audio_name and not e.entry.audio_deleted_at),
            }
            for e in entries
        ]
        return self.page(request, patient, "web/patient/journals.html", {"entries": shown})


class QuestionnairesView(PatientPageMixin, View):
    tab = "questionnaires"

    def get(self, request, patient_pk):
        patient = self.get_patient(request, patient_pk)
        rows = scoped(QuestionnaireResponse.objects.filter(patient=patient), request.user)
        responses = audited_read(
            request.user,
            rows.order_by("-occurred_at")[:QUESTIONNAIRE_PAGE],
            object_type="questionnaire_response",
            data_category="questionnaire",
            patient=patient,
        )
        return self.page(request, patient, "web/patient/questionnaires.html", {"responses": responses})


class CareView(PatientPageMixin, View):
    """Administrative record: the care team, consent, schedules, enrolment. Practice admins see it too."""

    tab = "care"
    purpose = Purpose.ADMINISTRATIVE

    def context(self, request, patient) -> dict:
        audited_patient_read(request.user, patient, object_type="patient", data_category=PROFILE_CATEGORY)
        return {
            "team": list(CareTeamMember.objects.filter(patient=patient).select_related("user").order_by("role")),
            "consents": consent_state(patient),
            "schedules": list(Schedule.objects.filter(patient=patient, active=True).order_by("kind")),
            "invitations": list(Invitation.objects.filter(patient=patient).order_by("-created_at")[:5]),
            "can_invite": patient.user_id is None,
        }

    def get(self, request, patient_pk):
        patient = self.get_patient(request, patient_pk)
        return self.page(request, patient, "web/patient/care.html", self.context(request, patient))

    def post(self, request, patient_pk):
        """Issue an enrolment code: shown once, with its QR code (the same service as the API)."""
        patient = self.get_patient(request, patient_pk)
        try:
            issued = invitation_create(actor=request.user, patient=patient)
        except ServiceError as exc:
            context = {**self.context(request, patient), "error": exc.message}
            return self.page(request, patient, "web/patient/care.html", context, status=status_for(exc))
        qr = segno.make(issued.qr_payload, error="m").svg_inline(scale=4, title="Enrolment QR code")
        context = {**self.context(request, patient), "issued": issued, "qr_svg": qr}
        return self.page(request, patient, "web/patient/care.html", context, status=201)
