"""Consent texts (published by practice admins) and patients' decisions."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Max
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from apps.accounts.door import MyRecordViewSet, PatientScopedViewSet
from apps.accounts.models import ConsentDocument, ConsentKind, ConsentRecord, PatientProfile
from apps.accounts.scoping import Purpose
from apps.accounts.serializers import ConsentDecisionSerializer, ConsentDocumentSerializer, ConsentStateSerializer
from apps.accounts.services.consent import consent_decide, consent_document_publish
from apps.core.permissions import BelongsToPractice, IsPracticeAdmin


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


class MyConsentViewSet(MyRecordViewSet):
    audit_object_type = "consent"
    audit_data_category = "consent"

    @extend_schema(
        responses={200: ConsentStateSerializer(many=True)},
        tags=["consent"],
        summary="My consent choices, their history, and whether a newer text needs review",
    )
    def state(self, request):
        self.audit_patient_read()
        return Response(ConsentStateSerializer(consent_state(self.get_patient()), many=True).data)

    @extend_schema(
        request=ConsentDecisionSerializer,
        responses={201: ConsentStateSerializer(many=True)},
        tags=["consent"],
        summary="Accept or decline one version of a consent text (also revokes)",
    )
    def decide(self, request):
        data = ConsentDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        patient = self.get_patient()
        consent_decide(actor=request.user, patient=patient, **data.validated_data)
        return Response(ConsentStateSerializer(consent_state(patient), many=True).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["consent"])
class PatientConsentViewSet(PatientScopedViewSet):
    purpose = Purpose.ADMINISTRATIVE
    patient_field = ""
    nested_patient_kwarg = "patient_pk"
    serializer_class = ConsentStateSerializer
    permission_classes = [BelongsToPractice]
    audit_object_type = "consent"
    audit_data_category = "consent"

    @extend_schema(responses={200: ConsentStateSerializer(many=True)}, summary="A patient's consent state")
    def state(self, request, *args, **kwargs):
        self.audit_patient_read()
        return Response(ConsentStateSerializer(consent_state(self.get_patient()), many=True).data)
