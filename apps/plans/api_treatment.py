"""Treatment plan and suggestion endpoints: the care team drafts and signs, the patient reads and acknowledges."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.accounts.door import MyRecordViewSet, PatientScopedViewSet
from apps.accounts.scoping import Purpose
from apps.core.errors import NotFound
from apps.core.permissions import IsCareStaffOrAdmin
from apps.plans import selectors, treatment
from apps.plans.api_safety import Items
from apps.plans.models import (
    SUGGESTION_DECISIONS,
    PlanStatus,
    PlanSuggestion,
    SuggestionStatus,
    TreatmentPlan,
)


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
        return obj.content


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
        progress = selectors.treatment_plan_goal_progress(patient_id=signed.patient_id, plan=signed) if signed else []
        return {"versions": TreatmentPlanSerializer(plans, many=True).data, "progress": progress}

    @extend_schema(
        request=TreatmentPlanContentSerializer,
        responses={201: TreatmentPlanSerializer},
        summary="Save a new draft version",
    )
    def create(self, request, *args, **kwargs):
        data = TreatmentPlanContentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = treatment.treatment_plan_save(
            actor=request.user, patient=self.get_patient(), content=data.validated_data
        )
        return Response(TreatmentPlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: TreatmentPlanSerializer}, summary="Sign the latest draft")
    def sign(self, request, *args, **kwargs):
        plan = selectors.treatment_plan_latest(patient_id=self.get_patient().pk)
        if plan is None:
            raise NotFound("No treatment plan yet.", code="not_found")
        return Response(TreatmentPlanSerializer(treatment.treatment_plan_sign(actor=request.user, plan=plan)).data)


class MyTreatmentPlanSerializer(serializers.Serializer):
    plan = TreatmentPlanSerializer()
    progress = serializers.ListField(child=serializers.DictField())


def _signed_plan(patient_id) -> TreatmentPlan:
    plan = selectors.treatment_plan_latest(patient_id=patient_id, signed_only=True)
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
        progress = selectors.treatment_plan_goal_progress(patient_id=plan.patient_id, plan=plan)
        return Response({"plan": TreatmentPlanSerializer(plan).data, "progress": progress})

    @extend_schema(
        tags=["treatment plan"],
        request=None,
        responses={200: TreatmentPlanSerializer},
        summary="I have read this version of my plan",
    )
    def acknowledge(self, request):
        plan = treatment.treatment_plan_acknowledge(actor=request.user, plan=_signed_plan(self.get_patient().pk))
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
        treatment.plan_suggestions_refresh(patient=self.get_patient())
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
        suggestion = treatment.plan_suggestion_decide(actor=request.user, suggestion=suggestion, **data.validated_data)
        return Response(SuggestionSerializer(suggestion).data)
