"""The patient's own data: export (``/me/export/…``) and erasure (``/me/erasure/``, and a practice
admin's ``/patients/{id}/erasure/``). Both go through the door's viewsets like every patient route."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.accounts.door import MyRecordViewSet, PatientScopedViewSet
from apps.accounts.models import PatientExport
from apps.accounts.scoping import Purpose
from apps.core.permissions import BelongsToPractice
from apps.privacy.selectors import erasure_statement, patient_export_open
from apps.privacy.services.erasure import patient_erase
from apps.privacy.services.export import patient_export_request


class PatientExportSerializer(serializers.ModelSerializer):
    class Meta:
        model = PatientExport
        fields = ["id", "state", "progress", "error", "size_bytes", "created_at", "ready_at", "expires_at"]
        read_only_fields = fields


class RetainedSerializer(serializers.Serializer):
    kind = serializers.CharField()
    why = serializers.CharField()
    count = serializers.IntegerField(allow_null=True)


class ErasureStatementSerializer(serializers.Serializer):
    removed = serializers.ListField(child=serializers.CharField())
    retained = RetainedSerializer(many=True)


class ErasureConfirmSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(help_text="true, after showing the statement (what is removed and kept)")

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError("Confirm the erasure after reading what is kept.")
        return value


class ErasureResultSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    completed_at = serializers.DateTimeField()
    retained = serializers.DictField()


@extend_schema(tags=["privacy"])
class MyExportViewSet(MyRecordViewSet):
    """Everything held about me as a zip (JSON files and a FHIR Bundle), built in the background."""

    serializer_class = PatientExportSerializer
    audit_object_type = "patient_export"
    audit_data_category = "export"
    dangerously_unaudited = {"exports": "the export jobs' state and progress only (no PHI); the app polls it"}

    def get_base_queryset(self):
        return PatientExport.objects.order_by("-created_at")

    @extend_schema(responses=PatientExportSerializer(many=True))
    def exports(self, request, *args, **kwargs):
        return Response(PatientExportSerializer(self.get_queryset()[:5], many=True).data)

    @extend_schema(
        request=None,
        responses={202: PatientExportSerializer, 409: OpenApiResponse(description="An export is being prepared")},
    )
    def start(self, request, *args, **kwargs):
        export = patient_export_request(actor=request.user, patient=self.get_patient())
        return Response(PatientExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY, description="The zip"),
            410: OpenApiResponse(description="The export expired; ask for a new one"),
        }
    )
    def download(self, request, *args, **kwargs):
        export = self.get_object()
        chunks = patient_export_open(export=export)
        self.audit_export(export)
        response = StreamingHttpResponse(chunks, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="interlude-export-{export.created_at:%Y-%m-%d}.zip"'
        response["Cache-Control"] = "no-store"
        return response


class _Erasure:
    audit_object_type = "erasure_statement"
    audit_data_category = "erasure"

    @extend_schema(responses=ErasureStatementSerializer)
    def statement(self, request, *args, **kwargs):
        return Response(erasure_statement(self.get_patient()))

    @extend_schema(request=ErasureConfirmSerializer, responses={200: ErasureResultSerializer})
    def erase(self, request, *args, **kwargs):
        patient = self.get_patient()  # outside the caller's scope: 404 before anything else
        ErasureConfirmSerializer(data=request.data).is_valid(raise_exception=True)
        done = patient_erase(actor=request.user, patient=patient)
        return Response({"id": done.pk, "completed_at": done.completed_at, "retained": done.retained})


@extend_schema(tags=["privacy"])
class MyErasureViewSet(_Erasure, MyRecordViewSet):
    """Erase my record: GET says what is removed and what the practice keeps by law; POST confirms."""


@extend_schema(tags=["privacy"])
class PatientErasureViewSet(_Erasure, PatientScopedViewSet):
    """A practice admin erases a patient's record (the patient's request made at the practice)."""

    nested_patient_kwarg = "patient_pk"
    purpose = Purpose.ADMINISTRATIVE  # outside the caller's scope: 404; in scope but not an admin: 403 (service)
    permission_classes = [BelongsToPractice]
