"""A strict Content-Security-Policy for the browser apps (clinician web app, patient app).

Every script and stylesheet is a same-origin file (no inline ``<script>``, no ``style=`` attributes,
no ``eval``: htmx runs with ``allowEval: false`` and Alpine is its CSP build), so the policy needs
neither ``unsafe-inline`` nor ``unsafe-eval``. Nothing is loaded from another origin. Websockets go
to the same host (``connect-src 'self'`` covers ``ws:``/``wss:`` of this origin in CSP Level 3).

The API's own HTML (``/api/docs/`` is Swagger UI with an inline bootstrap script; the printable brief
at ``/api/v1/…/brief.html`` carries its own ``<style>``) keeps Django's defaults; only pages outside
``/api/`` get this header.
"""

from __future__ import annotations

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
EXEMPT_PREFIXES = ("/api/",)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            "Content-Security-Policy" not in response
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            response["Content-Security-Policy"] = POLICY
            response["Referrer-Policy"] = "same-origin"
            response["Permissions-Policy"] = "camera=(), geolocation=(), microphone=(self)"
        return response
