"""Send events to a user's websocket connections (group ``user.<id>``) through the channel layer."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def user_group(user_id) -> str:
    return f"user.{user_id}"


def notify_user(user_id, event_type: str, data: dict[str, Any]) -> None:
    """Payloads carry ids and states only: clients fetch PHI through the audited REST API."""
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(user_group(user_id), {"type": "event.message", "event": event_type, "data": data})
