"""Patients, care teams, enrolment invitations and the public redeem endpoint."""

from __future__ import annotations

import segno
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from apps.accounts.door import MyRecordViewSet, PatientScopedViewSet
from apps.accounts.models import CareTeamMember, Invitation, PatientProfile, User
from apps.accounts.scoping import Purpose
from apps.accounts.serializers import (
    CareTeamAssignSerializer,
    CareTeamMemberSerializer,
    InvitationSerializer,
    IssuedInvitationSerializer,
    PatientCreateSerializer,
    PatientSerializer,
)
from apps.accounts.services import enrolment, patients
from apps.core.errors import ServiceError
from apps.core.permissions import BelongsToPractice, IsCareStaffOrAdmin


@extend_schema_view(
    list=extend_schema(summary="Patients the caller may see"),
    retrieve=extend_schema(summary="One patient's profile"),
    create=extend_schema(summary="Register a patient (before enrolment)", request=PatientCreateSerializer),
    partial_update=extend_schema(summary="Update a profile (staff; patients change theirs at /me/profile/)"),
)
@extend_schema(tags=["patients"])
class PatientViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, PatientScopedViewSet):
    purpose = Purpose.ADMINISTRATIVE
    patient_field = ""
    audit_object_type = "patient"
    audit_data_category = patients.PROFILE_CATEGORY
    serializer_class = PatientSerializer
    permission_classes = [BelongsToPractice]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_base_queryset(self):
        return PatientProfile.objects.prefetch_related("care_team__user").order_by("created_at")

    def get_serializer_class(self):
        return PatientCreateSerializer if self.action == "create" else PatientSerializer

    def create(self, request, *args, **kwargs):
        if not IsCareStaffOrAdmin().has_permission(request, self):
            self.permission_denied(request)
        data = PatientCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        primary_id = fields.pop("primary_clinician", None)
        primary = None
        if primary_id is not None:
            primary = User.objects.filter(pk=primary_id, practice_id=request.user.practice_id).first()
            if primary is None:
                raise ServiceError(
                    "No such clinician in this practice.", code="invalid_staff", field="primary_clinician"
                )
        patient = patients.patient_create(actor=request.user, data=fields, primary_clinician=primary)
        patient = self.get_base_queryset().get(pk=patient.pk)
        return Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        patient = self.get_object()
        data = PatientSerializer(patient, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        patient = patients.patient_update(actor=request.user, patient=patient, data=dict(data.validated_data))
        return Response(PatientSerializer(self.get_base_queryset().get(pk=patient.pk)).data)


@extend_schema(tags=["patients"])
class MyProfileViewSet(MyRecordViewSet):
    """The patient's own profile: read it, change their contact details and time zone (the
    ``/patients/{id}/`` endpoints are the staff's and need a staff role)."""

    patient_field = ""
    audit_object_type = "patient"
    audit_data_category = patients.PROFILE_CATEGORY
    serializer_class = PatientSerializer

    def _profile(self) -> PatientProfile:
        return PatientProfile.objects.prefetch_related("care_team__user").get(pk=self.get_patient().pk)

    @extend_schema(responses={200: PatientSerializer}, summary="My profile")
    def profile(self, request, *args, **kwargs):
        patient = self._profile()
        self.audit_read([patient])
        return Response(PatientSerializer(patient).data)

    @extend_schema(
        request=PatientSerializer, responses={200: PatientSerializer}, summary="Change my contact details or time zone"
    )
    def update_profile(self, request, *args, **kwargs):
        patient = self._profile()
        data = PatientSerializer(patient, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        patients.patient_update(actor=request.user, patient=patient, data=dict(data.validated_data))
        return Response(PatientSerializer(self._profile()).data)


@extend_schema(tags=["patients"])
class CareTeamViewSet(mixins.DestroyModelMixin, PatientScopedViewSet):
    purpose = Purpose.ADMINISTRATIVE
    nested_patient_kwarg = "patient_pk"
    audit_object_type = "care_team_member"
    audit_data_category = patients.CARE_TEAM_CATEGORY
    serializer_class = CareTeamMemberSerializer
    permission_classes = [BelongsToPractice]

    def get_base_queryset(self):
        return CareTeamMember.objects.select_related("user", "patient").order_by("added_at")

    @extend_schema(
        request=CareTeamAssignSerializer,
        responses={201: CareTeamMemberSerializer},
        summary="Add a staff member to the care team, or change their role",
    )
    def create(self, request, *args, **kwargs):
        patient = self.get_patient()
        data = CareTeamAssignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        staff = User.objects.filter(pk=data.validated_data["user"], practice_id=patient.practice_id).first()
        if staff is None:
            raise ServiceError("No such staff member in this practice.", code="invalid_staff", field="user")
        member = patients.care_team_assign(
            actor=request.user, patient=patient, staff=staff, role=data.validated_data["role"]
        )
        return Response(CareTeamMemberSerializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Remove a staff member from the care team")
    def destroy(self, request, *args, **kwargs):
        patients.care_team_remove(actor=request.user, member=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["enrolment"])
class InvitationViewSet(PatientScopedViewSet):
    purpose = Purpose.ADMINISTRATIVE
    nested_patient_kwarg = "patient_pk"
    serializer_class = InvitationSerializer
    permission_classes = [IsCareStaffOrAdmin]
    audit_object_type = "invitation"
    audit_data_category = patients.PROFILE_CATEGORY

    def get_base_queryset(self):
        return Invitation.objects.order_by("-created_at")

    @extend_schema(
        request=None,
        responses={201: IssuedInvitationSerializer},
        summary="Issue an enrolment code (revokes any earlier pending code)",
    )
    def create(self, request, *args, **kwargs):
        issued = enrolment.invitation_create(actor=request.user, patient=self.get_patient())
        qr = segno.make(issued.qr_payload, error="m")
        body = {
            "id": issued.invitation.id,
            "code": issued.code,
            "qr_payload": issued.qr_payload,
            "qr_svg": qr.svg_inline(scale=4),
            "expires_at": issued.invitation.expires_at,
        }
        return Response(IssuedInvitationSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: InvitationSerializer}, summary="Revoke a pending code")
    def destroy(self, request, *args, **kwargs):
        invitation = self.get_object()
        enrolment.invitation_revoke(actor=request.user, invitation=invitation)
        return Response(InvitationSerializer(invitation).data)
