"""Sign-in for mobile (JWT with rotation and blacklist) and browsers (session + CSRF)."""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.views import TokenRefreshView

from apps.accounts.serializers import (
    LoginSerializer,
    MeSerializer,
    MfaChallengeSerializer,
    MfaCodeSerializer,
    RefreshInputSerializer,
    TokenPairSerializer,
)
from apps.accounts.services.auth import (
    auth_login,
    auth_logout_audit,
    auth_token_logout,
    mfa_step_after_password,
    token_revoked_audit,
)
from apps.accounts.services.mfa import mfa_challenge_issue, mfa_challenge_user, mfa_verify
from apps.core.errors import Forbidden
from apps.core.jwt import IssuedRefreshToken


class MfaEnrolmentRequired(Forbidden, code="mfa_enrolment_required"):
    pass


def password_step(request) -> tuple[object, Response | None]:
    """Check the password; when a second factor follows, the 202 challenge answer instead of a sign-in."""
    data = LoginSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    user = auth_login(request=request, **data.validated_data)
    step = mfa_step_after_password(user)
    if step == "enrol":
        raise MfaEnrolmentRequired(
            "Your practice requires an authenticator app: sign in to the web app once to set it up."
        )
    if step == "verify":
        body = {"mfa_required": True, "challenge": mfa_challenge_issue(user)}
        return user, Response(body, status=status.HTTP_202_ACCEPTED)
    return user, None


def code_step(request):
    """The second step: the challenge from the password step and a code; returns the user."""
    data = MfaCodeSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    user = mfa_challenge_user(data.validated_data["challenge"])
    mfa_verify(user=user, code=data.validated_data["code"])
    return user


def tokens_for(user) -> dict[str, str]:
    refresh = IssuedRefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class AnonymousThrottledView(APIView):
    """An endpoint for a caller without credentials yet (sign-in, enrolment): it reads no credentials,
    lets anyone in, and limits the rate per ``throttle_scope`` (set by each subclass)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ScopedRateThrottle]


class TokenObtainView(AnonymousThrottledView):
    throttle_scope = "login"

    @extend_schema(
        request=LoginSerializer,
        responses={200: TokenPairSerializer, 202: MfaChallengeSerializer},
        tags=["auth"],
        summary="Sign in (mobile): username and password for an access/refresh token pair, or (staff with "
        "an authenticator) a challenge to finish at /auth/token/mfa/",
    )
    def post(self, request):
        user, challenge = password_step(request)
        return challenge or Response(tokens_for(user))


class TokenMfaView(AnonymousThrottledView):
    throttle_scope = "login"

    @extend_schema(
        request=MfaCodeSerializer,
        responses={200: TokenPairSerializer},
        tags=["auth"],
        summary="Sign in (mobile), second step: the challenge and a code for the token pair",
    )
    def post(self, request):
        return Response(tokens_for(code_step(request)))


@extend_schema(
    tags=["auth"],
    summary="Exchange a refresh token for a new pair (the old one, and access tokens minted from it, are revoked)",
)
class TokenRotateView(TokenRefreshView):
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        token_revoked_audit(user_id=serializer.revoked["user_id"], jti=serializer.revoked["jti"], reason="rotation")
        return Response(serializer.validated_data, status=status.HTTP_200_OK)


class LogoutView(APIView):
    @extend_schema(
        request=RefreshInputSerializer,
        responses={204: None},
        tags=["auth"],
        summary="Sign out (mobile): blacklist the refresh token",
    )
    def post(self, request):
        data = RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        auth_token_logout(user=request.user, refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(ensure_csrf_cookie, name="get")
class CsrfView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={204: None}, tags=["auth"], summary="Set the CSRF cookie for browser clients")
    def get(self, request):
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(csrf_protect, name="post")
class SessionView(APIView):
    throttle_scope = "login"

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_throttles(self):
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        request=LoginSerializer,
        responses={200: MeSerializer, 202: MfaChallengeSerializer},
        tags=["auth"],
        summary="Sign in (browser): starts a session, or (staff with an authenticator) answers a challenge "
        "to finish at /auth/session/mfa/; send the CSRF token",
    )
    def post(self, request):
        user, challenge = password_step(request)
        if challenge:
            return challenge
        login(request._request, user, backend="django.contrib.auth.backends.ModelBackend")
        return Response(MeSerializer(user).data)

    @extend_schema(responses={204: None}, tags=["auth"], summary="Sign out (browser)")
    def delete(self, request):
        auth_logout_audit(user=request.user, method="session")
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@method_decorator(csrf_protect, name="post")
class SessionMfaView(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        request=MfaCodeSerializer,
        responses={200: MeSerializer},
        tags=["auth"],
        summary="Sign in (browser), second step: the challenge and a code start the session",
    )
    def post(self, request):
        user = code_step(request)
        login(request._request, user, backend="django.contrib.auth.backends.ModelBackend")
        return Response(MeSerializer(user).data)


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer}, tags=["auth"], summary="Who am I: roles, practice, patient id")
    def get(self, request):
        return Response(MeSerializer(request.user).data)
