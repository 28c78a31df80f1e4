"""The patient page: brief, timeline, journals, questionnaires, care team and enrolment.

Each tab is its own URL (works without JavaScript, prints on its own). Every tab reaches the patient
through the API's scope (clinical content: the care team only; the care tab: also practice admins)
and reads through the same selectors that audit the read.
"""

from __future__ import annotations

import segno
from django.shortcuts import render
from django.views import View

from apps.accounts.api_consent import consent_state
from apps.accounts.models import CareTeamMember, Invitation
from apps.accounts.scoping import Purpose
from apps.accounts.services.enrolment import invitation_create
from apps.accounts.services.patients import PROFILE_CATEGORY
from apps.checkins.models import QuestionnaireResponse, Schedule
from apps.core.errors import ServiceError
from apps.insights.selectors import shared_entries_with_findings
from apps.plans.brief import brief_read
from apps.plans.charts import line_chart, score_chart
from apps.plans.timeline import timeline_read
from apps.web.access import StaffPageMixin, audit_page_reads, visible_patient
from apps.web.highlight import highlight

TABS = [
    ("overview", "Brief"),
    ("timeline", "Timeline"),
    ("journals", "Journals"),
    ("questionnaires", "Questionnaires"),
    ("care", "Care team and consent"),
]
TIMELINE_WINDOWS = (30, 90, 365)
QUESTIONNAIRE_PAGE = 100


class PatientPageMixin(StaffPageMixin):
    tab = "overview"
    purpose = Purpose.CLINICAL

    def page(self, request, patient, template: str, context: dict, status: int = 200):
        base = {"patient": patient, "tab": self.tab, "tabs": TABS, "nav": "roster"}
        return render(request, template, {**base, **context}, status=status)

    def get_patient(self, request, patient_pk):
        return visible_patient(request.user, patient_pk, self.purpose)


class OverviewView(PatientPageMixin, View):
    def get(self, request, patient_pk):
        patient = self.get_patient(request, patient_pk)
        brief = brief_read(actor=request.user, patient=patient)
        measures = [(k, v) for k, v in brief["measures"].items() if isinstance(v, dict) and "period_mean" in v]
        context = {
            "brief": brief,
            "measures": measures,
            "chart": line_chart(brief["series"], width=640, height=160),
            "score_charts": [(h, score_chart(h, width=300, height=90)) for h in brief["score_history"]],
        }
        return self.page(request, patient, "web/patient/overview.html", context)


class TimelineView(PatientPageMixin, View):
    tab = "timeline"

    def get(self, request, patient_pk):
        patient = self.get_patient(request, patient_pk)
        try:
            days = int(request.GET.get("days", 30))
        except ValueError:
            days = 30
        days = days if days in TIMELINE_WINDOWS else 30
        items = timeline_read(actor=request.user, patient=patient, days=days)
        return self.page(
            request, patient, "web/patient/timeline.html", {"items": items, "days": days, "windows": TIMELINE_WINDOWS}
        )


class JournalsView(PatientPageMixin, View):
    tab = "journals"

    def get(self, request, patient_pk):
        patient = self.get_patient(request, patient_pk)
        entries = shared_entries_with_findings(patient_id=patient.pk)
        audit_page_reads(
            request.user,
            object_type="journal_entry",
            data_category="journal",
            rows=[(patient.pk, e.entry.pk) for e in entries],
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
        responses = list(
            QuestionnaireResponse.objects.filter(patient=patient).order_by("-occurred_at")[:QUESTIONNAIRE_PAGE]
        )
        audit_page_reads(
            request.user,
            object_type="questionnaire_response",
            data_category="questionnaire",
            rows=[(patient.pk, r.pk) for r in responses],
        )
        return self.page(request, patient, "web/patient/questionnaires.html", {"responses": responses})


class CareView(PatientPageMixin, View):
    """Administrative record: the care team, consent, schedules, enrolment. Practice admins see it too."""

    tab = "care"
    purpose = Purpose.ADMINISTRATIVE

    def context(self, request, patient) -> dict:
        audit_page_reads(
            request.user, object_type="patient", data_category=PROFILE_CATEGORY, rows=[(patient.pk, patient.pk)]
        )
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
            context = {**self.context(request, patient), "error": str(exc.detail)}
            return self.page(request, patient, "web/patient/care.html", context, status=exc.status_code)
        qr = segno.make(issued.qr_payload, error="m").svg_inline(scale=4, title="Enrolment QR code")
        context = {**self.context(request, patient), "issued": issued, "qr_svg": qr}
        return self.page(request, patient, "web/patient/care.html", context, status=201)
