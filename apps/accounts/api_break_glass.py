"""Break-glass over the API: a clinician opens a record outside their care team in an emergency
(``POST /break-glass/`` naming the patient: not under ``/patients/{id}/``, which only the door serves);
practice admins review every grant (``/break-glass/…``)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.viewsets import GenericViewSet

from apps.accounts.models import BreakGlassGrant
from apps.accounts.selectors import break_glass_grants_list, break_glass_reads_list
from apps.accounts.services.break_glass import (
    REVIEW_OUTCOMES,
    break_glass_end,
    break_glass_open,
    break_glass_review,
)
from apps.core.permissions import IsCareStaffOrAdmin


class BreakGlassOpenSerializer(serializers.Serializer):
    patient = serializers.UUIDField()
    reason = serializers.CharField(max_length=2000)


class BreakGlassReviewSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=REVIEW_OUTCOMES)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class BreakGlassReadSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    action = serializers.CharField()
    object_type = serializers.CharField()
    data_category = serializers.CharField()
    via = serializers.CharField()


class BreakGlassGrantSerializer(serializers.ModelSerializer):
    clinician = serializers.SerializerMethodField()
    reviewed_by_name = serializers.SerializerMethodField()
    active = serializers.SerializerMethodField()

    class Meta:
        model = BreakGlassGrant
        fields = [
            "id",
            "patient",
            "clinician",
            "reason",
            "created_at",
            "expires_at",
            "ended_at",
            "active",
            "reviewed_at",
            "reviewed_by_name",
            "review_outcome",
            "review_note",
        ]
        read_only_fields = fields

    def get_clinician(self, grant) -> str:
        return grant.user.display_name or grant.user.username

    def get_reviewed_by_name(self, grant) -> str:
        return (grant.reviewed_by.display_name or grant.reviewed_by.username) if grant.reviewed_by else ""

    def get_active(self, grant) -> bool:
        return grant.ended_at is None and grant.expires_at > timezone.now()


class BreakGlassGrantDetailSerializer(BreakGlassGrantSerializer):
    reads = serializers.SerializerMethodField()

    class Meta(BreakGlassGrantSerializer.Meta):
        fields = [*BreakGlassGrantSerializer.Meta.fields, "reads"]
        read_only_fields = fields

    @extend_schema_field(BreakGlassReadSerializer(many=True))
    def get_reads(self, grant) -> list:
        return BreakGlassReadSerializer(break_glass_reads_list(grant), many=True).data


@extend_schema(tags=["break-glass"])
class BreakGlassGrantViewSet(GenericViewSet):
    """Open a grant; the review queue (practice admins: every grant of the practice) or a clinician's own."""

    permission_classes = [IsCareStaffOrAdmin]
    serializer_class = BreakGlassGrantSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BreakGlassGrant.objects.none()
        qs = break_glass_grants_list(self.request.user)
        if self.request.query_params.get("pending") in ("1", "true"):
            qs = qs.filter(reviewed_at__isnull=True)
        return qs

    @extend_schema(request=BreakGlassOpenSerializer, responses={201: BreakGlassGrantSerializer})
    def create(self, request):
        """Open a patient's record outside your care team in an emergency. The patient need not be
        visible to the caller yet (that is the point); the service checks the practice and the role."""
        data = BreakGlassOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = break_glass_open(
            actor=request.user, patient_id=data.validated_data["patient"], reason=data.validated_data["reason"]
        )
        return Response(BreakGlassGrantSerializer(grant).data, status=status.HTTP_201_CREATED)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(BreakGlassGrantSerializer(page, many=True).data)

    @extend_schema(responses=BreakGlassGrantDetailSerializer)
    def retrieve(self, request, pk=None):
        return Response(BreakGlassGrantDetailSerializer(self.get_object()).data)

    @extend_schema(request=BreakGlassReviewSerializer, responses=BreakGlassGrantSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        data = BreakGlassReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = break_glass_review(actor=request.user, grant=self.get_object(), **data.validated_data)
        return Response(BreakGlassGrantSerializer(grant).data)

    @extend_schema(request=None, responses=BreakGlassGrantSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        grant = break_glass_end(actor=request.user, grant=self.get_object())
        return Response(BreakGlassGrantSerializer(grant).data)
