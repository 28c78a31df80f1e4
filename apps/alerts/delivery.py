"""Getting alerts to people: websocket events and FCM push, with every attempt logged.

Runs after the alert's transaction commits (outbox). Websocket events go first, for every recipient
at once (``alerts.deliver``); push follows in its own job (``alerts.push``, same ``realtime`` queue),
and no transaction is open while FCM is called: a delivery is claimed in one short transaction (its
``next_push_at`` moved a lease ahead, the attempt counted), FCM is called with nothing locked, and the
outcome is written in a second short transaction. So a slow or failing FCM never holds a database lock
(on SQLite: the one write lock every submission needs) and never holds up anyone's websocket event.
Push is retried with backoff on transient FCM errors and marked failed after ``MAX_PUSH_ATTEMPTS``;
``alerts.tick`` re-drives anything still pending (a worker that died mid-push: after the lease).
Payloads carry the alert id and severity only: never PHI.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.accounts import push
from apps.accounts.models import Device
from apps.alerts.models import Alert, AlertDelivery, DeliveryAttempt
from apps.core import realtime
from apps.core.jobs import enqueue_on_commit
from apps.core.realtime import notify_user, notify_users

logger = logging.getLogger(__name__)
MAX_PUSH_ATTEMPTS = 5
PUSH_BACKOFF_SECONDS = 30
# A claimed push belongs to its worker for this long: longer than one FCM call may take
# (``FCM_TIMEOUT_SECONDS`` per batch), so only a worker that died mid-push is taken over.
PUSH_LEASE_SECONDS = 120
_push_slots: threading.BoundedSemaphore | None = None
_push_slots_lock = threading.Lock()


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


def delivery_event(d: AlertDelivery) -> tuple[str, dict]:
    """A delivery's websocket event, live or replayed to a socket that missed it
    (``selectors.alert_events_missed``). ``delivery_id`` lets the client drop a copy it already has;
    ``sent_at`` is the server time the client asks to resume from."""
    event = "alert.escalated" if d.reason.startswith("escalation") else "alert.new"
    return event, {
        **_payload(d.alert),
        "reason": d.reason,
        "delivery_id": str(d.pk),
        "sent_at": realtime.timestamp(d.websocket_sent_at),
    }


def push_message(alert: Alert) -> push.PushMessage:
    return push.PushMessage(title="Interlude", body=f"New {alert.severity} alert \u2014 open Interlude")


def deliver(delivery_ids: list[str]) -> None:
    """The ``alerts.deliver`` job: websockets for every recipient at once, then push queued as its own
    job for those with a device. Nothing here waits on FCM."""
    send_websockets(delivery_ids)
    queue_push(delivery_ids)


def deliver_one(delivery_id) -> AlertDelivery | None:
    send_websockets([delivery_id])
    return _push_one(delivery_id)


def send_websockets_now(delivery_ids) -> None:
    """``send_websockets`` from the process that just committed the alert; a failure (Redis down, the
    database busy) is logged and left to the ``alerts.deliver`` job queued with it, never raised into
    the request or job that already committed."""
    try:
        send_websockets(delivery_ids)
    except Exception as exc:  # noqa: BLE001 - the job (then alerts.tick) sends what this did not
        logger.warning("alert websocket events left to the delivery job (%s)", type(exc).__name__)


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
        now = timezone.now()
        for d in deliveries:
            d.websocket_sent_at = now
        notify_users((d.recipient_id, *delivery_event(d)) for d in deliveries)
        AlertDelivery.objects.bulk_update(deliveries, ["websocket_sent_at"])
        DeliveryAttempt.objects.bulk_create(
            [DeliveryAttempt(delivery=d, channel="websocket", result="sent") for d in deliveries]
        )
    return len(deliveries)


def _settle_unreachable(delivery_ids) -> list:
    """Settle every listed pending delivery whose recipient has no registered device (staff who use the
    web app only) in one short transaction; return the pending ones that do have a device. On SQLite every
    write transaction holds the database's one write lock, so fifty one-row transactions after each alert
    held up the next patient's check-in (issue 12)."""
    pending = list(
        AlertDelivery.objects.filter(pk__in=list(delivery_ids), push_status="pending").values_list("pk", "recipient_id")
    )
    if not pending:
        return []
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
    return [pk for pk, recipient in pending if recipient in reachable]


def queue_push(delivery_ids) -> None:
    """Queue ``alerts.push`` for the listed deliveries still waiting for a push (after the current
    transaction, if any, commits). If the broker is down, ``alerts.tick`` pushes them later."""
    reachable = _settle_unreachable(delivery_ids)
    if reachable:
        enqueue_on_commit("alerts.push", delivery_ids=[str(pk) for pk in reachable])


