"""Getting alerts to people: websocket events and FCM push, with every attempt logged.

Runs after the alert's transaction commits (outbox). Push is retried with backoff on transient FCM
errors and marked failed after ``MAX_PUSH_ATTEMPTS``; the scheduler re-drives anything still pending
(e.g. after a worker restart). Payloads carry the alert id and severity only: never PHI.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.accounts import push
from apps.accounts.models import Device
from apps.alerts.models import Alert, AlertDelivery, DeliveryAttempt
from apps.core.realtime import notify_user, notify_users

logger = logging.getLogger(__name__)
MAX_PUSH_ATTEMPTS = 5
PUSH_BACKOFF_SECONDS = 30


def _payload(alert: Alert) -> dict:
    return {
        "alert_id": str(alert.pk),
        "severity": alert.severity,
        "state": alert.state,
        "source": alert.source,
        "patient_id": str(alert.patient_id),
        "escalation_level": alert.escalation_level,
        "needs_review": alert.needs_review,
    }


def push_message(alert: Alert) -> push.PushMessage:
    return push.PushMessage(title="Interlude", body=f"New {alert.severity} alert \u2014 open Interlude")


def deliver(delivery_ids: list[str]) -> None:
    """Websockets first, for every recipient at once; then push, one recipient at a time (it waits
    on FCM). A push that fails or waits for its backoff never holds back anyone's websocket event."""
    send_websockets(delivery_ids)
    push_pending(delivery_ids)


def deliver_one(delivery_id) -> AlertDelivery | None:
    send_websockets([delivery_id])
    return _push_one(delivery_id)


def send_websockets(delivery_ids) -> int:
    """Send the websocket event of every listed delivery not yet sent, in one transaction: the events go
    out as one batch (``notify_users``) and ``websocket_sent_at`` is set with them, so a crash before
    commit leaves them to be re-driven (at least once, never lost). Rows another worker holds are
    skipped (it is sending them). Returns how many were sent."""
    with transaction.atomic():
        deliveries = list(
            AlertDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("alert")
            .filter(pk__in=list(delivery_ids), websocket_sent_at__isnull=True)
            .order_by("created_at")
        )
        if not deliveries:
            return 0
        notify_users(
            (
                d.recipient_id,
                "alert.escalated" if d.reason.startswith("escalation") else "alert.new",
                {**_payload(d.alert), "reason": d.reason},
            )
            for d in deliveries
        )
        now = timezone.now()
        for d in deliveries:
            d.websocket_sent_at = now
        AlertDelivery.objects.bulk_update(deliveries, ["websocket_sent_at"])
        DeliveryAttempt.objects.bulk_create(
            [DeliveryAttempt(delivery=d, channel="websocket", result="sent") for d in deliveries]
        )
    return len(deliveries)


def push_pending(delivery_ids) -> None:
    """Push every listed delivery still pending. Recipients with no registered device (staff who use
    the web app only) are settled together, in one short transaction; the others are pushed one by one.
    On SQLite every write transaction holds the database's one write lock, so fifty one-row
    transactions after each alert held up the next patient's check-in (issue 12)."""
    pending = list(
        AlertDelivery.objects.filter(pk__in=list(delivery_ids), push_status="pending").values_list("pk", "recipient_id")
    )
    if not pending:
        return
    reachable = set(
        Device.objects.filter(user_id__in={r for _, r in pending}, unregistered_at__isnull=True).values_list(
            "user_id", flat=True
        )
    )
    unreachable = [pk for pk, recipient in pending if recipient not in reachable]
    if unreachable:
        with transaction.atomic():
            settled = list(
                AlertDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk__in=unreachable, push_status="pending")
                .values_list("pk", flat=True)
            )
            AlertDelivery.objects.filter(pk__in=settled).update(push_status="no_device", next_push_at=None)
            DeliveryAttempt.objects.bulk_create(
                [DeliveryAttempt(delivery_id=pk, channel="push", result="no_device") for pk in settled]
            )
    for pk, recipient in pending:
        if recipient in reachable:
            _push_one(pk)


def _push_one(delivery_id) -> AlertDelivery | None:
    with transaction.atomic():
        delivery = (
            AlertDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("alert")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return None
        if delivery.push_status == "pending":
            _push(delivery, delivery.alert)
            delivery.save(update_fields=["push_status", "push_attempts", "next_push_at"])
    return delivery


def _push(delivery: AlertDelivery, alert: Alert) -> None:
    targets = list(
        Device.objects.filter(user_id=delivery.recipient_id, unregistered_at__isnull=True).values_list(
            "token", "token_type"
        )
    )
    if not targets:
        delivery.push_status, delivery.next_push_at = "no_device", None
        DeliveryAttempt.objects.create(delivery=delivery, channel="push", result="no_device")
        return
    delivery.push_attempts += 1
    result = push.push_to_devices(
        targets=targets, message=push_message(alert), data={"type": "alert", "alert_id": str(alert.pk)}
    )
    if result.disabled:
        delivery.push_status, delivery.next_push_at = "disabled", None
        DeliveryAttempt.objects.create(
            delivery=delivery, channel="push", result="disabled", detail="FCM_CREDENTIALS_FILE not set"
        )
        return
    for outcome in result.outcomes:
        DeliveryAttempt.objects.create(
            delivery=delivery,
            channel="push",
            result=outcome.result,
            detail=f"{outcome.detail} token=...{outcome.token[-6:]}"[:200],
        )
    if result.sent:
        delivery.push_status, delivery.next_push_at = "sent", None
    elif result.transient and delivery.push_attempts < MAX_PUSH_ATTEMPTS:
        delay = PUSH_BACKOFF_SECONDS * 2 ** (delivery.push_attempts - 1)
        delivery.next_push_at = timezone.now() + timedelta(seconds=delay)
    elif result.unregistered and not result.failed:
        delivery.push_status, delivery.next_push_at = "no_device", None
    else:
        delivery.push_status, delivery.next_push_at = "failed", None


def redeliver_due(*, now=None) -> int:
    """Re-drive deliveries whose push is still pending (transient failures, or a worker that died)."""
    now = now or timezone.now()
    ids = list(
        AlertDelivery.objects.filter(push_status="pending", next_push_at__lte=now).values_list("pk", flat=True)[:500]
    )
    undelivered = list(
        AlertDelivery.objects.filter(
            websocket_sent_at__isnull=True, created_at__lte=now - timedelta(seconds=30)
        ).values_list("pk", flat=True)[:500]
    )
    due = {*ids, *undelivered}
    send_websockets(due)
    push_pending(due)
    return len(due)


def broadcast_state(alert_id, event: str) -> None:
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        return
    for user_id in set(alert.deliveries.values_list("recipient_id", flat=True)):
        notify_user(user_id, event, _payload(alert))
