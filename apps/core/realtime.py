"""Send events to a user's websocket connections (group ``user.<id>``).

With Redis, events go straight through channels-redis and reach every ASGI process. In the embedded
default there is no shared channel layer between the Celery worker and the ASGI server, so events are
written to a small table and the ASGI process relays them to its in-memory layer (``relay.py``), woken
by the writer after commit (``backend/wake.py``), with its poll as the fallback;
``REALTIME_RELAY`` says which path is in use. Payloads carry ids and states only: clients fetch PHI
through the audited REST API.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from apps.core.hooks import Hook
from backend import wake

logger = logging.getLogger(__name__)


def relay_wake_directory() -> Path:
    return Path(settings.VAR_DIR) / "relay.wake"


def wake_relays() -> None:
    """Tell the web processes' relays that events are committed (``backend/wake.py``), so they forward
    them now rather than at their next poll."""
    wake.wake(relay_wake_directory())


# Answered by alerts (apps/alerts/apps.py), which sits above core.
missed_events = Hook(
    "core.missed_events",
    "handler(user=User, since=datetime) -> list[(event, data)]: events sent to the user since then that a "
    "socket reconnecting now may have missed (each with an id the client dedups on)",
)


def timestamp(moment: datetime) -> str:
    """Server times in events: fixed width, UTC, so clients compare them as strings."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def user_group(user_id) -> str:
    return f"user.{user_id}"


def notify_user(user_id, event_type: str, data: dict[str, Any]) -> None:
    notify_users([(user_id, event_type, data)])


def notify_users(events: Iterable[tuple[Any, str, dict[str, Any]]]) -> None:
    """Send a batch of ``(user_id, event, data)``: one INSERT for the relay table, or one event loop
    with the group sends running together on Redis. An alert for a care team of fifty costs one round
    of work, not fifty (issue 12: the fan-out one by one was most of an alert's time under load)."""
    events = list(events)
    if not events:
        return
    if settings.REALTIME_RELAY == "database":
        from apps.core.models import RealtimeEvent

        RealtimeEvent.objects.bulk_create(
            [RealtimeEvent(user_id=user_id, event=event_type, data=data) for user_id, event_type, data in events]
        )
        transaction.on_commit(wake_relays)
        return
    layer = get_channel_layer()

    async def send_all() -> None:
        await asyncio.gather(
            *(
                layer.group_send(user_group(user_id), {"type": "event.message", "event": event_type, "data": data})
                for user_id, event_type, data in events
            )
        )

    async_to_sync(send_all)()


def on_commit_best_effort(send: Callable[..., None], *args: Any) -> None:
    """After commit, send a live-screen event; a failure (Redis down) is logged, never raised into
    the request or job that already committed. Screens catch up from the API. Alert deliveries do
    not use this: they record ``websocket_sent_at`` and are re-driven until it is set."""

    def run() -> None:
        try:
            send(*args)
        except Exception as exc:  # noqa: BLE001 - best effort by design; the durable state is committed
            logger.warning("live event not sent (%s): %s", getattr(send, "__name__", send), type(exc).__name__)

    transaction.on_commit(run)
