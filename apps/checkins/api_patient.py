"""The patient app's side: submit check-ins and questionnaires (idempotent), see my data and my to-do list."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.alerts.support import note_screen, support_for
from apps.audit.services import audit_reads
from apps.checkins.models import MoodCheckin, QuestionnaireResponse
from apps.checkins.selectors.trends import todo_for
from apps.checkins.serializers import (
    CheckinTagSerializer,
    DueItemSerializer,
    InstrumentSerializer,
    MoodCheckinResultSerializer,
    MoodCheckinSerializer,
    QuestionnaireResponseSerializer,
    QuestionnaireResultSerializer,
    QuestionnaireSubmitSerializer,
)
from apps.checkins.services.checkins import checkin_tags_for, mood_checkin_submit
from apps.checkins.services.questionnaires import instruments_available, questionnaire_submit
from apps.core.permissions import BelongsToPractice, IsPatient


def audit_own_reads(request, objects, object_type: str, category: str) -> None:
    patient_id = request.user.patient_profile.pk
    audit_reads(
        actor=request.user, object_type=object_type, data_category=category, rows=[(patient_id, o.pk) for o in objects]
    )


@extend_schema(tags=["check-ins"])
class MyCheckinsView(generics.ListCreateAPIView):
    permission_classes = [IsPatient]
    serializer_class = MoodCheckinSerializer

    def get_queryset(self):
        return MoodCheckin.objects.filter(patient=self.request.user.patient_profile).order_by("-occurred_at")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        audit_own_reads(request, page, "mood_checkin", "checkin")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        responses={201: MoodCheckinResultSerializer, 200: MoodCheckinResultSerializer},
        summary="Submit a check-in (201), or re-send one already stored (200, unchanged)",
    )
    def create(self, request, *args, **kwargs):
        data = MoodCheckinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patient = request.user.patient_profile
        checkin, created = mood_checkin_submit(actor=request.user, patient=patient, **data.validated_data)
        body = MoodCheckinSerializer(checkin).data
        if checkin.note and note_screen(checkin.note) != "none":
            body["support"] = support_for(patient)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(tags=["questionnaires"])
class MyQuestionnairesView(generics.ListCreateAPIView):
    permission_classes = [IsPatient]
    serializer_class = QuestionnaireResponseSerializer

    def get_queryset(self):
        return (
            QuestionnaireResponse.objects.filter(patient=self.request.user.patient_profile)
            .select_related("instrument")
            .order_by("-occurred_at")
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        audit_own_reads(request, page, "questionnaire_response", "questionnaire")
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=QuestionnaireSubmitSerializer,
        responses={201: QuestionnaireResultSerializer, 200: QuestionnaireResultSerializer},
        summary="Submit answers; the server scores them (201), or re-send one already stored (200)",
    )
    def create(self, request, *args, **kwargs):
        data = QuestionnaireSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        patient = request.user.patient_profile
        response, created = questionnaire_submit(
            actor=request.user, patient=patient, instrument_key=fields.pop("instrument"), **fields
        )
        body = QuestionnaireResponseSerializer(response).data
        if response.risk:
            body["support"] = support_for(patient)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class MyTodoView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        responses={200: DueItemSerializer(many=True)},
        tags=["check-ins"],
        summary="What is due now: check-ins and questionnaires still open",
    )
    def get(self, request):
        items = todo_for(patient_id=request.user.patient_profile.pk, now=timezone.now())
        return Response(DueItemSerializer(items, many=True).data)


class CheckinTagsView(APIView):
    permission_classes = [BelongsToPractice]

    @extend_schema(
        responses={200: CheckinTagSerializer(many=True)}, tags=["check-ins"], summary="The practice's check-in tags"
    )
    def get(self, request):
        return Response(CheckinTagSerializer(checkin_tags_for(practice_id=request.user.practice_id), many=True).data)


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
