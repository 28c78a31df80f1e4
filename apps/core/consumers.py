from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.core import relay
from apps.core.realtime import missed_events, timestamp, user_group
from apps.core.ws_auth import PROTOCOL

UNAUTHENTICATED = 4401
SERVICE_RESTART = 1012


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """One connection per signed-in user; receives that user's events (journal states, alerts…).

    Events sent while a socket was away (reconnecting, or its group membership lost when Redis
    restarted without persistence) are not queued for it. A client that reconnects sends
    ``{"type": "resume", "since": <the newest "sent_at" it saw, or its first "connected" "at">}`` and
    gets those events again (``core.missed_events``, answered through the inbox's scope), marked
    ``"replayed": true``; it drops ones it already has by ``delivery_id``.

    On Redis a socket can also stay open while its group membership is gone (a short Redis restart
    absorbed by the client library's retries). So every ``REALTIME_REJOIN_SECONDS`` the consumer joins
    its group again (idempotent) and sends what was sent to the user since its previous round and is
    not yet on this connection; if Redis or the database does not answer, it closes with 1012 and the
    client reconnects and resumes."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=UNAUTHENTICATED)
            return
        self.group = user_group(user.pk)
        self.sent: set[str] = set()  # delivery ids already on this connection
        await self.channel_layer.group_add(self.group, self.channel_name)
        await relay.connection_opened()
        offered = self.scope.get("subprotocols", [])
        await self.accept(subprotocol=PROTOCOL if PROTOCOL in offered else None)
        now = timezone.now()
        await self.send_json({"event": "connected", "data": {"user_id": str(user.pk), "at": timestamp(now)}})
        if settings.REALTIME_RELAY == "channel_layer":
            self.rejoin = asyncio.ensure_future(self._rejoin_every(settings.REALTIME_REJOIN_SECONDS, now))

    async def disconnect(self, code):
        if hasattr(self, "rejoin"):
            self.rejoin.cancel()
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
            await self._replay(since)

    async def event_message(self, message):
        if message["data"].get("delivery_id"):
            self.sent.add(message["data"]["delivery_id"])
        await self.send_json({"event": message["event"], "data": message["data"]})

    async def _replay(self, since, *, not_before: str = "") -> None:
        for answer in await database_sync_to_async(missed_events)(user=self.scope["user"], since=since):
            for event, data in answer:
                if data["delivery_id"] not in self.sent and data["sent_at"] >= not_before:
                    self.sent.add(data["delivery_id"])
                    await self.send_json({"event": event, "data": {**data, "replayed": True}})

    async def _rejoin_every(self, seconds: float, since) -> None:
        # What was sent before this connection is the client's to ask for (resume), not this loop's.
        connected = timestamp(since)
        while True:
            await asyncio.sleep(seconds)
            started = timezone.now()
            try:
                await self.channel_layer.group_add(self.group, self.channel_name)
                await self._replay(since, not_before=connected)
            except Exception:  # noqa: BLE001 - Redis or the database away: the client reconnects and resumes
                await self.close(code=SERVICE_RESTART)
                return
            since = started
