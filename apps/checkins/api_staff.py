"""The care team's side: per-patient trends, questionnaire history (with FHIR export), adherence,
schedules and risk signals; practice admins manage tags, instruments and schedule defaults."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.door import PatientScopedViewSet
from apps.accounts.scoping import Purpose
from apps.alerts.models import RiskSignal
from apps.checkins import fhir
from apps.checkins.models import MoodCheckin, QuestionnaireResponse, Schedule
from apps.checkins.selectors import trends
from apps.checkins.selectors.catalogue import instrument_get
from apps.checkins.serializers import (
    AdherenceSerializer,
    CheckinTagSerializer,
    DailyPointSerializer,
    InstrumentSerializer,
    MoodCheckinSerializer,
    QuestionnaireDetailSerializer,
    QuestionnaireResponseSerializer,
    RangeSerializer,
    ScheduleSerializer,
    WeeklyPointSerializer,
)
from apps.checkins.services.checkins import checkin_tag_set
from apps.checkins.services.questionnaires import instrument_publish
from apps.checkins.services.schedules import schedule_set
from apps.core.errors import Forbidden
from apps.core.permissions import IsPracticeAdmin


class RiskSignalSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskSignal
        fields = [
            "id",
            "source_type",
            "source_id",
            "kind",
            "level",
            "evidence",
            "occurred_at",
            "created_at",
            "processed_at",
            "superseded_at",
            "superseded_reason",
        ]


class _Nested(PatientScopedViewSet):
    abstract = True
    purpose = Purpose.CLINICAL
    nested_patient_kwarg = "patient_pk"

    def range(self) -> dict:
        params = RangeSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        return params.validated_data


@extend_schema(tags=["trends"], parameters=[RangeSerializer])
class PatientTrendsViewSet(_Nested):
    """Aggregates: each read is recorded as a read of the patient's check-ins as a whole."""

    audit_object_type = "trend_daily"
    audit_data_category = "checkin"

    @extend_schema(responses={200: DailyPointSerializer(many=True)}, summary="Daily series of check-in metrics")
    def daily(self, request, *args, **kwargs):
        r = self.range()
        rows = trends.daily_series(patient_id=self.get_patient().pk, start=r.get("start"), end=r.get("end"))
        self.audit_patient_read()
        return Response(rows)

    @extend_schema(responses={200: WeeklyPointSerializer(many=True)}, summary="Weekly mean/min/max/count")
    def weekly(self, request, *args, **kwargs):
        r = self.range()
        rows = trends.weekly_aggregates(patient_id=self.get_patient().pk, start=r.get("start"), end=r.get("end"))
        self.audit_patient_read(object_type="trend_weekly")
        return Response(rows)

    @extend_schema(responses={200: AdherenceSerializer(many=True)}, summary="Due, completed and missed per kind")
    def adherence(self, request, *args, **kwargs):
        r = self.range()
        rows = trends.adherence(patient_id=self.get_patient().pk, start=r.get("start"), end=r.get("end"))
        self.audit_patient_read(object_type="adherence")
        return Response(AdherenceSerializer(rows, many=True).data)


@extend_schema(tags=["check-ins"])
class PatientCheckinsViewSet(_Nested):
    serializer_class = MoodCheckinSerializer
    audit_object_type = "mood_checkin"
    audit_data_category = "checkin"

    def get_base_queryset(self):
        return MoodCheckin.objects.order_by("-occurred_at")


@extend_schema(tags=["questionnaires"], parameters=[RangeSerializer])
class PatientQuestionnairesViewSet(_Nested):
    audit_object_type = "questionnaire_response"
    audit_data_category = "questionnaire"

    def get_serializer_class(self):
        return QuestionnaireDetailSerializer if self.action == "retrieve" else QuestionnaireResponseSerializer

    def get_base_queryset(self):
        return QuestionnaireResponse.objects.select_related("instrument").order_by("-occurred_at")

    def narrow_queryset(self, queryset):
        r = self.range()
        if r.get("instrument"):
            queryset = queryset.filter(instrument_key=r["instrument"])
        if r.get("start"):
            queryset = queryset.filter(local_date__gte=r["start"])
        if r.get("end"):
            queryset = queryset.filter(local_date__lte=r["end"])
        return queryset

    @extend_schema(
        responses={
            (200, "application/fhir+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="FHIR R4 collection Bundle"
            )
        },
        summary="FHIR R4 Bundle: QuestionnaireResponse + total-score Observation",
    )
    def fhir(self, request, *args, **kwargs):
        response = self.get_object()
        self.audit_export(response, detail={"format": "fhir-r4"})
        return Response(fhir.bundle(response), content_type="application/fhir+json")


@extend_schema(tags=["check-ins"])
class PatientSchedulesViewSet(_Nested):
    serializer_class = ScheduleSerializer
    audit_object_type = "schedule"
    audit_data_category = "checkin"

    def get_base_queryset(self):
        return Schedule.objects.order_by("kind")

    @extend_schema(
        request=ScheduleSerializer,
        responses={201: ScheduleSerializer},
        summary="Set the schedule for one kind (mood or a questionnaire); replaces the existing one",
    )
    def create(self, request, *args, **kwargs):
        patient = self.get_patient()
        if not request.user.is_care_staff:
            raise Forbidden("Only the care team sets schedules.")
        data = ScheduleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kind = data.validated_data["kind"]
        if kind != "mood" and instrument_get(practice_id=patient.practice_id, key=kind) is None:
            raise serializers.ValidationError({"kind": ["Use 'mood' or the key of an available questionnaire."]})
        schedule = schedule_set(actor=request.user, patient=patient, **data.validated_data)
        return Response(ScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["alerts"])
class PatientRiskSignalsViewSet(_Nested):
    serializer_class = RiskSignalSerializer
    audit_object_type = "risk_signal"
    audit_data_category = "risk"

    def get_base_queryset(self):
        return RiskSignal.objects.order_by("-occurred_at")


class PracticeTagsView(APIView):
    permission_classes = [IsPracticeAdmin]

    @extend_schema(
        request=CheckinTagSerializer,
        responses={200: CheckinTagSerializer},
        tags=["practice admin"],
        summary="Add, rename or retire a check-in tag",
    )
    def post(self, request):
        data = CheckinTagSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(CheckinTagSerializer(checkin_tag_set(actor=request.user, **data.validated_data)).data)


class PracticeInstrumentsView(APIView):
    permission_classes = [IsPracticeAdmin]

    @extend_schema(
        request=InstrumentSerializer,
        responses={201: InstrumentSerializer},
        tags=["practice admin"],
        summary="Add a questionnaire defined as data (items, options, scoring, bands, risk rules)",
    )
    def post(self, request):
        definition = request.data.get("definition") if isinstance(request.data, dict) else None
        if not isinstance(definition, dict):
            raise serializers.ValidationError({"definition": ["An object is required."]})
        instrument = instrument_publish(actor=request.user, definition=definition)
        return Response(InstrumentSerializer(instrument).data, status=status.HTTP_201_CREATED)
