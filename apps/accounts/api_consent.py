"""Consent texts (published by practice admins) and patients' decisions."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Max
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import ConsentDocument, ConsentKind, ConsentRecord, PatientProfile
from apps.accounts.scoping import Purpose
from apps.accounts.serializers import ConsentDecisionSerializer, ConsentDocumentSerializer, ConsentStateSerializer
from apps.accounts.services.consent import consent_decide, consent_document_publish
from apps.audit.services import AuditAction, audit_log
from apps.core.permissions import BelongsToPractice, IsPatient, IsPracticeAdmin
from apps.core.views_base import PatientScopedViewSet


def consent_state(patient: PatientProfile) -> list[dict]:
    latest_versions = dict(
        ConsentDocument.objects.filter(practice_id=patient.practice_id).values_list("kind").annotate(v=Max("version"))
    )
    history: dict[str, list[ConsentRecord]] = defaultdict(list)
    for record in ConsentRecord.objects.filter(patient=patient).select_related("document").order_by("-decided_at"):
        history[record.kind].append(record)
    state = []
    for kind in ConsentKind.values:
        records = history.get(kind, [])
        current = records[0] if records else None
        latest = latest_versions.get(kind)
        state.append(
            {
                "kind": kind,
                "granted": bool(current and current.decision == "accepted"),
                "current": current,
                "latest_version": latest,
                "needs_review": bool(latest and (current is None or current.document.version < latest)),
                "history": records,
            }
        )
    return state


@extend_schema(tags=["consent"])
class ConsentDocumentViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = ConsentDocumentSerializer
    pagination_class = None

    def get_permissions(self):
        return [IsPracticeAdmin()] if self.action == "create" else [BelongsToPractice()]

    def get_queryset(self):
        return ConsentDocument.objects.filter(practice_id=self.request.user.practice_id).order_by("kind", "-version")

    @extend_schema(summary="Publish a new version of a consent text (practice admins)")
    def create(self, request, *args, **kwargs):
        data = ConsentDocumentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        doc = consent_document_publish(actor=request.user, **data.validated_data)
        return Response(ConsentDocumentSerializer(doc).data, status=status.HTTP_201_CREATED)


class MyConsentView(APIView):
    permission_classes = [IsPatient]

    @extend_schema(
        responses={200: ConsentStateSerializer(many=True)},
        tags=["consent"],
        summary="My consent choices, their history, and whether a newer text needs review",
    )
    def get(self, request):
        patient = request.user.patient_profile
        audit_log(
            actor=request.user,
            action=AuditAction.READ,
            object_type="consent",
            object_id=patient.pk,
            patient_id=patient.pk,
            data_category="consent",
        )
        return Response(ConsentStateSerializer(consent_state(patient), many=True).data)

    @extend_schema(
        request=ConsentDecisionSerializer,
        responses={201: ConsentStateSerializer(many=True)},
        tags=["consent"],
        summary="Accept or decline one version of a consent text (also revokes)",
    )
    def post(self, request):
        data = ConsentDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patient = request.user.patient_profile
        consent_decide(actor=request.user, patient=patient, **data.validated_data)
        return Response(ConsentStateSerializer(consent_state(patient), many=True).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["consent"])
class PatientConsentViewSet(PatientScopedViewSet):
    purpose = Purpose.ADMINISTRATIVE
    patient_field = ""
    nested_patient_kwarg = "patient_pk"
    serializer_class = ConsentStateSerializer
    permission_classes = [BelongsToPractice]

    def get_base_queryset(self):
        return PatientProfile.objects.all()

    @extend_schema(responses={200: ConsentStateSerializer(many=True)}, summary="A patient's consent state")
    def list(self, request, *args, **kwargs):
        patient = self.get_patient()
        audit_log(
            actor=request.user,
            action=AuditAction.READ,
            object_type="consent",
            object_id=patient.pk,
            patient_id=patient.pk,
            data_category="consent",
        )
        return Response(ConsentStateSerializer(consent_state(patient), many=True).data)
