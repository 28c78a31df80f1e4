"""Request body caps per endpoint class, enforced before authentication and before parsing.

Django's ASGI handler reads a whole request body (to a temporary file) before any middleware runs, so
the cap is an ASGI wrapper around the Django app (``BodyLimitASGIMiddleware``): it answers 413 from the
``Content-Length`` alone, and for a chunked body it counts the bytes as they arrive and stops reading
at the cap. ``BodyLimitMiddleware``, first in ``MIDDLEWARE``, applies the same rule to a declared
length under any other server (and the test client).

Classes: every endpoint takes at most ``REQUEST_MAX_BODY_KB``; the recording uploads named in
``AUDIO_UPLOADS`` take ``JOURNAL_MAX_UPLOAD_MB`` times their factor, plus room for the multipart form.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from django.http import JsonResponse
from django.urls import Resolver404, resolve

MB = 1024 * 1024
FORM_OVERHEAD = MB  # multipart boundaries and the other fields beside the file
# URL name → multiple of JOURNAL_MAX_UPLOAD_MB (a session recording may be up to 8 times a journal's).
AUDIO_UPLOADS = {"my-journals": 1, "session-inputs": 8, "web:session-input": 8}
CODE = "request_too_large"


def body_limit_for(path: str) -> int:
    """The most bytes a request body to ``path`` may have."""
    try:
        factor = AUDIO_UPLOADS.get(resolve(path).view_name)
    except Resolver404:
        factor = None
    if factor:
        return settings.JOURNAL_MAX_UPLOAD_MB * MB * factor + FORM_OVERHEAD
    return settings.REQUEST_MAX_BODY_KB * 1024


def _error(limit: int) -> dict[str, Any]:
    return {"error": {"code": CODE, "message": f"The request body is over {limit} bytes.", "fields": {}}}


class BodyLimitMiddleware:
    """Refuses a declared ``Content-Length`` over the path's cap before anything reads the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or "0"
        limit = body_limit_for(request.path_info)
        if declared.isdigit() and int(declared) > limit:
            return JsonResponse(_error(limit), status=413)
        return self.get_response(request)


Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


class BodyLimitASGIMiddleware:
    """Wraps the Django ASGI app: 413 on a declared or streamed body over the path's cap."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope: dict, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit_for(scope.get("path", "/"))
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _send_413(send, limit)
            return
        received = 0
        over = False

        async def counting_receive() -> dict:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True  # Django sees the client leave and stops reading; we answer for it
                    return {"type": "http.disconnect"}
            return message

        started = False

        async def tracking_send(message: dict) -> None:
            nonlocal started
            if over and not started:
                return  # nothing of Django's reaches a client whose body we cut off
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counting_receive, tracking_send)
        if over and not started:
            await _send_413(send, limit)


async def _send_413(send: Send, limit: int) -> None:
    body = json.dumps(_error(limit)).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": [*headers, (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
