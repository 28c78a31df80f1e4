"""The patient app's side: submit check-ins and questionnaires (idempotent), see my data and my to-do list."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.door import MyRecordViewSet
from apps.alerts.support import note_screen, support_for
from apps.checkins.models import MoodCheckin, QuestionnaireResponse
from apps.checkins.selectors import trends
from apps.checkins.selectors.catalogue import checkin_tags_list, instruments_available
from apps.checkins.selectors.trends import todo_for
from apps.checkins.serializers import (
    CheckinTagSerializer,
    DailyPointSerializer,
    DueItemSerializer,
    InstrumentSerializer,
    MoodCheckinResultSerializer,
    MoodCheckinSerializer,
    QuestionnaireResponseSerializer,
    QuestionnaireResultSerializer,
    QuestionnaireSubmitSerializer,
    RangeSerializer,
    WeeklyPointSerializer,
)
from apps.checkins.services.checkins import mood_checkin_submit
from apps.checkins.services.questionnaires import questionnaire_response_submit
from apps.core.permissions import BelongsToPractice
from ml.risk import NOT_SCREENED


@extend_schema(tags=["check-ins"])
class MyCheckinsViewSet(MyRecordViewSet):
    serializer_class = MoodCheckinSerializer
    audit_object_type = "mood_checkin"
    audit_data_category = "checkin"

    def get_base_queryset(self):
        return MoodCheckin.objects.order_by("-occurred_at")

    @extend_schema(
        responses={201: MoodCheckinResultSerializer, 200: MoodCheckinResultSerializer},
        summary="Submit a check-in (201), or re-send one already stored (200, unchanged)",
    )
    def create(self, request, *args, **kwargs):
        data = MoodCheckinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patient = self.get_patient()
        checkin, created = mood_checkin_submit(actor=request.user, patient=patient, **data.validated_data)
        data.instance = checkin  # answer with the stored row, through the fields already built (as save() does)
        body = data.data
        if checkin.note and note_screen(checkin.note, preferred_language=patient.preferred_language) not in (
            "none",
            NOT_SCREENED,
        ):
            body["support"] = support_for(patient)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(tags=["questionnaires"])
class MyQuestionnairesViewSet(MyRecordViewSet):
    serializer_class = QuestionnaireResponseSerializer
    audit_object_type = "questionnaire_response"
    audit_data_category = "questionnaire"

    def get_base_queryset(self):
        return QuestionnaireResponse.objects.select_related("instrument").order_by("-occurred_at")

    @extend_schema(
        request=QuestionnaireSubmitSerializer,
        responses={201: QuestionnaireResultSerializer, 200: QuestionnaireResultSerializer},
        summary="Submit answers; the server scores them (201), or re-send one already stored (200)",
    )
    def create(self, request, *args, **kwargs):
        data = QuestionnaireSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        patient = self.get_patient()
        response, created = questionnaire_response_submit(
            actor=request.user, patient=patient, instrument_key=fields.pop("instrument"), **fields
        )
        body = QuestionnaireResponseSerializer(response).data
        if response.risk:
            body["support"] = support_for(patient)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class MyTodoViewSet(MyRecordViewSet):
    audit_object_type = "due_item"
    audit_data_category = "checkin"

    @extend_schema(
        responses={200: DueItemSerializer(many=True)},
        tags=["check-ins"],
        summary="What is due now: check-ins and questionnaires still open",
    )
    def todo(self, request):
        items = self.audit_read(todo_for(patient_id=self.get_patient().pk, now=timezone.now()))
        return Response(DueItemSerializer(items, many=True).data)


@extend_schema(tags=["trends"], parameters=[RangeSerializer])
class MyTrendsViewSet(MyRecordViewSet):
    """The patient's own mood series: their check-ins, averaged, nothing derived by the models (the
    staff trends under /patients/{id}/ need a staff role)."""

    audit_object_type = "trend_daily"
    audit_data_category = "checkin"

    def _series(self, selector, object_type: str) -> Response:
        params = RangeSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        r = params.validated_data
        rows = selector(patient_id=self.get_patient().pk, start=r.get("start"), end=r.get("end"))
        self.audit_patient_read(object_type=object_type)
        return Response(rows)

    @extend_schema(responses={200: DailyPointSerializer(many=True)}, summary="My daily check-in series")
    def daily(self, request, *args, **kwargs):
        return self._series(trends.daily_series, "trend_daily")

    @extend_schema(responses={200: WeeklyPointSerializer(many=True)}, summary="My weekly mean/min/max/count")
    def weekly(self, request, *args, **kwargs):
        return self._series(trends.weekly_aggregates, "trend_weekly")


class CheckinTagsView(APIView):
    permission_classes = [BelongsToPractice]

    @extend_schema(
        responses={200: CheckinTagSerializer(many=True)}, tags=["check-ins"], summary="The practice's check-in tags"
    )
    def get(self, request):
        return Response(CheckinTagSerializer(checkin_tags_list(practice_id=request.user.practice_id), many=True).data)


class InstrumentsView(APIView):
    permission_classes = [BelongsToPractice]

    @extend_schema(
        responses={200: InstrumentSerializer(many=True)},
        tags=["questionnaires"],
        summary="Questionnaires available in this practice (definitions to render)",
    )
    def get(self, request):
        return Response(
            InstrumentSerializer(instruments_available(practice_id=request.user.practice_id), many=True).data
        )
