"""Journals for the patient app (upload, status, share, delete) and for the care team (shared only)."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.accounts.door import MyRecordViewSet, PatientScopedViewSet
from apps.accounts.scoping import Purpose
from apps.alerts.selectors import risk_signal_exists_for
from apps.alerts.support import support_for
from apps.core.audio import audio_storage
from apps.core.errors import Gone
from apps.core.parsers import JSONParser
from apps.journals import services
from apps.journals.models import JournalEntry
from apps.journals.selectors import journal_entries_newest_first
from apps.journals.serializers import (
    JournalCreateSerializer,
    JournalEntrySerializer,
    JournalShareSerializer,
    JournalStatusSerializer,
)

CONTENT_TYPES = {"m4a": "audio/mp4", "webm": "audio/webm", "ogg": "audio/ogg", "mp3": "audio/mpeg", "wav": "audio/wav"}
AUDIO_RESPONSE = OpenApiResponse(OpenApiTypes.BINARY, description="The decrypted recording")
AUDIO_GONE = OpenApiResponse(OpenApiTypes.OBJECT, description="The recording was deleted after transcription")


def stream_audio(view: PatientScopedViewSet, entry: JournalEntry) -> StreamingHttpResponse:
    if not entry.audio_name:
        raise Gone("The recording is no longer stored (deleted after transcription).", code="audio_deleted")
    view.audit_read([entry], object_type="journal_audio")
    response = StreamingHttpResponse(
        audio_storage().stream(entry.audio_name),
        content_type=CONTENT_TYPES.get(entry.audio_format, "application/octet-stream"),
    )
    response["Cache-Control"] = "no-store"
    return response


@extend_schema(tags=["journals"])
@extend_schema_view(
    list=extend_schema(summary="My journal entries, newest first"),
    retrieve=extend_schema(
        summary="One entry, with its processing status and transcript (and support resources when it suggests risk)"
    ),
)
class MyJournalViewSet(MyRecordViewSet):
    serializer_class = JournalEntrySerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    audit_object_type = "journal_entry"
    audit_data_category = "journal"
    dangerously_unaudited = {"status": "the processing state only (no PHI); the app polls it while a job runs"}

    def get_base_queryset(self):
        return journal_entries_newest_first()

    def object_body(self, entry):
        body = JournalEntrySerializer(entry).data
        if risk_signal_exists_for(source_type="journal_entry", source_id=entry.pk):
            body["support"] = support_for(entry.patient)  # the entry's words suggested risk
        return body

    @extend_schema(responses={200: JournalStatusSerializer}, summary="Processing status only (no PHI)")
    def status(self, request, pk=None):
        return Response(JournalStatusSerializer(self.get_object()).data)

    @extend_schema(
        request={"multipart/form-data": JournalCreateSerializer, "application/json": JournalCreateSerializer},
        responses={202: JournalEntrySerializer, 201: JournalEntrySerializer, 200: JournalEntrySerializer},
        summary="Upload a recording (202, transcribed in the background) or a typed entry (201); "
        "re-sending an id returns the stored entry (200)",
    )
    def create(self, request):
        data = JournalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        patient = self.get_patient()
        common = {
            "actor": request.user,
            "patient": patient,
            "id": fields["id"],
            "occurred_at": fields["occurred_at"],
            "timezone": fields["timezone"],
            "shared": fields.get("shared"),
        }
        if fields.get("audio"):
            entry, created = services.journal_entry_create_audio(audio_file=fields["audio"], **common)
            code = status.HTTP_202_ACCEPTED
        else:
            entry, created = services.journal_entry_create_text(text=fields["text"], **common)
            code = status.HTTP_201_CREATED
        return Response(JournalEntrySerializer(entry).data, status=code if created else status.HTTP_200_OK)

    @extend_schema(
        request=JournalShareSerializer,
        responses={200: JournalEntrySerializer},
        summary="Share or stop sharing this entry with my care team",
    )
    def partial_update(self, request, pk=None):
        data = JournalShareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = services.journal_entry_set_shared(
            actor=request.user, entry=self.get_object(), shared=data.validated_data["shared_with_care_team"]
        )
        return Response(JournalEntrySerializer(entry).data)

    @extend_schema(responses={204: None}, summary="Delete the entry, its recording and everything derived from it")
    def destroy(self, request, pk=None):
        services.journal_entry_delete(actor=request.user, entry=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        responses={(200, "audio/*"): AUDIO_RESPONSE, 410: AUDIO_GONE}, summary="My recording, if the practice keeps it"
    )
    def audio(self, request, pk=None):
        return stream_audio(self, self.get_object())


@extend_schema(tags=["journals"])
class PatientJournalsViewSet(PatientScopedViewSet):
    """Staff see only the entries the patient shared."""

    purpose = Purpose.CLINICAL
    nested_patient_kwarg = "patient_pk"
    serializer_class = JournalEntrySerializer
    audit_object_type = "journal_entry"
    audit_data_category = "journal"

    def get_base_queryset(self):
        return journal_entries_newest_first()

    def narrow_queryset(self, queryset):
        return queryset if self.request.user.is_patient else queryset.filter(shared_with_care_team=True)

    @extend_schema(
        responses={(200, "audio/*"): AUDIO_RESPONSE, 410: AUDIO_GONE},
        summary="A shared recording, if the practice keeps it",
    )
    def audio(self, request, *args, **kwargs):
        return stream_audio(self, self.get_object())
