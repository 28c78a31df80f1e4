"""The embedded default's relay (``apps/core/relay.py``) across socket churn: a page that navigates
closes its socket as the next page opens one, and the new socket must still be relayed to."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers, get_channel_layer
from django.db import connections

from apps.core import relay
from apps.core.realtime import notify_user, user_group

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
