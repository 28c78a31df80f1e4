"""Sessions and notes for the clinician app: inputs, the evidence-linked draft, edit, sign, amend, export."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.door import PatientScopedViewSet
from apps.accounts.scoping import Purpose
from apps.core.errors import Conflict, NotFound, ServiceError
from apps.core.parsers import JSONParser
from apps.core.permissions import IsCareStaffOrAdmin
from apps.notes import export, processing
from apps.notes.models import ClinicalSession, InputKind, Note, NoteStatus, SessionInput
from apps.notes.selectors import note_templates_list
from apps.notes.serializers import (
    AmendSerializer,
    DraftRequestSerializer,
    DroppedSegmentsSerializer,
    InputCreateSerializer,
    InputSerializer,
    InputStatusSerializer,
    NoteEditSerializer,
    NoteSerializer,
    RelabelSerializer,
    RiskReviewDecisionSerializer,
    SessionSerializer,
    UtteranceSerializer,
)
from apps.notes.services.drafts import note_draft_generate
from apps.notes.services.risk_review import note_risk_review_decide
from apps.notes.services.sessions import (
    CATEGORY,
    clinical_session_create,
    note_template_publish,
    session_input_add_audio,
    session_input_add_typed,
)
from apps.notes.services.versions import note_amend, note_edit, note_sign, note_version_choose


@extend_schema(tags=["session notes"])
class SessionViewSet(PatientScopedViewSet):
    purpose = Purpose.CLINICAL
    nested_patient_kwarg = "patient_pk"
    serializer_class = SessionSerializer
    audit_object_type = "clinical_session"
    audit_data_category = CATEGORY
    permission_classes = [IsCareStaffOrAdmin]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_base_queryset(self):
        return ClinicalSession.objects.order_by("-started_at")

    def _session(self) -> ClinicalSession:
        return self.get_object()

    def _latest(self, session) -> Note:
        note = session.notes.order_by("-version").first()
        if note is None:
            raise NotFound("No draft yet: add a recording, dictation or typed summary.", code="no_note")
        return note

    @extend_schema(summary="Record a session (before or after adding inputs)")
    def create(self, request, *args, **kwargs):
        data = SessionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = clinical_session_create(actor=request.user, patient=self.get_patient(), **data.validated_data)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": InputCreateSerializer, "application/json": InputCreateSerializer},
        responses={202: InputSerializer},
        summary="Add a recording, a dictated or a typed summary",
    )
    def add_input(self, request, *args, **kwargs):
        session = self._session()
        data = InputCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["kind"] == InputKind.TYPED:
            item = session_input_add_typed(actor=request.user, session=session, text=data.validated_data["text"])
        else:
            item = session_input_add_audio(
                actor=request.user,
                session=session,
                kind=data.validated_data["kind"],
                audio_file=data.validated_data["audio"],
            )
        return Response(InputSerializer(item).data, status=status.HTTP_202_ACCEPTED)

    def _input(self) -> SessionInput:
        return get_object_or_404(SessionInput, pk=self.kwargs["input_pk"], session=self._session())

    @extend_schema(
        responses={200: InputStatusSerializer},
        summary="An input's processing status (queued, transcribing, drafting, done, failed); no PHI",
    )
    def input_status(self, request, *args, **kwargs):
        return Response(InputStatusSerializer(self._input()).data)

    @extend_schema(
        responses={200: DroppedSegmentsSerializer},
        summary="What transcription set aside (silence phrases, no speech, crosstalk), for the clinician",
    )
    def dropped(self, request, *args, **kwargs):
        item = self._input()
        self.audit_read([item], object_type="session_input")
        return Response({"input_id": str(item.pk), "segments": item.dropped})

    @extend_schema(responses={200: UtteranceSerializer(many=True)}, summary="An input's transcript, by speaker")
    def transcript(self, request, *args, **kwargs):
        item = self._input()
        self.audit_read([item], object_type="session_input")
        return Response(item.utterances)

    @extend_schema(
        request=RelabelSerializer,
        responses={200: UtteranceSerializer(many=True)},
        summary="Say who spoke which utterance; the draft is rebuilt",
    )
    def relabel(self, request, *args, **kwargs):
        data = RelabelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            labels = {int(k): v for k, v in data.validated_data["labels"].items()}
        except ValueError as exc:
            raise ServiceError("Keys are utterance indexes.", code="invalid", field="labels") from exc
        item = processing.session_input_speakers_relabel(
            actor=request.user, item=self._input(), labels=labels, swap_roles=data.validated_data["swap_roles"]
        )
        return Response(item.utterances)

    @extend_schema(
        responses={200: serializers.ListSerializer(child=serializers.DictField())},
        summary="Session analytics per recording (never part of the note)",
    )
    def analytics(self, request, *args, **kwargs):
        session = self._session()
        items = [
            {"input_id": str(i.pk), "kind": i.kind, **i.analytics}
            for i in session.inputs.order_by("created_at")
            if i.analytics
        ]
        self.audit_read([session], object_type="session_analytics")
        return Response(items)

    @extend_schema(responses={200: NoteSerializer}, summary="The latest note version, with evidence per sentence")
    def note(self, request, *args, **kwargs):
        note = self._latest(self._session())
        self.audit_read([note], object_type="note")
        return Response(NoteSerializer(note).data)

    @extend_schema(responses={200: NoteSerializer(many=True)}, summary="Every version, including amended ones")
    def versions(self, request, *args, **kwargs):
        notes = self.audit_read(self._session().notes.order_by("version"), object_type="note")
        return Response(NoteSerializer(notes, many=True).data)

    @extend_schema(
        request=None,
        responses={201: NoteSerializer},
        summary="Use this version: copy an earlier version (the live or the refined draft) as the current draft",
    )
    def choose(self, request, *args, **kwargs):
        session = self._session()
        note = session.notes.filter(version=self.kwargs["version"]).first()
        if note is None:
            raise NotFound("No such version.", code="not_found")
        chosen = note_version_choose(actor=request.user, note=note)
        return Response(NoteSerializer(chosen).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DraftRequestSerializer,
        responses={200: NoteSerializer},
        summary="Redraft now with the default engine or the practice's LLM endpoint",
    )
    def redraft(self, request, *args, **kwargs):
        data = DraftRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = self._session()
        note = note_draft_generate(session=session, engine=data.validated_data["engine"])
        if note is None:
            raise Conflict("The note is signed; amend it instead.", code="signed")
        return Response(NoteSerializer(note).data)

    @extend_schema(request=NoteEditSerializer, responses={200: NoteSerializer}, summary="Edit the draft")
    def edit(self, request, *args, **kwargs):
        data = NoteEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = note_edit(
            actor=request.user, note=self._latest(self._session()), sections=data.validated_data["sections"]
        )
        return Response(NoteSerializer(note).data)

    @extend_schema(request=None, responses={200: NoteSerializer}, summary="Sign (locks the note)")
    def sign(self, request, *args, **kwargs):
        return Response(NoteSerializer(note_sign(actor=request.user, note=self._latest(self._session()))).data)

    @extend_schema(
        request=RiskReviewDecisionSerializer,
        responses={200: NoteSerializer},
        summary="Confirm (raises the alert) or dismiss a possible risk item held for review; signing waits on them",
    )
    def risk_review(self, request, *args, **kwargs):
        session = self._session()  # through the door first: another practice's session is a 404, whatever the body
        data = RiskReviewDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = note_risk_review_decide(
            actor=request.user,
            note=self._latest(session),
            item_id=data.validated_data["item"],
            decision=data.validated_data["decision"],
            reason=data.validated_data["reason"],
        )
        return Response(NoteSerializer(note).data)

    @extend_schema(request=AmendSerializer, responses={201: NoteSerializer}, summary="Amend a signed note")
    def amend(self, request, *args, **kwargs):
        data = AmendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        note = note_amend(
            actor=request.user,
            note=self._latest(self._session()),
            reason=data.validated_data["reason"],
            sections=data.validated_data["sections"],
        )
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)

    def _signed(self, request) -> Note:
        note = self._latest(self._session())
        if note.status != NoteStatus.SIGNED:
            raise Conflict("Drafts cannot be exported; sign the note first.", code="not_signed")
        self.audit_export(note, object_type="note")
        return note

    @extend_schema(
        responses={
            (200, "application/fhir+json"): OpenApiResponse(
                OpenApiTypes.OBJECT, description="FHIR R4 DocumentReference"
            )
        },
        summary="Export the signed note as FHIR R4",
    )
    def fhir(self, request, *args, **kwargs):
        return Response(export.document_reference(self._signed(request)), content_type="application/fhir+json")

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF")},
        summary="Export the signed note as PDF",
    )
    def pdf(self, request, *args, **kwargs):
        note = self._signed(request)
        response = HttpResponse(export.pdf(note), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="note-{note.pk}-v{note.version}.pdf"'
        return response


class TemplateSerializer(serializers.Serializer):
    definition = serializers.JSONField(help_text="{key, title, sections: [{key, title, guidance, sources}]}")


class PracticeNoteTemplatesView(APIView):
    permission_classes = [IsCareStaffOrAdmin]

    @extend_schema(
        tags=["session notes"],
        responses={200: serializers.ListSerializer(child=serializers.DictField())},
        summary="Note templates: built-in and the practice's own",
    )
    def get(self, request):
        return Response(list(note_templates_list(request.user.practice_id).values()))

    @extend_schema(
        tags=["practice admin"],
        request=TemplateSerializer,
        responses={201: OpenApiResponse(OpenApiTypes.OBJECT, description="The stored template")},
        summary="Add a practice note template",
    )
    def post(self, request):
        data = TemplateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not isinstance(data.validated_data["definition"], dict):
            raise serializers.ValidationError({"definition": ["An object is required."]})
        row = note_template_publish(actor=request.user, definition=data.validated_data["definition"])
        return Response({**row.definition, "key": row.key, "version": row.version}, status=status.HTTP_201_CREATED)
