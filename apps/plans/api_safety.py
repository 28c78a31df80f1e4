"""Safety plan and coping-log endpoints (the care team's and the patient's own), and the pre-session brief."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.accounts.door import MyRecordViewSet, PatientScopedViewSet
from apps.accounts.scoping import Purpose
from apps.accounts.serializers import TimezoneField
from apps.alerts.support import support_for
from apps.checkins.serializers import SupportSerializer
from apps.core.errors import NotFound
from apps.core.permissions import IsCareStaffOrAdmin
from apps.plans import selectors, services
from apps.plans.models import (
    SAFETY_PLAN_SECTIONS,
    CopingKind,
    CopingLog,
    SafetyPlan,
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
        return obj.content


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
    plan = selectors.safety_plan_current(patient_id=patient_id)
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
        entry, created = services.coping_entry_log(
            actor=request.user, patient=self.get_patient(), **data.validated_data
        )
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
                "patient_name": self.get_patient().full_name,
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
        response = HttpResponse(
            brief_pdf(brief, patient_name=self.get_patient().full_name), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="brief-{brief["period"]["end"]}.pdf"'
        response["Cache-Control"] = "no-store"
        return response
