"""Devices (any signed-in user), staff accounts and practice settings (practice admins)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import Device, Role, User
from apps.accounts.serializers import (
    DeviceRefreshSerializer,
    DeviceSerializer,
    PracticeSerializer,
    StaffSerializer,
    StaffUpdateSerializer,
)
from apps.accounts.services.devices import device_refresh, device_register, device_unregister
from apps.accounts.services.mfa import mfa_reset
from apps.accounts.services.staff import practice_update, staff_create, staff_update
from apps.core.permissions import BelongsToPractice, IsPracticeAdmin


@extend_schema(tags=["devices"])
class DeviceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DeviceSerializer
    permission_classes = [BelongsToPractice]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Device.objects.none()
        # An unregistered token keeps its row as history, but for the API it is gone: 404 after DELETE.
        return Device.objects.filter(user=self.request.user, unregistered_at__isnull=True).order_by("-last_seen_at")

    @extend_schema(summary="Register a push token (idempotent; re-registering refreshes it)")
    def create(self, request, *args, **kwargs):
        data = DeviceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device = device_register(user=request.user, **data.validated_data)
        return Response(DeviceSerializer(device).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DeviceRefreshSerializer, responses={200: DeviceSerializer}, summary="Report a rotated token or check in"
    )
    def partial_update(self, request, *args, **kwargs):
        data = DeviceRefreshSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        device = device_refresh(device=self.get_object(), **data.validated_data)
        return Response(DeviceSerializer(device).data)

    @extend_schema(responses={204: None}, summary="Unregister (sign-out on this phone)")
    def destroy(self, request, *args, **kwargs):
        device_unregister(device=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["practice admin"])
class StaffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = StaffSerializer
    permission_classes = [IsPracticeAdmin]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return User.objects.none()
        return (
            User.objects.filter(practice_id=self.request.user.practice_id)
            .exclude(memberships__role=Role.PATIENT)
            .prefetch_related("memberships")
            .order_by("username")
        )

    @extend_schema(summary="Create a staff account")
    def create(self, request, *args, **kwargs):
        data = StaffSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = staff_create(actor=request.user, **data.validated_data)
        return Response(StaffSerializer(self.get_queryset().get(pk=user.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=StaffUpdateSerializer,
        responses={200: StaffSerializer},
        summary="Change roles, deactivate or rename a staff account",
    )
    def partial_update(self, request, *args, **kwargs):
        staff = self.get_object()
        data = StaffUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        staff_update(actor=request.user, staff=staff, **data.validated_data)
        return Response(StaffSerializer(self.get_queryset().get(pk=staff.pk)).data)

    @extend_schema(
        request=None,
        responses={204: None},
        summary="Remove a staff member's authenticator (lost phone): they set up a new one at next sign-in",
    )
    @action(detail=True, methods=["post"], url_path="mfa-reset")
    def mfa_reset(self, request, *args, **kwargs):
        mfa_reset(actor=request.user, user=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PracticeView(APIView):
    permission_classes = [BelongsToPractice]

    @extend_schema(responses={200: PracticeSerializer}, tags=["practice admin"], summary="My practice")
    def get(self, request):
        return Response(PracticeSerializer(request.user.practice).data)

    @extend_schema(
        request=PracticeSerializer,
        responses={200: PracticeSerializer},
        tags=["practice admin"],
        summary="Change practice settings (practice admins)",
    )
    def patch(self, request):
        if not request.user.is_practice_admin:
            self.permission_denied(request)
        data = PracticeSerializer(request.user.practice, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        practice = practice_update(actor=request.user, practice=request.user.practice, data=dict(data.validated_data))
        return Response(PracticeSerializer(practice).data)
