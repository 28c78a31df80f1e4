"""The public enrolment endpoint: a patient app redeems a code and starts with the practice's defaults."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.accounts.api_auth import AnonymousThrottledView, tokens_for
from apps.accounts.serializers import EnrolmentResultSerializer, RedeemSerializer
from apps.practice.onboarding import patient_enrol


class RedeemView(AnonymousThrottledView):
    throttle_scope = "enrolment"

    @extend_schema(
        request=RedeemSerializer,
        responses={201: EnrolmentResultSerializer},
        tags=["enrolment"],
        summary="Patient app: redeem an enrolment code, choose credentials, receive tokens",
    )
    def post(self, request):
        data = RedeemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = patient_enrol(**data.validated_data)
        body = {**tokens_for(user), "patient_id": user.patient_profile.id}
        return Response(EnrolmentResultSerializer(body).data, status=status.HTTP_201_CREATED)
