"""Safety plan, treatment plan and suggestion endpoints, the coping log and the pre-session brief."""

from __future__ import annotations

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.accounts.door import MyRecordViewSet, PatientScopedViewSet
from apps.accounts.scoping import Purpose
from apps.accounts.serializers import TimezoneField
from apps.alerts.support import support_for
from apps.checkins.serializers import SupportSerializer
from apps.core.errors import NotFound
from apps.core.permissions import IsCareStaffOrAdmin
from apps.plans import services, treatment
from apps.plans.models import (
    SAFETY_PLAN_SECTIONS,
    SUGGESTION_DECISIONS,
    CopingKind,
    CopingLog,
    PlanStatus,
    PlanSuggestion,
    SafetyPlan,
    SuggestionStatus,
    TreatmentPlan,
)


def Items() -> serializers.ListField:  # noqa: N802 - reads like a field class
    """A fresh field each time: DRF binds a field instance to exactly one name."""
    return serializers.ListField(child=serializers.CharField(max_length=500), required=False, max_length=30)


class SafetyPlanContentSerializer(serializers.Serializer):
    warning_signs = Items()
    internal_coping = Items()
    distraction_people_places = Items()
    people_to_ask_for_help = Items()
    professionals_and_crisis_lines = Items()
    making_environment_safer = Items()
    reasons_for_living = Items()


class SafetyPlanSerializer(serializers.ModelSerializer):
    content = serializers.SerializerMethodField()

    class Meta:
        model = SafetyPlan
        fields = ["id", "version", "content", "created_by", "created_at", "patient_acknowledged_at"]

    def get_content(self, obj) -> dict:
        return json.loads(obj.content)


class CopingSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField()
    timezone = TimezoneField()
    kind = serializers.ChoiceField(choices=CopingKind.choices)
    helped = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    class Meta:
        model = CopingLog
        fields = ["id", "kind", "strategy", "occurred_at", "timezone", "local_date", "helped", "note"]
        read_only_fields = ["local_date"]


def _plan_or_404(patient_id) -> SafetyPlan:
    plan = services.safety_plan_current(patient_id=patient_id)
    if plan is None:
        raise NotFound("No safety plan yet.", code="not_found")
    return plan


