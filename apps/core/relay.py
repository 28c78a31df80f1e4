"""The embedded default's cross-process path to websockets: poll ``RealtimeEvent`` and forward.

One relay task runs per ASGI process while at least one websocket is connected. It starts from the
newest row at that moment (events are for live screens; durable state lives in the API, e.g. the
alert inbox). It reads as soon as a writer wakes it after commit (``backend/wake.py``, a datagram on a
UNIX socket in ``VAR_DIR/relay.wake``), and every ``REALTIME_POLL_SECONDS`` in any case, so a lost
wake-up costs one poll interval, never an event.

Ids are handed out at INSERT, not at commit: on PostgreSQL a transaction that writes an event and commits
late (an alert's fan-out inside its transaction) makes a lower id visible after higher ones were relayed.
The relay remembers the ids it skipped over (``Gaps``) and asks for them again on every poll for
``GAP_SECONDS``; a gap that never fills (a rolled-back insert) is forgotten then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.utils import timezone

from apps.core.realtime import relay_wake_directory, user_group
from backend import wake

logger = logging.getLogger(__name__)
PRUNE_AFTER = timedelta(minutes=1)
GAP_SECONDS = 30.0  # under PRUNE_AFTER: a late row is read again before the prune removes it
MAX_GAP = 1000  # a jump wider than this (a restored database) is not a transaction committing late

_task: asyncio.Task | None = None
_ready: asyncio.Event | None = None
_connections = 0


def _newest_id() -> int:
    from apps.core.models import RealtimeEvent

    row = RealtimeEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return row or 0


def _fetch(after: int, skipped: list[int]) -> list:
    from django.db.models import Q

    from apps.core.models import RealtimeEvent

    return list(RealtimeEvent.objects.filter(Q(id__gt=after) | Q(id__in=skipped)).order_by("id")[:500])


class Gaps:
    """The ids below the newest relayed one that were not seen yet, each with when it was first missed."""

    def __init__(self) -> None:
        self.missed: dict[int, float] = {}

    def ids(self) -> list[int]:
        return list(self.missed)

    def passed(self, last: int, row_id: int, now: float) -> None:
        """``row_id`` was relayed; ``last`` was the newest before it."""
        self.missed.pop(row_id, None)
        if last < row_id and row_id - last <= MAX_GAP:
            for skipped in range(last + 1, row_id):
                self.missed.setdefault(skipped, now)

    def expire(self, now: float) -> None:
        self.missed = {i: t for i, t in self.missed.items() if now - t < GAP_SECONDS}


def _prune() -> None:
    from apps.core.models import RealtimeEvent

    RealtimeEvent.objects.filter(created_at__lt=timezone.now() - PRUNE_AFTER).delete()


async def _run(ready: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    woken = asyncio.Event()
    listener = wake.listen(relay_wake_directory())
    if listener is not None:
        loop.add_reader(listener.fileno(), lambda: listener.drain() and woken.set())
    try:
        await _relay(woken, ready)
    finally:
        if listener is not None:
            loop.remove_reader(listener.fileno())
            listener.close()


async def _relay(woken: asyncio.Event, ready: asyncio.Event) -> None:
    layer = get_channel_layer()
    last = await database_sync_to_async(_newest_id)()
    gaps = Gaps()
    ready.set()
    polls = 0
    while True:
        woken.clear()  # before reading: a wake-up that arrives during the read is kept for the next round
        try:
            now = time.monotonic()
            for row in await database_sync_to_async(_fetch)(last, gaps.ids()):
                await layer.group_send(
                    user_group(row.user_id), {"type": "event.message", "event": row.event, "data": row.data}
                )
                gaps.passed(last, row.id, now)
                last = max(last, row.id)
            gaps.expire(now)
            polls += 1
            if polls % 300 == 0:
                await database_sync_to_async(_prune)()
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - keep relaying; a transient DB error must not end live updates
            logger.exception("realtime relay poll failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(woken.wait(), settings.REALTIME_POLL_SECONDS)


async def connection_opened() -> None:
    """Start the relay if it is not running, and return once it is listening and knows where it starts:
    a client told "connected" then misses no event written after that."""
    global _task, _ready, _connections
    if settings.REALTIME_RELAY != "database":
        return
    _connections += 1
    loop = asyncio.get_running_loop()
    # A relay being cancelled (the last socket just closed, its handler still awaiting the end) is as
    # good as gone: reusing it left this socket connected with no relay at all.
    if _task is None or _task.done() or _task.cancelling() or _task.get_loop() is not loop:
        _ready = asyncio.Event()
        _task = loop.create_task(_run(_ready))
    task, ready = _task, _ready
    waiting = asyncio.ensure_future(ready.wait())
    # Also returns if the relay failed to start (database down): the next connection starts it again.
    await asyncio.wait({waiting, task}, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()


async def connection_closed() -> None:
    global _task, _connections
    if settings.REALTIME_RELAY != "database":
        return
    _connections = max(0, _connections - 1)
    if _connections == 0 and _task is not None:
        task = _task
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, RuntimeError):
            await task
        if _task is task:  # a socket that opened meanwhile started a new relay: keep that one
            _task = None
