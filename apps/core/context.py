"""Per-request context (request id, client IP, actor) carried in contextvars.

Set by ``RequestContextMiddleware`` for HTTP and by consumers/tasks for other entry points,
so that services can stamp audit events without every call site passing the request.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

# A fetch nobody asked to see yet: the patient app's service worker filling its offline copies
# (it sends this header), or a browser's own prefetch (``Sec-Purpose: prefetch``). Reads it makes are
# still audited as reads, marked ``prefetch`` so the trail does not say a person looked.
PREFETCH_HEADER = "X-Interlude-Prefetch"


def is_prefetch(headers) -> bool:
    return bool(headers.get(PREFETCH_HEADER)) or "prefetch" in headers.get("Sec-Purpose", "")


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    ip: str | None = None
    via: str = "api"  # api | websocket | task | command
    prefetch: bool = False


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("interlude_ctx", default=None)


def current() -> RequestContext:
    ctx = _current.get()
    return ctx if ctx is not None else RequestContext(request_id="-", via="internal")


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def bind(ctx: RequestContext) -> Iterator[RequestContext]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
