"""ASGI entry point: HTTP goes to Django, websockets to Channels consumers."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

_django = get_asgi_application()

from apps.core.body_limit import BodyLimitASGIMiddleware  # noqa: E402

# Body caps wrap Django: its handler reads a whole body before any middleware could refuse it.
django_asgi_app = BodyLimitASGIMiddleware(_django)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from apps.core.ws_auth import BrowserOriginValidator, WebsocketAuthMiddleware  # noqa: E402
from backend.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": BrowserOriginValidator(WebsocketAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
