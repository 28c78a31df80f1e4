import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import connection, connections

from apps.core.jwt import IssuedRefreshToken
from apps.core.realtime import notify_user
from backend.asgi import application
from tests.conftest import require_service, tcp_reachable

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("REDIS_URL")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _close_worker_thread_connections():
    """Consumers touch the DB from asgiref's worker thread; close that thread's connection so the
    test database can be dropped at the end of the run (PostgreSQL refuses while it is open)."""
    yield
    await sync_to_async(connections.close_all)()


def access_token(user) -> str:
    return str(IssuedRefreshToken.for_user(user).access_token)


def _use_layer(settings, kind: str) -> None:
    if kind == "redis":
        require_service(tcp_reachable(REDIS_URL, 6379), "REDIS_URL not set or Redis unreachable")
        settings.CHANNEL_LAYERS = {
            "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
        }
        settings.REALTIME_RELAY = "channel_layer"
    else:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
        settings.REALTIME_RELAY = "database"
    channel_layers.backends.clear()


@pytest.fixture(params=["memory", "redis"])
def channel_layer(request, settings):
    _use_layer(settings, request.param)
    yield request.param
    channel_layers.backends.clear()


@pytest.fixture
def redis_layer(settings):
    _use_layer(settings, "redis")
    yield "redis"
    channel_layers.backends.clear()


async def connect(**kwargs) -> tuple[WebsocketCommunicator, bool, object]:
    communicator = WebsocketCommunicator(application, "/ws/events/", **kwargs)
    connected, subprotocol_or_code = await communicator.connect(timeout=5)
    return communicator, connected, subprotocol_or_code


async def test_a_bearer_subprotocol_connects_and_receives_user_events(personas, channel_layer):
    token = await sync_to_async(access_token)(personas.clinician)
    ws, connected, subprotocol = await connect(subprotocols=["interlude.v1", f"bearer.{token}"])
    assert connected and subprotocol == "interlude.v1"
    assert (await ws.receive_json_from(timeout=5))["event"] == "connected"
    await sync_to_async(notify_user)(personas.clinician.id, "test.event", {"id": "abc"})
    assert await ws.receive_json_from(timeout=5) == {"event": "test.event", "data": {"id": "abc"}}
    await ws.disconnect()


async def test_events_for_other_users_do_not_arrive(personas, channel_layer):
    token = await sync_to_async(access_token)(personas.clinician)
    ws, connected, _ = await connect(headers=[(b"authorization", f"Bearer {token}".encode())])
    assert connected
    await ws.receive_json_from(timeout=5)
    await sync_to_async(notify_user)(personas.care_team.id, "test.event", {"id": "not-yours"})
    assert await ws.receive_nothing(timeout=0.5)
    await ws.disconnect()


async def test_unauthenticated_or_bad_tokens_are_closed(personas):
    for kwargs in ({}, {"subprotocols": ["interlude.v1", "bearer.not-a-jwt"]}):
        ws, connected, code = await connect(**kwargs)
        assert not connected and code == 4401
        await ws.disconnect()


async def test_a_foreign_browser_origin_is_refused(personas):
    token = await sync_to_async(access_token)(personas.clinician)
    ws, connected, _ = await connect(
        headers=[(b"origin", b"https://evil.example"), (b"authorization", f"Bearer {token}".encode())]
    )
    assert not connected
    await ws.disconnect()


async def test_an_event_sent_from_another_process_arrives_through_redis(personas, redis_layer):
    token = await sync_to_async(access_token)(personas.clinician)
    ws, connected, _ = await connect(subprotocols=["interlude.v1", f"bearer.{token}"])
    assert connected
    await ws.receive_json_from(timeout=5)
    code = f"from apps.core.realtime import notify_user; notify_user('{personas.clinician.id}', 'cross', {{'n': 1}})"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "manage.py",
        "shell",
        "-c",
        code,
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": REDIS_URL},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert await ws.receive_json_from(timeout=10) == {"event": "cross", "data": {"n": 1}}
    await ws.disconnect()


async def test_an_event_sent_from_another_process_arrives_through_the_database_relay(personas, settings, tmp_path):
    """The embedded default: a separate process (the Celery worker in production) writes the event,
    the ASGI process's relay forwards it. No Redis involved."""
    _use_layer(settings, "memory")
    if connection.vendor == "sqlite":
        pytest.skip(
            "the in-memory SQLite test database is not visible to another process; covered in "
            "test_real_worker_alert (file database) and on PostgreSQL in CI"
        )
    token = await sync_to_async(access_token)(personas.clinician)
    ws, connected, _ = await connect(subprotocols=["interlude.v1", f"bearer.{token}"])
    assert connected
    await ws.receive_json_from(timeout=5)
    code = f"from apps.core.realtime import notify_user; notify_user('{personas.clinician.id}', 'relayed', {{'n': 2}})"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DATABASE_URL"] = _test_database_url(settings)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "manage.py",
        "shell",
        "-c",
        code,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert await ws.receive_json_from(timeout=5) == {"event": "relayed", "data": {"n": 2}}
    await ws.disconnect()
    channel_layers.backends.clear()


def _test_database_url(settings) -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


async def test_a_write_wakes_the_relay_without_waiting_for_its_poll(personas, settings, tmp_path):
    """Embedded default: the writer wakes the relay after commit (backend/wake.py). With a poll of an
    hour, the event can only arrive through the wake-up."""
    _use_layer(settings, "memory")
    settings.VAR_DIR, settings.REALTIME_POLL_SECONDS = tmp_path, 3600
    token = await sync_to_async(access_token)(personas.clinician)
    ws, connected, _ = await connect(subprotocols=["interlude.v1", f"bearer.{token}"])
    assert connected
    await ws.receive_json_from(timeout=5)
    await sync_to_async(notify_user)(personas.clinician.id, "woken", {"n": 3})
    assert await ws.receive_json_from(timeout=10) == {"event": "woken", "data": {"n": 3}}
    await ws.disconnect()
    channel_layers.backends.clear()
