"""Websocket authentication without tokens in URLs (they end up in access logs).

Accepted, in order: ``Authorization: Bearer <jwt>`` on the handshake (native apps); a
``bearer.<jwt>`` entry in ``Sec-WebSocket-Protocol`` next to ``interlude.v1`` (browsers cannot set
headers); the Django session cookie (browser clients signed in with a session).
"""

from __future__ import annotations

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from apps.core.jwt import access_revoked

BEARER_PREFIX = "bearer."
PROTOCOL = "interlude.v1"


def user_for_token(raw: str):
    """The active user an access token names, unless it is invalid or revoked (``apps.core.jwt``)."""
    try:
        token = AccessToken(raw)
    except TokenError:
        return AnonymousUser()
    if access_revoked(token):
        return AnonymousUser()
    user = (
        get_user_model().objects.filter(pk=token.get("user_id"), is_active=True).prefetch_related("memberships").first()
    )
    return user or AnonymousUser()


_user_for_token = database_sync_to_async(user_for_token)


def _bearer_from(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            text = value.decode("latin-1")
            if text.lower().startswith("bearer "):
                return text[7:].strip()
    for proto in scope.get("subprotocols", []):
        if proto.startswith(BEARER_PREFIX):
            return proto[len(BEARER_PREFIX) :]
    return None


class _JwtMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        raw = _bearer_from(scope)
        if raw is not None:
            scope = {**scope, "user": await _user_for_token(raw)}
        return await self.inner(scope, receive, send)


def WebsocketAuthMiddleware(inner):  # noqa: N802 - reads like the other Channels middleware stacks
    return AuthMiddlewareStack(_JwtMiddleware(inner))


class _BrowserOriginValidator(OriginValidator):
    """Browsers always send ``Origin``; a browser page from another site must not ride on the session
    cookie (cross-site websocket hijacking), so a present Origin must match ALLOWED_HOSTS. Native apps
    send no Origin and authenticate with a bearer token, which a foreign page cannot obtain."""

    def valid_origin(self, parsed_origin):
        if parsed_origin is None:
            return True
        return self.validate_origin(parsed_origin)


def BrowserOriginValidator(inner):  # noqa: N802 - mirrors channels' AllowedHostsOriginValidator
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:
        allowed_hosts = ["localhost", "127.0.0.1", "[::1]"]
    return _BrowserOriginValidator(inner, allowed_hosts)
