from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core import relay
from apps.core.realtime import missed_events, timestamp, user_group
from apps.core.ws_auth import PROTOCOL

UNAUTHENTICATED = 4401


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """One connection per signed-in user; receives that user's events (journal states, alerts…).

    Events sent while a socket was away (reconnecting, or its group membership lost when Redis
    restarted without persistence) are not queued for it. A client that reconnects sends
    ``{"type": "resume", "since": <the newest "sent_at" it saw, or its first "connected" "at">}`` and
    gets those events again (``core.missed_events``, answered through the inbox's scope), marked
    ``"replayed": true``; it drops ones it already has by ``delivery_id``."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await relay.connection_opened()
        offered = self.scope.get("subprotocols", [])
        await self.accept(subprotocol=PROTOCOL if PROTOCOL in offered else None)
        await self.send_json({"event": "connected", "data": {"user_id": str(user.pk), "at": timestamp(timezone.now())}})

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await relay.connection_closed()

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"event": "pong", "data": {}})
        elif content.get("type") == "resume":
            since = parse_datetime(str(content.get("since", "")))
            if since is None or timezone.is_naive(since):
                return
            for answer in await database_sync_to_async(missed_events)(user=self.scope["user"], since=since):
                for event, data in answer:
                    await self.send_json({"event": event, "data": {**data, "replayed": True}})

    async def event_message(self, message):
        await self.send_json({"event": message["event"], "data": message["data"]})
