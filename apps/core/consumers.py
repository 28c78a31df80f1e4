from __future__ import annotations

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from apps.core import relay
from apps.core.realtime import user_group
from apps.core.ws_auth import PROTOCOL

UNAUTHENTICATED = 4401


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """One connection per signed-in user; receives that user's events (journal states, alerts…)."""

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
        await self.send_json({"event": "connected", "data": {"user_id": str(user.pk)}})

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await relay.connection_closed()

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"event": "pong", "data": {}})

    async def event_message(self, message):
        await self.send_json({"event": message["event"], "data": message["data"]})