@extend_schema_view(list=extend_schema(summary="All versions, newest first"))
@extend_schema(tags=["safety plan"])
class PatientSafetyPlanViewSet(PatientScopedViewSet):
    """The care team's view; outside the patient's care team it answers 404."""

    purpose = Purpose.CLINICAL
    nested_patient_kwarg = "patient_pk"
    serializer_class = SafetyPlanSerializer
    audit_object_type = "safety_plan"
    audit_data_category = services.CATEGORY
    pagination_class = None  # every version, newest first

    def get_base_queryset(self):
        return SafetyPlan.objects.order_by("-version")

    @extend_schema(
        request=SafetyPlanContentSerializer,
        responses={201: SafetyPlanSerializer},
        summary="Save a new version of the safety plan",
    )
    def create(self, request, *args, **kwargs):
        data = SafetyPlanContentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.safety_plan_save(actor=request.user, patient=self.get_patient(), content=data.validated_data)
        return Response(SafetyPlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class OfflinePlanSerializer(serializers.Serializer):
    plan = SafetyPlanSerializer()
    sections = serializers.ListField(child=serializers.CharField())
    support = SupportSerializer()


class MySafetyPlanViewSet(MyRecordViewSet):
    audit_object_type = "safety_plan"
    audit_data_category = services.CATEGORY

    @extend_schema(
        tags=["safety plan"],
        responses={200: OfflinePlanSerializer},
        summary="Everything the app needs offline: my plan, crisis lines for my region, support words",
    )
    def current(self, request):
        patient = self.get_patient()
        plan = _plan_or_404(patient.pk)
        self.audit_read([plan])
        return Response(
            {
                "plan": SafetyPlanSerializer(plan).data,
                "sections": list(SAFETY_PLAN_SECTIONS),
                "support": support_for(patient),
            }
        )

    @extend_schema(
        tags=["safety plan"],
        request=SafetyPlanContentSerializer,
        responses={201: SafetyPlanSerializer},
        summary="Save a new version of my safety plan",
    )
    def create(self, request):
        data = SafetyPlanContentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.safety_plan_save(actor=request.user, patient=self.get_patient(), content=data.validated_data)
        return Response(SafetyPlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        tags=["safety plan"],
        request=None,
        responses={200: SafetyPlanSerializer},
        summary="I have read this version of my plan",
    )
    def acknowledge(self, request):
        plan = services.safety_plan_acknowledge(actor=request.user, plan=_plan_or_404(self.get_patient().pk))
        return Response(SafetyPlanSerializer(plan).data)


@extend_schema_view(
    list=extend_schema(tags=["coping"], responses={200: CopingSerializer(many=True)}, summary="My last 100 entries")
)
class MyCopingViewSet(MyRecordViewSet):
    serializer_class = CopingSerializer
    audit_object_type = "coping_log"
    audit_data_category = "coping"
    pagination_class = None

    def get_base_queryset(self):
        return CopingLog.objects.order_by("-occurred_at")

    def narrow_queryset(self, queryset):
        return queryset[:100] if self.action == "list" else queryset

    @extend_schema(
        tags=["coping"],
        request=CopingSerializer,
        responses={201: CopingSerializer},
        summary="Log a coping strategy or homework (re-sending an id is harmless)",
    )
    def create(self, request):
        data = CopingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry, created = services.coping_log(actor=request.user, patient=self.get_patient(), **data.validated_data)
        data.instance = entry  # answer with the stored row, through the fields already built (as save() does)
        return Response(data.data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(tags=["coping"])
class PatientCopingViewSet(PatientScopedViewSet):
    purpose = Purpose.CLINICAL
    nested_patient_kwarg = "patient_pk"
    serializer_class = CopingSerializer
    audit_object_type = "coping_log"
    audit_data_category = "coping"

    def get_base_queryset(self):
        return CopingLog.objects.order_by("-occurred_at")


@extend_schema(tags=["pre-session brief"])
class PatientBriefViewSet(PatientScopedViewSet):
    purpose = Purpose.CLINICAL
    nested_patient_kwarg = "patient_pk"
    permission_classes = [IsCareStaffOrAdmin]
    audit_object_type = "pre_session_brief"
    audit_data_category = "brief"

    def _brief(self, request) -> dict:
        from apps.plans.brief import brief_build

        self.audit_patient_read()
        return brief_build(patient=self.get_patient())

    @extend_schema(
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The brief; each item has a ref")},
        summary="What changed since the last session (JSON)",
    )
    def json(self, request, *args, **kwargs):
        return Response(self._brief(request))

    @extend_schema(
        responses={(200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="Printable HTML page")},
        summary="The same brief as a one-page printable HTML page",
    )
    def html(self, request, *args, **kwargs):
        from django.template.loader import render_to_string

        from apps.plans.charts import line_chart, score_chart

        brief = self._brief(request)
        page = render_to_string(
            "plans/brief.html",
            {
                "brief": brief,
                "chart": line_chart(brief["series"]),
                "score_charts": [(h["instrument"], score_chart(h)) for h in brief["score_history"]],
                "measures": [
                    (k.replace("_", " "), v)
                    for k, v in brief["measures"].items()
                    if isinstance(v, dict) and "period_mean" in v
                ],
            },
        )
        return HttpResponse(page, content_type="text/html; charset=utf-8")

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF")},
        summary="The same brief as a printable PDF (chart drawn as vector lines)",
    )
    def pdf(self, request, *args, **kwargs):
        from apps.plans.brief_pdf import brief_pdf

        brief = self._brief(request)
        response = HttpResponse(brief_pdf(brief), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="brief-{brief["period"]["end"]}.pdf"'
        response["Cache-Control"] = "no-store"
        return response


# --- treatment plans ------------------------------------------------------------------------------
class GoalMeasureSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["questionnaire", "checkin_mean", "adherence", "homework"])
    instrument = serializers.CharField(required=False, max_length=32)
    metric = serializers.ChoiceField(choices=["mood", "anxiety", "energy", "sleep_hours"], required=False)
    days = serializers.IntegerField(min_value=1, max_value=365, required=False)
    target = serializers.FloatField()
    op = serializers.ChoiceField(choices=["<", ">"], default="<")
    by = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        if attrs["type"] == "questionnaire" and not attrs.get("instrument"):
            raise serializers.ValidationError({"instrument": "A questionnaire goal names its instrument."})
        if attrs["type"] == "checkin_mean" and not attrs.get("metric"):
            raise serializers.ValidationError({"metric": "A check-in goal names its metric."})
        if attrs.get("by"):
            attrs["by"] = attrs["by"].isoformat()
        return attrs


class GoalSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    measure = GoalMeasureSerializer(required=False, allow_null=True)


class ObjectiveSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    from_suggestion = serializers.UUIDField(required=False, allow_null=True)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if value.get("from_suggestion"):
            value["from_suggestion"] = str(value["from_suggestion"])
        return value


class TreatmentPlanContentSerializer(serializers.Serializer):
    problems = Items()
    goals = serializers.ListField(child=GoalSerializer(), required=False, max_length=20)
    objectives = serializers.ListField(child=ObjectiveSerializer(), required=False, max_length=30)
    interventions = Items()
    coping_strategies = Items()
    review_date = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        if attrs.get("review_date"):
            attrs["review_date"] = attrs["review_date"].isoformat()
        return attrs


class TreatmentPlanSerializer(serializers.ModelSerializer):
    content = serializers.SerializerMethodField()

    class Meta:
        model = TreatmentPlan
        fields = [
            "id",
            "version",
            "status",
            "content",
            "created_by",
            "created_at",
            "signed_by",
            "signed_at",
            "patient_acknowledged_at",
        ]

    def get_content(self, obj) -> dict:
        return json.loads(obj.content)


@extend_schema_serializer(many=False)  # the list action answers one object: every version plus progress
class TreatmentPlanViewSerializer(serializers.Serializer):
    versions = TreatmentPlanSerializer(many=True)
    progress = serializers.ListField(child=serializers.DictField(), help_text="Goals of the latest signed version")


class SuggestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlanSuggestion
        fields = ["id", "strategy", "text", "evidence", "status", "created_at", "decided_by", "decided_at"]


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=SUGGESTION_DECISIONS)
    text = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate(self, attrs):
        if attrs["decision"] == "edit" and not attrs.get("text", "").strip():
            raise serializers.ValidationError({"text": "An edited suggestion needs its new wording."})
        return attrs


