"""Send events to a user's websocket connections (group ``user.<id>``).

With Redis, events go straight through channels-redis and reach every ASGI process. In the embedded
default there is no shared channel layer between the Celery worker and the ASGI server, so events are
written to a small table and the ASGI process relays them to its in-memory layer (``relay.py``);
``REALTIME_RELAY`` says which path is in use. Payloads carry ids and states only: clients fetch PHI
through the audited REST API.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings


def user_group(user_id) -> str:
    return f"user.{user_id}"


def notify_user(user_id, event_type: str, data: dict[str, Any]) -> None:
    if settings.REALTIME_RELAY == "database":
        from apps.core.models import RealtimeEvent

        RealtimeEvent.objects.create(user_id=user_id, event=event_type, data=data)
        return
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(user_group(user_id), {"type": "event.message", "event": event_type, "data": data})
