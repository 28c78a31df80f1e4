"""The web process's ASGI handler (backend/asgi_handler.py): Django's request handling with the
middleware chain and view in one sync call, on threads reused from request to request."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
from django.core.signals import request_finished, request_started

from tests.asgi import http_scope, serve


async def _get(path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    done = asyncio.Event()

    async def receive():
        if not done.is_set():
            done.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)  # the client stays connected until the response is sent

    return await serve(http_scope(path), receive)


@pytest.fixture
def threads_seen():
    seen: list[tuple[str, str]] = []

    def started(**_kwargs):
        seen.append(("started", threading.current_thread().name))

    def finished(**_kwargs):
        seen.append(("finished", threading.current_thread().name))

    request_started.connect(started)
    request_finished.connect(finished)
    yield seen
    request_started.disconnect(started)
    request_finished.disconnect(finished)


@pytest.mark.django_db(transaction=True)
async def test_a_request_goes_through_every_middleware_to_the_view():
    status, headers, body = await _get("/health/live")
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert len(headers[b"x-request-id"]) >= 8  # RequestContextMiddleware
    assert headers[b"x-frame-options"] == b"DENY"  # XFrameOptionsMiddleware, near the end of the chain
    missing, _headers, _body = await _get("/no/such/page/")
    assert missing == 404


@pytest.mark.django_db(transaction=True)
async def test_requests_in_turn_reuse_one_thread_and_each_stays_on_it(threads_seen):
    await _get("/health/live")
    await _get("/health/live")
    names = {name for _event, name in threads_seen}
    # Stock Django starts a new thread for every request (and another to join it afterwards).
    assert [event for event, _name in threads_seen] == ["started", "finished"] * 2
    assert len(names) == 1 and threading.current_thread().name not in names


@pytest.mark.django_db(transaction=True)
async def test_requests_at_the_same_time_run_on_different_threads():
    both_inside = threading.Barrier(2, timeout=10)

    def wait_for_the_other(**_kwargs):
        both_inside.wait()  # on one shared thread the second request could never arrive: BrokenBarrierError

    request_started.connect(wait_for_the_other)
    try:
        results = await asyncio.gather(_get("/health/live"), _get("/health/live"))
    finally:
        request_started.disconnect(wait_for_the_other)
    assert [status for status, _headers, _body in results] == [200, 200]