@extend_schema_view(
    list=extend_schema(responses={200: TreatmentPlanViewSerializer}, summary="All versions and goal progress")
)
@extend_schema(tags=["treatment plan"])
class PatientTreatmentPlanViewSet(PatientScopedViewSet):
    """The care team writes versions and signs them; outside the care team it answers 404."""

    purpose = Purpose.CLINICAL
    nested_patient_kwarg = "patient_pk"
    permission_classes = [IsCareStaffOrAdmin]
    serializer_class = TreatmentPlanSerializer
    audit_object_type = "treatment_plan"
    audit_data_category = treatment.CATEGORY
    pagination_class = None  # every version, with the goal progress of the latest signed one

    def get_base_queryset(self):
        return TreatmentPlan.objects.order_by("-version")

    def list_body(self, plans: list) -> dict:
        signed = next((p for p in plans if p.status == PlanStatus.SIGNED), None)
        progress = treatment.goal_progress(patient_id=signed.patient_id, plan=signed) if signed else []
        return {"versions": TreatmentPlanSerializer(plans, many=True).data, "progress": progress}

    @extend_schema(
        request=TreatmentPlanContentSerializer,
        responses={201: TreatmentPlanSerializer},
        summary="Save a new draft version",
    )
    def create(self, request, *args, **kwargs):
        data = TreatmentPlanContentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = treatment.plan_save(actor=request.user, patient=self.get_patient(), content=data.validated_data)
        return Response(TreatmentPlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: TreatmentPlanSerializer}, summary="Sign the latest draft")
    def sign(self, request, *args, **kwargs):
        plan = treatment.plan_latest(patient_id=self.get_patient().pk)
        if plan is None:
            raise NotFound("No treatment plan yet.", code="not_found")
        return Response(TreatmentPlanSerializer(treatment.plan_sign(actor=request.user, plan=plan)).data)


class MyTreatmentPlanSerializer(serializers.Serializer):
    plan = TreatmentPlanSerializer()
    progress = serializers.ListField(child=serializers.DictField())


def _signed_plan(patient_id) -> TreatmentPlan:
    plan = treatment.plan_latest(patient_id=patient_id, signed_only=True)
    if plan is None:
        raise NotFound("No signed treatment plan yet.", code="not_found")
    return plan


class MyTreatmentPlanViewSet(MyRecordViewSet):
    audit_object_type = "treatment_plan"
    audit_data_category = treatment.CATEGORY

    @extend_schema(
        tags=["treatment plan"],
        responses={200: MyTreatmentPlanSerializer},
        summary="My current signed plan and how my goals are going (drafts are not shown)",
    )
    def current(self, request):
        plan = _signed_plan(self.get_patient().pk)
        self.audit_read([plan])
        progress = treatment.goal_progress(patient_id=plan.patient_id, plan=plan)
        return Response({"plan": TreatmentPlanSerializer(plan).data, "progress": progress})

    @extend_schema(
        tags=["treatment plan"],
        request=None,
        responses={200: TreatmentPlanSerializer},
        summary="I have read this version of my plan",
    )
    def acknowledge(self, request):
        plan = treatment.plan_acknowledge(actor=request.user, plan=_signed_plan(self.get_patient().pk))
        return Response(TreatmentPlanSerializer(plan).data)


@extend_schema(tags=["treatment plan"])
class PatientSuggestionViewSet(PatientScopedViewSet):
    """Strategies the patient's own data supports, with the evidence, for the clinician to decide on."""

    purpose = Purpose.CLINICAL
    nested_patient_kwarg = "patient_pk"
    permission_classes = [IsCareStaffOrAdmin]
    serializer_class = SuggestionSerializer
    audit_object_type = "plan_suggestion"
    audit_data_category = treatment.CATEGORY

    def get_base_queryset(self):
        return PlanSuggestion.objects.order_by("-created_at")

    @extend_schema(responses={200: SuggestionSerializer(many=True)}, summary="Refresh and list pending suggestions")
    def pending(self, request, *args, **kwargs):
        treatment.suggestions_refresh(patient=self.get_patient())
        rows = self.audit_read(self.get_queryset().filter(status=SuggestionStatus.PENDING))
        return Response(SuggestionSerializer(rows, many=True).data)

    @extend_schema(
        request=DecisionSerializer,
        responses={200: SuggestionSerializer},
        summary="Accept, edit (then accept) or dismiss; accepting adds an objective to a new draft",
    )
    def decide(self, request, *args, **kwargs):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        suggestion = self.get_object()
        suggestion = treatment.suggestion_decide(actor=request.user, suggestion=suggestion, **data.validated_data)
        return Response(SuggestionSerializer(suggestion).data)
