"""The caller's IP address, for the sign-in rate limit, the lockout and the audit trail.

``X-Forwarded-For`` is anyone's to write: it is read only when ``TRUSTED_PROXY_COUNT`` proxies of
ours stand in front of the app (each appends the address it saw), and then only the entry the
outermost trusted proxy wrote -- never what the client put in front of it. With no trusted proxy
the address is the socket's (``REMOTE_ADDR``). DRF's throttles use the same rule (``NUM_PROXIES``).
"""

from __future__ import annotations

from django.conf import settings


def client_ip(meta) -> str:
    remote = meta.get("REMOTE_ADDR") or ""
    trusted = settings.TRUSTED_PROXY_COUNT
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if not trusted or not forwarded:
        return remote
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    if not hops:
        return remote
    return hops[-min(trusted, len(hops))]
