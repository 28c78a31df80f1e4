"""Plans: the safety plan editor (Stanley–Brown sections, versions) and the treatment plan editor with
goal progress and evidence-backed suggestions. The API's serializers validate, the plans services
save, sign and decide (and audit), so the web app and the API follow the same rules."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views import View

from apps.accounts.models import PatientProfile
from apps.checkins.selectors.catalogue import instruments_available
from apps.core.errors import ServiceError
from apps.core.http_errors import status_for
from apps.plans import selectors as plan_selectors
from apps.plans import treatment
from apps.plans.api_safety import SafetyPlanContentSerializer
from apps.plans.api_treatment import DecisionSerializer, TreatmentPlanContentSerializer
from apps.plans.models import (
    SAFETY_PLAN_SECTIONS,
    PlanStatus,
    PlanSuggestion,
    SafetyPlan,
    SuggestionStatus,
    TreatmentPlan,
)
from apps.plans.services import CATEGORY as SAFETY_PLAN_CATEGORY
from apps.plans.services import safety_plan_save
from apps.web.access import audited_read
from apps.web.views.patients import PatientPageMixin
from apps.web.views.sessions import _errors

LIST_SECTIONS = ("problems", "interventions", "coping_strategies")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class SafetyPlanView(PatientPageMixin, View):
    tab = "safety_plan"

    def render_plan(self, request, patient: PatientProfile, *, errors=None, message="", status=200):
        versions = list(SafetyPlan.objects.filter(patient=patient).order_by("-version")[:20])
        plan = versions[0] if versions else None
        if versions:
            audited_read(
                request.user, versions, object_type="safety_plan", data_category=SAFETY_PLAN_CATEGORY, patient=patient
            )
        content = plan.content if plan else {}
        posted = request.POST if errors else {}
        sections = [
            (key, content.get(key, []), posted.get(key, "\n".join(content.get(key, []))))
            for key in SAFETY_PLAN_SECTIONS
        ]
        context = {
            "plan": plan,
            "versions": versions,
            "sections": sections,
            "errors": errors or {},
            "message": message,
            "can_edit": request.user.is_care_staff,
        }
        return self.page(request, patient, "web/safety_plan.html", context, status=status)

    def get(self, request, patient_pk):
        message = request.session.pop("web_plan_message", "")
        return self.render_plan(request, self.get_patient(request, patient_pk), message=message)

    def post(self, request, patient_pk):
        patient = self.get_patient(request, patient_pk)
        data = SafetyPlanContentSerializer(
            data={key: _lines(request.POST.get(key, "")) for key in SAFETY_PLAN_SECTIONS}
        )
        if not data.is_valid():
            return self.render_plan(request, patient, errors=_errors(data), status=400)
        try:
            safety_plan_save(actor=request.user, patient=patient, content=data.validated_data)
        except ServiceError as exc:
            return self.render_plan(
                request, patient, errors={"non_field_errors": [exc.message]}, status=status_for(exc)
            )
        request.session["web_plan_message"] = "saved"
        return redirect("web:safety-plan", patient_pk=patient.pk)


def _measure_rows(content: dict, posted) -> list[dict]:
    """Each goal of the latest version with its measure's fields (as posted, after a refusal)."""
    rows = []
    for index, goal in enumerate(content.get("goals", [])):
        measure = goal.get("measure") or {}
        values = {f: "" if measure.get(f) is None else str(measure[f]) for f in MEASURE_FIELDS}
        if posted is not None:
            values = {f: posted.get(f"goal-{index}-{f}", "") for f in MEASURE_FIELDS}
        rows.append({"index": index, "text": goal["text"], **values})
    return rows


class TreatmentPlanView(PatientPageMixin, View):
    tab = "treatment_plan"

    def render_plan(self, request, patient, *, errors=None, message="", status=200):
        treatment.plan_suggestions_refresh(patient=patient)  # as the API's suggestion list does
        versions = list(TreatmentPlan.objects.filter(patient=patient).order_by("-version")[:20])
        suggestions = list(PlanSuggestion.objects.filter(patient=patient, status=SuggestionStatus.PENDING))
        audited_read(
            request.user, versions, object_type="treatment_plan", data_category=treatment.CATEGORY, patient=patient
        )
        audited_read(
            request.user, suggestions, object_type="plan_suggestion", data_category=treatment.CATEGORY, patient=patient
        )
        latest = versions[0] if versions else None
        signed = next((v for v in versions if v.status == PlanStatus.SIGNED), None)
        content = latest.content if latest else {}
        posted = request.POST if errors else {}
        fields = {key: posted.get(key, "\n".join(content.get(key, []))) for key in LIST_SECTIONS} | {
            "goals": posted.get("goals", "\n".join(g["text"] for g in content.get("goals", []))),
            "objectives": posted.get("objectives", "\n".join(o["text"] for o in content.get("objectives", []))),
            "review_date": posted.get("review_date", content.get("review_date") or ""),
        }
        context = {
            "latest": latest,
            "content": content,
            "signed": signed,
            "progress": plan_selectors.treatment_plan_goal_progress(patient_id=patient.pk, plan=signed)
            if signed
            else [],
            "versions": versions,
            "suggestions": suggestions,
            "fields": fields,
            "errors": errors or {},
            "message": message,
            "measure_rows": _measure_rows(content, request.POST if errors else None),
            "instruments": instruments_available(practice_id=patient.practice_id),
            "metric_choices": METRICS,
            "measure_errors": any(k.startswith("goals.") for k in (errors or {})),
        }
        return self.page(request, patient, "web/treatment_plan.html", context, status=status)

    def get(self, request, patient_pk):
        message = request.session.pop("web_plan_message", "")
        return self.render_plan(request, self.get_patient(request, patient_pk), message=message)

    def post(self, request, patient_pk):
        """Save a new draft. Goals and objectives whose wording is unchanged keep their measure and the
        suggestion they came from."""
        patient = self.get_patient(request, patient_pk)
        latest = plan_selectors.treatment_plan_latest(patient_id=patient.pk)
        old = latest.content if latest else {}
        goals = {g["text"]: g for g in old.get("goals", [])}
        objectives = {o["text"]: o for o in old.get("objectives", [])}
        payload = {key: _lines(request.POST.get(key, "")) for key in LIST_SECTIONS}
        payload["goals"] = [goals.get(t, {"text": t}) for t in _lines(request.POST.get("goals", ""))]
        payload["objectives"] = [objectives.get(t, {"text": t}) for t in _lines(request.POST.get("objectives", ""))]
        if request.POST.get("review_date"):
            payload["review_date"] = request.POST["review_date"]
        data = TreatmentPlanContentSerializer(data=payload)
        if not data.is_valid():
            return self.render_plan(request, patient, errors=_errors(data), status=400)
        try:
            treatment.treatment_plan_save(actor=request.user, patient=patient, content=data.validated_data)
        except ServiceError as exc:
            return self.render_plan(
                request, patient, errors={"non_field_errors": [exc.message]}, status=status_for(exc)
            )
        request.session["web_plan_message"] = "saved"
        return redirect("web:treatment-plan", patient_pk=patient.pk)


