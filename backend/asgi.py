"""ASGI entry point: HTTP goes to Django, websockets to Channels consumers.

Start-up ends by loading every view (the URLconf, which Django otherwise imports on the first request)
and freezing what exists then out of the garbage collector's reach: about 150,000 long-lived objects
(modules, classes, functions, settings) that every full collection walked again, 100 to 250 ms per
collection with the whole process paused, several times a minute under load (issue 20). Objects made
while serving requests are collected as before.
"""

from __future__ import annotations

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from backend.asgi_handler import get_asgi_application  # noqa: E402

_django = get_asgi_application()  # Django's handler, one thread hop per request (issue 20)

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


def _freeze_start_up_objects() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every view module now, not in the first request
    gc.collect()
    gc.freeze()


_freeze_start_up_objects()
