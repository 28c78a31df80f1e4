"""Access tokens that die with their refresh token (logout, rotation), checked on every request.

Invariants (security-relevant; tests in tests/apps/accounts/test_auth.py):

- Every access token carries ``rjti``, the id of the refresh token it was minted from. simplejwt
  blacklists a refresh token on logout and when it is rotated; an access token whose refresh token
  is blacklisted is refused at once instead of living out its ``JWT_ACCESS_MINUTES``.
- The check is one indexed lookup per request (the blacklist joined to the outstanding tokens by
  their unique ``jti``), in the API (``RevocableJWTAuthentication``) and on the websocket handshake.
- An access token without ``rjti`` was not minted here (``IssuedRefreshToken``) and is refused.
"""

from __future__ import annotations

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.core.errors import ServiceError

PARENT_CLAIM = "rjti"


class IssuedRefreshToken(RefreshToken):
    """A refresh token whose access tokens name it (``rjti``)."""

    @property
    def access_token(self) -> AccessToken:
        access = super().access_token
        access[PARENT_CLAIM] = self[api_settings.JTI_CLAIM]
        return access


def refresh_token_blacklist(*, raw: str, user_id) -> str:
    """Blacklist the refresh token ``raw``, which must be ``user_id``'s; returns its id (``jti``)."""
    try:
        token = IssuedRefreshToken(raw)
        if str(token.get("user_id")) != str(user_id):
            raise TokenError("token belongs to another user")
        token.blacklist()
    except TokenError as exc:
        raise ServiceError(
            "This refresh token is invalid or already revoked.", code="token_invalid", field="refresh"
        ) from exc
    return token["jti"]


def refresh_tokens_revoke_all(*, user_id) -> None:
    """Blacklist every refresh token of the user not yet blacklisted (their access tokens die with them)."""
    outstanding = OutstandingToken.objects.filter(user_id=user_id).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in outstanding], ignore_conflicts=True)


def access_revoked(token) -> bool:
    """Whether the refresh token this access token came from was revoked (or it names none)."""
    parent = token.get(PARENT_CLAIM)
    return not parent or BlacklistedToken.objects.filter(token__jti=parent).exists()


class RevocableJWTAuthentication(JWTAuthentication):
    def get_validated_token(self, raw_token: bytes):
        token = super().get_validated_token(raw_token)
        if access_revoked(token):
            raise InvalidToken({"detail": "This token was revoked (signed out or refreshed).", "code": "token_revoked"})
        return token


class RevocableJWTScheme(SimpleJWTScheme):
    """The OpenAPI schema describes it as the bearer JWT it is."""

    target_class = "apps.core.jwt.RevocableJWTAuthentication"


class RotatingRefreshSerializer(TokenRefreshSerializer):
    """Rotation hands back an access token minted from the *new* refresh token: simplejwt mints it
    from the old one, which rotation has just blacklisted (and with it, by ``rjti``, the access)."""

    token_class = IssuedRefreshToken

    def validate(self, attrs):
        old = self.token_class(attrs["refresh"])
        data = super().validate(attrs)
        self.revoked = {"user_id": old.get(api_settings.USER_ID_CLAIM), "jti": old[api_settings.JTI_CLAIM]}
        if "refresh" in data:
            data["access"] = str(IssuedRefreshToken(data["refresh"]).access_token)
        return data
