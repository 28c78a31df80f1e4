"""Send events to a user's websocket connections (group ``user.<id>``).

With Redis, events go straight through channels-redis and reach every ASGI process. In the embedded
default there is no shared channel layer between the Celery worker and the ASGI server, so events are
written to a small table and the ASGI process relays them to its in-memory layer (``relay.py``);
``REALTIME_RELAY`` says which path is in use. Payloads carry ids and states only: clients fetch PHI
through the audited REST API.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


def user_group(user_id) -> str:
    return f"user.{user_id}"


def notify_user(user_id, event_type: str, data: dict[str, Any]) -> None:
    if settings.REALTIME_RELAY == "database":
        from apps.core.models import RealtimeEvent

        RealtimeEvent.objects.create(user_id=user_id, event=event_type, data=data)
        return
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(user_group(user_id), {"type": "event.message", "event": event_type, "data": data})


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
