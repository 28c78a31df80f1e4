"""The embedded default's relay (``apps/core/relay.py``) across socket churn: a page that navigates
closes its socket as the next page opens one, and the new socket must still be relayed to."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.db import connections

from apps.core import relay
from apps.core.models import RealtimeEvent
from apps.core.realtime import notify_user, user_group, wake_relays

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_relay(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.REALTIME_RELAY = "database"
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def test_a_socket_that_opens_while_the_last_one_closes_still_gets_a_relay(personas, database_relay):
    """Seen in Chromium (benchmarks/web_alerts.py, about one run in three): the inbox page reloaded, the
    old socket's close cancelled the relay, the new socket reused the relay being cancelled, and then
    the close forgot it. The new page was "connected" with no relay, and a PHQ-9 alert never appeared."""
    await relay.connection_opened()  # the inbox page's socket
    closing = asyncio.ensure_future(relay.connection_closed())  # the page navigates away...
    await asyncio.sleep(0)  # ...and the close handler is now waiting for the relay to stop
    await relay.connection_opened()  # the next page's socket opens meanwhile
    await closing
    try:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(user_group(personas.clinician.id), channel)
        await sync_to_async(notify_user)(personas.clinician.id, "alert.created", {"id": "a1"})
        message = await asyncio.wait_for(layer.receive(channel), timeout=10)
        assert (message["event"], message["data"]) == ("alert.created", {"id": "a1"})
    finally:
        await relay.connection_closed()
        await sync_to_async(connections.close_all)()


async def test_an_event_that_commits_after_a_newer_one_is_still_relayed(personas, database_relay):
    """On PostgreSQL an id is handed out at INSERT: a transaction that writes an event and commits late (an
    alert's fan-out inside its transaction) makes a lower id visible after a higher one was relayed, and
    reading "after the newest id" lost it. Here two ids are taken from the database's own sequence, then
    written back by hand, the higher one first."""
    user = personas.clinician.id

    def take_ids() -> list[int]:
        rows = [RealtimeEvent.objects.create(user_id=user, event="test.reserve", data={}) for _ in range(3)]
        RealtimeEvent.objects.filter(id__in=[r.id for r in rows[1:]]).delete()
        return [r.id for r in rows[1:]]

    def write(row_id: int, name: str) -> None:
        RealtimeEvent.objects.create(id=row_id, user_id=user, event="alert.new", data={"id": name})
        wake_relays()

    early, later = await sync_to_async(take_ids)()
    await relay.connection_opened()
    try:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(user_group(user), channel)
        await sync_to_async(write)(later, "committed first")
        first = await asyncio.wait_for(layer.receive(channel), timeout=10)
        await sync_to_async(write)(early, "committed late")
        late = await asyncio.wait_for(layer.receive(channel), timeout=10)
        assert (first["data"], late["data"]) == ({"id": "committed first"}, {"id": "committed late"})
    finally:
        await relay.connection_closed()
        await sync_to_async(connections.close_all)()


def test_a_gap_is_asked_for_until_it_fills_or_expires():
    gaps = relay.Gaps()
    gaps.passed(10, 13, now=0.0)
    assert gaps.ids() == [11, 12]
    gaps.passed(13, 12, now=1.0)  # 12 committed late
    assert gaps.ids() == [11]
    gaps.expire(now=relay.GAP_SECONDS + 0.1)  # 11 never came (a rolled-back insert)
    assert gaps.ids() == []
    gaps.passed(13, 13 + relay.MAX_GAP + 1, now=0.0)  # a jump that is not a late commit
    assert gaps.ids() == []
