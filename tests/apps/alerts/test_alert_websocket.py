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
    }
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