def _slots() -> threading.BoundedSemaphore:
    global _push_slots
    with _push_slots_lock:
        if _push_slots is None:
            _push_slots = threading.BoundedSemaphore(settings.REALTIME_PUSH_SLOTS)
        return _push_slots


def push_pending(delivery_ids) -> None:
    """The ``alerts.push`` job: push every listed delivery still pending and due, one recipient at a
    time. At most ``REALTIME_PUSH_SLOTS`` push jobs of a worker wait on FCM at once, so the realtime
    worker's other threads stay free for websocket deliveries however slow FCM is; a job that finds no
    free slot leaves its deliveries pending for ``alerts.tick`` (every 15 s) instead of waiting."""
    slots = _slots()
    if not slots.acquire(blocking=False):
        logger.info("push slots all waiting on FCM; %d deliveries left to alerts.tick", len(delivery_ids))
        return
    try:
        for pk in _settle_unreachable(delivery_ids):
            _push_one(pk)
    finally:
        slots.release()


def _claim_push(delivery_id) -> AlertDelivery | None:
    """Take one due, pending delivery for this worker: count the attempt and move ``next_push_at`` a
    lease ahead, in one short transaction. Another job (a duplicate, ``alerts.tick``) finds it not due
    and skips it, so FCM is asked once per attempt."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            AlertDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("alert")
            .filter(pk=delivery_id, push_status="pending", next_push_at__lte=now)
            .first()
        )
        if delivery is None:
            return None
        delivery.push_attempts += 1
        delivery.next_push_at = now + timedelta(seconds=PUSH_LEASE_SECONDS)
        delivery.save(update_fields=["push_attempts", "next_push_at"])
    return delivery


def _push_one(delivery_id) -> AlertDelivery | None:
    delivery = _claim_push(delivery_id)
    if delivery is None:
        return AlertDelivery.objects.filter(pk=delivery_id).first()
    targets = list(
        Device.objects.filter(user_id=delivery.recipient_id, unregistered_at__isnull=True).values_list(
            "token", "token_type"
        )
    )
    attempts: list[DeliveryAttempt] = []
    if not targets:
        delivery.push_status, delivery.next_push_at = "no_device", None
        attempts.append(DeliveryAttempt(delivery=delivery, channel="push", result="no_device"))
    else:
        # No transaction is open here: FCM's latency holds no lock.
        result = push.push_to_devices(
            targets=targets,
            message=push_message(delivery.alert),
            data={"type": "alert", "alert_id": str(delivery.alert_id)},
        )
        attempts = _outcome(delivery, result)
    with transaction.atomic():
        # Written only if the claim is still ours (a worker stalled past its lease may have been taken over).
        AlertDelivery.objects.filter(
            pk=delivery.pk, push_status="pending", push_attempts=delivery.push_attempts
        ).update(push_status=delivery.push_status, next_push_at=delivery.next_push_at)
        DeliveryAttempt.objects.bulk_create(attempts)
    return delivery


def _outcome(delivery: AlertDelivery, result: push.PushResult) -> list[DeliveryAttempt]:
    """Set the delivery's push state from FCM's answer; return the attempts to log."""
    if result.disabled:
        delivery.push_status, delivery.next_push_at = "disabled", None
        return [
            DeliveryAttempt(delivery=delivery, channel="push", result="disabled", detail="FCM_CREDENTIALS_FILE not set")
        ]
    attempts = [
        DeliveryAttempt(
            delivery=delivery,
            channel="push",
            result=outcome.result,
            detail=f"{outcome.detail} token=...{outcome.token[-6:]}"[:200],
        )
        for outcome in result.outcomes
    ]
    if result.sent:
        delivery.push_status, delivery.next_push_at = "sent", None
    elif result.transient and delivery.push_attempts < MAX_PUSH_ATTEMPTS:
        delay = PUSH_BACKOFF_SECONDS * 2 ** (delivery.push_attempts - 1)
        delivery.next_push_at = timezone.now() + timedelta(seconds=delay)
    elif result.unregistered and not result.failed:
        delivery.push_status, delivery.next_push_at = "no_device", None
    else:
        delivery.push_status, delivery.next_push_at = "failed", None
    return attempts


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
    queue_push(due)
    return len(due)


def broadcast_state(alert_id, event: str) -> None:
    alert = Alert.objects.filter(pk=alert_id).first()
    if alert is None:
        return
    for user_id in set(alert.deliveries.values_list("recipient_id", flat=True)):
        notify_user(user_id, event, _payload(alert))
