from __future__ import annotations

import re

from apps.core import context
from apps.core.client_ip import client_ip

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Assigns a request id (honouring a well-formed inbound ``X-Request-ID``) and binds it,
    with the client IP, for audit events and log lines; echoes it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        inbound = request.headers.get("X-Request-ID", "")
        request_id = inbound if _VALID_REQUEST_ID.match(inbound) else context.new_request_id()
        via = "api" if request.path.startswith("/api/") else "web"  # the clinician web app's pages
        ctx = context.RequestContext(
            request_id=request_id,
            ip=client_ip(request.META),
            via=via,
            prefetch=context.is_prefetch(request.headers),
        )
        request.request_id = request_id
        with context.bind(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
