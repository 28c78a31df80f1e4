"""Clinician views of the insight engine (findings with spans, trigger frequency, patterns, patient
triggers) and the patient's own themes when the practice enables them."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.accounts.door import MyRecordViewSet, PatientScopedViewSet
from apps.accounts.scoping import Purpose
from apps.checkins.models import MoodCheckin
from apps.core.errors import Conflict, Forbidden
from apps.insights.models import Finding, FindingKind, PatientTrigger, PatternSnapshot, SourceType, TextAnalysis
from apps.insights.selectors import analyses_staff_may_see, findings_staff_may_see
from apps.insights.services import patient_trigger_create, patient_trigger_delete, patterns_refresh
from apps.journals.models import JournalEntry

THEME_WORDING = {
    "work": "work has come up a lot",
    "sleep": "sleep has been on your mind",
    "family": "family has featured often",
    "relationship": "your relationship has come up",
    "finances": "money worries have come up",
    "health": "your health has been on your mind",
    "substance_use": "drinking or substances came up",
    "loneliness": "feeling alone has come up",
    "social_media_news": "the news and social media have weighed on you",
    "academic": "studies have been on your mind",
    "grief": "you've been carrying some grief",
    "trauma_reminder": "some difficult memories have come up",
    "exercise": "moving your body seems to help",
    "social_support": "the people around you seem to help",
    "coping_skill": "the skills you've been practising are showing up",
    "nature": "time outdoors seems to help",
}


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Finding
        fields = ["kind", "category", "score", "start", "end", "method", "source", "suppressed"]


class AnalysisSerializer(serializers.ModelSerializer):
    findings = FindingSerializer(many=True)
    text = serializers.SerializerMethodField(help_text="The analysed text; spans are offsets into it")

    class Meta:
        model = TextAnalysis
        fields = [
            "id",
            "source_type",
            "source_id",
            "local_date",
            "risk_level",
            "language",
            "not_analysed",
            "emotions",
            "versions",
            "sentence_count",
            "created_at",
            "text",
            "findings",
        ]

    def get_text(self, obj) -> str:
        return self.context["texts"].get(obj.source_id, "")


class PatternSerializer(serializers.Serializer):
    factor = serializers.CharField()
    outcome = serializers.CharField()
    lag_days = serializers.IntegerField()
    effect = serializers.FloatField(help_text="Mood points: days with the factor minus days without")
    cohens_d = serializers.FloatField(allow_null=True)
    n_with = serializers.IntegerField()
    n_without = serializers.IntegerField()
    p_value = serializers.FloatField()
    q_value = serializers.FloatField()
    summary = serializers.CharField()


class PatternSnapshotSerializer(serializers.Serializer):
    id = serializers.UUIDField(allow_null=True)
    created_at = serializers.DateTimeField(allow_null=True)
    version = serializers.CharField(allow_null=True)
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    day_count = serializers.IntegerField()
    patterns = PatternSerializer(many=True)


class CustomTriggerSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    key = serializers.SlugField(max_length=40)
    label = serializers.CharField(max_length=100)
    phrases = serializers.ListField(child=serializers.CharField(max_length=100), min_length=1, max_length=20)


def snapshot_body(snapshot: PatternSnapshot | None) -> dict:
    if snapshot is None:
        return {
            "id": None,
            "created_at": None,
            "version": None,
            "start": None,
            "end": None,
            "day_count": 0,
            "patterns": [],
        }
    return PatternSnapshotSerializer(
        {
            "id": snapshot.pk,
            "created_at": snapshot.created_at,
            "version": snapshot.version,
            "start": snapshot.start,
            "end": snapshot.end,
            "day_count": snapshot.day_count,
            "patterns": snapshot.patterns,
        }
    ).data


def _readable_texts(analyses, user) -> dict:
    """Texts the caller may read: staff see shared journal entries and check-in notes only."""

    journal_ids = [a.source_id for a in analyses if a.source_type == SourceType.JOURNAL_ENTRY]
    checkin_ids = [a.source_id for a in analyses if a.source_type == SourceType.MOOD_CHECKIN]
    journals = JournalEntry.objects.filter(pk__in=journal_ids)
    if not user.is_patient:
        journals = journals.filter(shared_with_care_team=True)
    texts = {e.pk: e.text for e in journals}
    texts.update({c.pk: c.note for c in MoodCheckin.objects.filter(pk__in=checkin_ids)})
    return texts


class _FindingsQuery(serializers.Serializer):
    source_id = serializers.UUIDField(required=False)
    source_type = serializers.ChoiceField(choices=SourceType.choices, required=False)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("source_id", OpenApiTypes.UUID),
            OpenApiParameter("source_type", str, enum=SourceType.values),
        ],
        responses={200: AnalysisSerializer(many=True)},
        summary="Findings per entry with the text and the spans to highlight",
    )
)
@extend_schema(tags=["insights"])
class PatientInsightsViewSet(PatientScopedViewSet):
    purpose = Purpose.CLINICAL
    nested_patient_kwarg = "patient_pk"
    serializer_class = AnalysisSerializer
    audit_object_type = "text_analysis"
    audit_data_category = "insights"

    def get_base_queryset(self):
        return TextAnalysis.objects.prefetch_related("findings").order_by("-local_date", "-created_at")

    def narrow_queryset(self, qs):
        """Analyses of unshared journal entries stay invisible to staff (their risk signals do not)."""
        if not self.request.user.is_patient:
            qs = qs.filter(pk__in=analyses_staff_may_see(patient_id=self.get_patient().pk).values("pk"))
        params = _FindingsQuery(data=self.request.query_params)
        params.is_valid(raise_exception=True)  # a malformed source_id was a 500
        for field, value in params.validated_data.items():
            if value:
                qs = qs.filter(**{field: value})
        return qs

    def list_body(self, page: list) -> list:
        context = {"texts": _readable_texts(page, self.request.user)}
        return AnalysisSerializer(page, many=True, context=context).data

    @extend_schema(
        responses={200: serializers.ListSerializer(child=serializers.DictField())},
        summary="How often each trigger and protective factor appeared, per week",
    )
    def triggers(self, request, *args, **kwargs):
        patient = self.get_patient()
        rows = (
            findings_staff_may_see(patient_id=patient.pk)
            .filter(
                suppressed="",
                kind__in=[FindingKind.TRIGGER, FindingKind.PROTECTIVE, FindingKind.PATIENT_TRIGGER],
            )
            .annotate(week=TruncWeek("local_date"))
            .values("week", "kind", "category")
            .annotate(count=Count("id"))
            .order_by("week", "category")
        )
        self.audit_patient_read(object_type="trigger_frequency")
        return Response([{**r, "week": r["week"].isoformat()} for r in rows])

    @extend_schema(responses={200: PatternSnapshotSerializer}, summary="The latest pattern snapshot")
    def patterns(self, request, *args, **kwargs):
        patient = self.get_patient()
        snapshot = PatternSnapshot.objects.filter(patient=patient).order_by("-created_at").first()
        if snapshot is None:
            self.audit_patient_read(object_type="pattern_snapshot")
            empty = {"id": None, "created_at": None, "version": None, "start": None, "end": None}
            return Response({**empty, "day_count": 0, "patterns": []})
        self.audit_read([snapshot], object_type="pattern_snapshot")
        return Response(
            {
                "id": snapshot.pk,
                "created_at": snapshot.created_at,
                "version": snapshot.version,
                "start": snapshot.start,
                "end": snapshot.end,
                "day_count": snapshot.day_count,
                "patterns": snapshot.patterns,
            }
        )

    @extend_schema(request=None, responses={201: PatternSnapshotSerializer}, summary="Mine patterns now")
    def refresh_patterns(self, request, *args, **kwargs):
        if not request.user.is_care_staff:
            raise Forbidden("Only the care team can do this.")
        snapshot = patterns_refresh(patient=self.get_patient())
        if snapshot is None:
            raise Conflict("The patient has not consented to automated analysis.", code="no_consent")
        self.audit_read([snapshot], object_type="pattern_snapshot")
        return Response(snapshot_body(snapshot), status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(responses={200: CustomTriggerSerializer(many=True)}, summary="This patient's own triggers")
)
@extend_schema(tags=["insights"])
class PatientTriggersViewSet(PatientScopedViewSet):
    purpose = Purpose.CLINICAL
    nested_patient_kwarg = "patient_pk"
    serializer_class = CustomTriggerSerializer
    audit_object_type = "patient_trigger"
    audit_data_category = "insights"
    pagination_class = None

    def get_base_queryset(self):
        return PatientTrigger.objects.order_by("key")

    def _out(self, trigger):
        return {"id": trigger.pk, "key": trigger.key, "label": trigger.label, "phrases": trigger.phrases}

    def list_body(self, items: list) -> list:
        return [self._out(t) for t in items]

    @extend_schema(
        request=CustomTriggerSerializer,
        responses={201: CustomTriggerSerializer},
        summary="Add a patient-specific trigger with a few example phrases",
    )
    def create(self, request, *args, **kwargs):
        patient = self.get_patient()  # out of scope answers 404 before anything else
        data = CustomTriggerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        trigger = patient_trigger_create(actor=request.user, patient=patient, **data.validated_data)
        return Response(self._out(trigger), status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None}, summary="Remove a patient-specific trigger")
    def destroy(self, request, *args, **kwargs):
        patient_trigger_delete(actor=request.user, trigger=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyThemesViewSet(MyRecordViewSet):
    audit_object_type = "themes"
    audit_data_category = "insights"

    @extend_schema(
        responses={200: serializers.ListSerializer(child=serializers.DictField())},
        tags=["insights"],
        summary="My recurring themes in the last 30 days, in supportive wording (if the practice enables it)",
    )
    def themes(self, request):
        patient = self.get_patient()
        if not patient.practice.show_patient_themes:
            raise Forbidden("Your practice has not turned on themes.")
        since = timezone.localdate() - dt.timedelta(days=30)
        rows = (
            Finding.objects.filter(  # the patient's own themes: their unshared entries count too
                patient=patient,
                suppressed="",
                local_date__gte=since,
                kind__in=[FindingKind.TRIGGER, FindingKind.PROTECTIVE],
            )
            .values("category", "kind")
            .annotate(days=Count("local_date", distinct=True))
            .filter(days__gte=2)
            .order_by("-days")[:6]
        )
        self.audit_patient_read()
        return Response(
            [
                {
                    "theme": r["category"],
                    "kind": r["kind"],
                    "days": r["days"],
                    "message": THEME_WORDING.get(r["category"], r["category"].replace("_", " ")),
                }
                for r in rows
            ]
        )
