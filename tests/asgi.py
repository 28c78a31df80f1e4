"""Driving the real ASGI application (backend/asgi.py) without a server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from backend.asgi import application


def http_scope(path: str, *, method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
    }


async def serve(scope: dict, receive: Callable[[], Awaitable[dict]]) -> tuple[int, dict[bytes, bytes], bytes]:
    """Status, headers (names lower-cased) and body of the application's answer."""
    sent = []

    async def send(message):
        sent.append(message)

    await application(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {name.lower(): value for name, value in start["headers"]}, body