METRICS = [("mood", _("Mood")), ("anxiety", _("Anxiety")), ("energy", _("Energy")), ("sleep_hours", _("Sleep hours"))]
MEASURE_FIELDS = ("type", "instrument", "metric", "days", "op", "target", "by")


def _flat_errors(errors, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested errors (lists of goals, each with a measure) by dotted field path:
    ``goals.0.measure.target``."""
    if isinstance(errors, dict):
        out: dict[str, list[str]] = {}
        for key, inner in errors.items():
            out |= _flat_errors(inner, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(errors, list) and errors and all(isinstance(e, dict | list) for e in errors):
        out = {}
        for index, inner in enumerate(errors):
            out |= _flat_errors(inner, f"{prefix}.{index}")
        return out
    return {prefix or "non_field_errors": [str(e) for e in (errors if isinstance(errors, list) else [errors])]}


class GoalMeasuresView(TreatmentPlanView):
    """Set, change or remove each goal's measure (questionnaire total, check-in mean, adherence or
    homework, with its target, direction, window and date) — the API's goal ``measure``, validated by
    its serializer and saved as a new draft by ``treatment_plan_save``; everything else of the plan is kept."""

    http_method_names = ["post"]

    def post(self, request, patient_pk):
        patient = self.get_patient(request, patient_pk)
        latest = plan_selectors.treatment_plan_latest(patient_id=patient.pk)
        if latest is None:
            return self.render_plan(
                request, patient, errors={"non_field_errors": ["No treatment plan yet."]}, status=404
            )
        content = latest.content
        goals = []
        for index, goal in enumerate(content.get("goals", [])):
            posted = {f: request.POST.get(f"goal-{index}-{f}", "").strip() for f in MEASURE_FIELDS}
            measure = {f: v for f, v in posted.items() if v} if posted["type"] else None
            goals.append({"text": goal["text"], "measure": measure})
        data = TreatmentPlanContentSerializer(data={**content, "goals": goals})
        if not data.is_valid():
            return self.render_plan(request, patient, errors=_flat_errors(data.errors), status=400)
        validated = dict(data.validated_data)
        validated["goals"] = [{k: v for k, v in g.items() if v is not None} for g in validated.get("goals", [])]
        try:
            treatment.treatment_plan_save(actor=request.user, patient=patient, content=validated)
        except ServiceError as exc:
            return self.render_plan(
                request, patient, errors={"non_field_errors": [exc.message]}, status=status_for(exc)
            )
        request.session["web_plan_message"] = "measures_saved"
        return redirect("web:treatment-plan", patient_pk=patient.pk)


class TreatmentPlanSignView(TreatmentPlanView):
    http_method_names = ["post"]

    def post(self, request, patient_pk):
        patient = self.get_patient(request, patient_pk)
        plan = plan_selectors.treatment_plan_latest(patient_id=patient.pk)
        if plan is None:
            return self.render_plan(
                request, patient, errors={"non_field_errors": ["No treatment plan yet."]}, status=404
            )
        try:
            treatment.treatment_plan_sign(actor=request.user, plan=plan)
        except ServiceError as exc:
            return self.render_plan(
                request, patient, errors={"non_field_errors": [exc.message]}, status=status_for(exc)
            )
        request.session["web_plan_message"] = "signed"
        return redirect("web:treatment-plan", patient_pk=patient.pk)


class SuggestionDecideView(TreatmentPlanView):
    http_method_names = ["post"]

    def post(self, request, patient_pk, pk):
        patient = self.get_patient(request, patient_pk)
        suggestion = get_object_or_404(PlanSuggestion, pk=pk, patient=patient)
        posted = {"decision": request.POST.get("decision", "")}
        if request.POST.get("text"):
            posted["text"] = request.POST["text"]
        data = DecisionSerializer(data=posted)
        if not data.is_valid():
            errors = {f"suggestion-{pk}.{k}": v for k, v in _errors(data).items()}
            return self.render_plan(request, patient, errors=errors, status=400)
        try:
            treatment.plan_suggestion_decide(actor=request.user, suggestion=suggestion, **data.validated_data)
        except ServiceError as exc:
            return self.render_plan(
                request, patient, errors={"non_field_errors": [exc.message]}, status=status_for(exc)
            )
        request.session["web_plan_message"] = data.validated_data["decision"]
        return redirect("web:treatment-plan", patient_pk=patient.pk)
