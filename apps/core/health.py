"""Liveness (the process answers) and readiness (database, broker and channel layer reachable;
degraded, still 200, when only the Redis-backed parts are down)."""

from __future__ import annotations

import asyncio
import time
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

CHECK_TIMEOUT_S = 3.0

_HealthSerializer = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=["ok", "degraded", "unavailable"]),
        "checks": serializers.DictField(child=serializers.CharField()),
        "degraded": serializers.ListField(child=serializers.CharField(), required=False),
    },
)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    from backend.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_TIMEOUT_S)


async def _layer_roundtrip() -> None:
    layer = get_channel_layer()
    # A plain channel name, not ``new_channel()``'s process-local one: channels-redis lets one event loop
    # per process receive on process-local channels, and that is the server's own loop whenever a
    # websocket is open, so the check failed ("two event loops") and readiness read degraded while Redis
    # was fine (seen in benchmarks/load.py, issue 12). An unread ping expires with the layer's expiry.
    channel = f"health.{uuid.uuid4().hex}"
    await layer.send(channel, {"type": "health.ping"})
    message = await asyncio.wait_for(layer.receive(channel), timeout=CHECK_TIMEOUT_S)
    if message.get("type") != "health.ping":
        raise RuntimeError("channel layer returned the wrong message")


def check_channel_layer() -> None:
    async_to_sync(_layer_roundtrip)()


CHECKS = {"database": check_database, "broker": check_broker, "channel_layer": check_channel_layer}
# Without these the web process still serves the API (writes commit; jobs and live events catch up
# when they return), so it stays in rotation as ``degraded`` (200) with the failing part named. The
# database is the one part it cannot answer without (503).
DEGRADABLE = frozenset({"broker", "channel_layer"})


class LiveView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: _HealthSerializer}, tags=["health"], summary="Liveness: the process answers")
    def get(self, request):
        return Response({"status": "ok", "checks": {}})


class ReadyView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        responses={200: _HealthSerializer, 503: _HealthSerializer},
        tags=["health"],
        summary="Readiness: database (503 without it), broker and channel layer (degraded without them)",
    )
    def get(self, request):
        results: dict[str, str] = {}
        for name, check in CHECKS.items():
            started = time.monotonic()
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; the class name is enough
                results[name] = f"error: {type(exc).__name__}"
            else:
                results[name] = f"ok ({(time.monotonic() - started) * 1000:.0f} ms)"
        failing = {name for name, value in results.items() if not value.startswith("ok")}
        if not failing:
            return Response({"status": "ok", "checks": results})
        if failing <= DEGRADABLE:
            return Response({"status": "degraded", "checks": results, "degraded": sorted(failing)})
        return Response({"status": "unavailable", "checks": results}, status=503)
