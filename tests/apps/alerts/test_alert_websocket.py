"""Alerts reach a connected clinician's websocket within 2 seconds, in the embedded default (database
relay, no Redis) and with channels-redis."""

import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from django.db import connections
from django.utils import timezone

from apps.alerts import delivery
from apps.alerts.models import AlertDelivery
from apps.alerts.services import alert_create_from_signal, risk_signal_record
from tests.apps.core.test_websocket import _use_layer, access_token, connect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def _close_connections():
    yield
    await sync_to_async(connections.close_all)()
    channel_layers.backends.clear()


def raise_alert(patient):
    signal = risk_signal_record(
        patient_id=patient.pk,
        source_type="test",
        source_id=uuid.uuid4(),
        kind="phq9_item9",
        level="high",
        evidence={},
        occurred_at=timezone.now(),
    )
    alert = alert_create_from_signal(signal=signal)
    delivery.deliver([str(d.pk) for d in AlertDelivery.objects.filter(alert=alert)])
    return alert


@pytest.mark.parametrize("mode", ["memory", "redis"])
async def test_an_alert_reaches_the_clinicians_websocket(personas, settings, mode):
    _use_layer(settings, mode)
    token = await sync_to_async(access_token)(personas.clinician)
    ws, connected, _ = await connect(subprotocols=["interlude.v1", f"bearer.{token}"])
    assert connected
    await ws.receive_json_from(timeout=5)
    alert = await sync_to_async(raise_alert)(personas.patient_profile)
    event = await ws.receive_json_from(timeout=30)  # a bound on waiting, not a speed assertion
    assert event["event"] == "alert.new" and event["data"]["alert_id"] == str(alert.pk)
    assert set(event["data"]) == {
        "alert_id",
        "severity",
        "state",
        "source",
        "patient_id",
        "escalation_level",
        "reason",
        "needs_review",
        "delivery_id",
        "sent_at",
    }
    await ws.disconnect()


async def _connected_at(user) -> tuple:
    token = await sync_to_async(access_token)(user)
    ws, connected, _ = await connect(subprotocols=["interlude.v1", f"bearer.{token}"])
    assert connected
    hello = await ws.receive_json_from(timeout=5)
    assert hello["event"] == "connected"
    return ws, hello["data"]["at"]


@pytest.mark.parametrize("mode", ["memory", "redis"])
async def test_a_socket_that_reconnects_gets_the_alert_events_it_missed(personas, settings, mode):
    """Issue 12: an alert sent while the clinician's socket was reconnecting (or its group membership
    was lost with a Redis restart) was marked sent and never arrived. The client resumes from the
    server time it last saw and gets it again, once, marked as a replay."""
    _use_layer(settings, mode)
    ws, since = await _connected_at(personas.clinician)
    await ws.disconnect()
    alert = await sync_to_async(raise_alert)(personas.patient_profile)  # nobody is listening
    sent = await sync_to_async(AlertDelivery.objects.get)(alert=alert, recipient=personas.clinician)
    assert sent.websocket_sent_at is not None

    ws, _ = await _connected_at(personas.clinician)
    await ws.send_json_to({"type": "resume", "since": since})
    event = await ws.receive_json_from(timeout=10)
    assert event["event"] == "alert.new" and event["data"]["alert_id"] == str(alert.pk)
    assert event["data"]["delivery_id"] == str(sent.pk) and event["data"]["replayed"] is True
    assert await ws.receive_nothing(timeout=0.5)
    await ws.disconnect()


async def test_an_open_socket_whose_group_membership_was_lost_still_gets_the_alert(personas, settings):
    """A Redis restart empties the channel layer's groups; a socket that stayed open (the client
    library retried through a short restart) rejoins and is sent what it missed, once."""
    from channels.layers import get_channel_layer

    _use_layer(settings, "memory")
    settings.REALTIME_RELAY = "channel_layer"
    settings.REALTIME_REJOIN_SECONDS = 0.5
    ws, _ = await _connected_at(personas.clinician)
    get_channel_layer().groups.clear()  # what Redis' restart does to every group
    alert = await sync_to_async(raise_alert)(personas.patient_profile)
    event = await ws.receive_json_from(timeout=10)
    assert event["event"] == "alert.new" and event["data"]["alert_id"] == str(alert.pk)
    assert event["data"]["replayed"] is True
    assert await ws.receive_nothing(timeout=1.5)  # later rounds do not send it again
    await ws.disconnect()


async def test_a_resume_replays_only_alerts_still_in_the_users_scope(personas, settings):
    from apps.accounts.models import CareTeamMember

    _use_layer(settings, "memory")
    ws, since = await _connected_at(personas.care_team)
    await ws.disconnect()
    await sync_to_async(raise_alert)(personas.patient_profile)
    await sync_to_async(CareTeamMember.objects.filter(user=personas.care_team).delete)()  # taken off the team
    for user in (personas.care_team, personas.unassigned_clinician, personas.outsider):
        ws, _ = await _connected_at(user)
        await ws.send_json_to({"type": "resume", "since": since})
        assert await ws.receive_nothing(timeout=1)
        await ws.disconnect()


async def test_state_changes_are_broadcast(personas, settings):
    _use_layer(settings, "memory")
    token = await sync_to_async(access_token)(personas.care_team)
    ws, connected, _ = await connect(subprotocols=["interlude.v1", f"bearer.{token}"])
    await ws.receive_json_from(timeout=5)
    alert = await sync_to_async(raise_alert)(personas.patient_profile)
    assert (await ws.receive_json_from(timeout=2))["event"] == "alert.new"

    def acknowledge():
        from apps.alerts.delivery import broadcast_state
        from apps.alerts.services import alert_acknowledge

        alert_acknowledge(actor=personas.clinician, alert=alert)
        broadcast_state(alert.pk, "alert.updated")  # on_commit already ran in autocommit mode

    await sync_to_async(acknowledge)()
    event = await ws.receive_json_from(timeout=2)
    assert event["event"] == "alert.updated" and event["data"]["state"] == "acknowledged"
    await ws.disconnect()
