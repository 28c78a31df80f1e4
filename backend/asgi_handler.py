"""Django's ASGI handler, serving each request's sync code in one hop on a reused thread (issue 20).

Every view and middleware of this project is synchronous. Stock Django under ASGI still builds its
middleware chain for async: the chain runs in a worker thread (``sync_to_async``), comes back to the
event loop for the innermost handler (``async_to_sync``) and goes out to a thread again for the view,
and each request gets a thread of its own (``ThreadSensitiveContext``), started for the request and
joined afterwards by a second, new thread. Measured with ``benchmarks/request_cost.py --mode
profile``: two thread starts and five loop/thread hand-offs per request, the biggest part of the
difference between ``/health/live`` over HTTP and the same request in process.

This handler keeps Django's request handling (``ASGIHandler.handle``: body reading, the
request_started/request_finished signals, disconnect handling, streaming) and changes two things:

- **The middleware chain and the view run as one synchronous call**, exactly as under WSGI
  (``load_middleware(is_async=False)`` and ``BaseHandler.get_response``), in one ``sync_to_async``
  hop.
- **Threads are reused.** Each request still runs its sync code on a thread no other request is using
  at that moment (so one slow request never holds up another's sync code, and thread-sensitive code
  inside a request stays on one thread), but the thread comes from a pool of single-thread executors
  instead of being started and joined per request, as a WSGI server's thread pool does. Per-request
  state lives in the request's context (Django's connections, translations and time zone are
  ``asgiref.local.Local``), not in the thread.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.http import FileResponse

IDLE_THREADS_MAX = 16  # idle request threads kept; more concurrent requests start (and later stop) more


class _ThreadPool:
    """Idle single-thread executors, newest first (its thread's caches are warm)."""

    def __init__(self) -> None:
        self._idle: deque[ThreadPoolExecutor] = deque()
        self._guard = threading.Lock()

    def take(self) -> ThreadPoolExecutor:
        with self._guard:
            if self._idle:
                return self._idle.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

    def give(self, executor: ThreadPoolExecutor) -> None:
        with self._guard:
            if len(self._idle) < IDLE_THREADS_MAX:
                self._idle.append(executor)
                return
        executor.shutdown(wait=False)


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self._threads = _ThreadPool()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._threads.take()
        try:
            # Every thread-sensitive call of this request (the signals, the chain, closing the
            # response) runs on ``executor``'s one thread. Django's handle() awaits every task it
            # starts before returning, so nothing of the request outlives the block.
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            self._threads.give(executor)

    async def run_get_response(self, request):
        response = await sync_to_async(self.get_response, thread_sensitive=True)(request)
        response._handler_class = self.__class__
        if isinstance(response, FileResponse):  # as Django's: ASGI servers chunk the file themselves
            response.block_size = self.chunk_size
        return response


def get_asgi_application() -> SyncChainASGIHandler:
    """``django.core.asgi.get_asgi_application`` with this handler."""
    import django

    django.setup(set_prefix=False)
    return SyncChainASGIHandler()
