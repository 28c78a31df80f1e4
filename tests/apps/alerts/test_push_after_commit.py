"""FCM push runs after the alert's transaction, in its own job, with no transaction open while FCM
answers (issue 12). A push stuck in FCM must not hold a submission's transaction (on SQLite: the one
write lock) nor any other alert's websocket event.

Ordered by events, not timing: the fake FCM endpoint holds its first request until the test releases
it, and the test asserts what had already happened while that request was still held."""

import threading
import uuid

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import CareTeamMember, Device
from apps.alerts.models import AlertDelivery, DeliveryAttempt
from apps.alerts.services import risk_signal_record
from tests.fakes.fcm import SERVER_ERROR

pytestmark = pytest.mark.django_db(transaction=True)


def submit(patient_id, kind: str) -> None:
    """A risky submission: its signal becomes an alert inside the submission's own transaction."""
    with transaction.atomic():
        risk_signal_record(
            patient_id=patient_id,
            source_type="test",
            source_id=uuid.uuid4(),
            kind=kind,
            level="high",
            evidence={"items": [{"item": "phq9_9", "answer": 2}]},
            occurred_at=timezone.now(),
        )


def websocket_events_sent() -> int:
    """Logged in the transaction that sends the events (relay table or Redis alike)."""
    return DeliveryAttempt.objects.filter(channel="websocket", result="sent").count()


@pytest.fixture
def slow_fcm(fcm, monkeypatch):
    """The first FCM request waits for ``release``; ``entered`` says it is being held."""
    entered, release, calls = threading.Event(), threading.Event(), []
    answer = fcm.send

    def send(request, **kwargs):
        calls.append(request)
        if len(calls) == 1:
            entered.set()
            release.wait(30)
        return answer(request, **kwargs)

    monkeypatch.setattr(fcm, "send", send)
    return entered, release, calls


def test_a_push_stuck_in_fcm_holds_no_submission_and_no_websocket(personas, slow_fcm):
    entered, release, calls = slow_fcm
    Device.objects.create(user=personas.clinician, token="tok-1", platform="ios", last_seen_at=timezone.now())
    CareTeamMember.objects.filter(patient=personas.patient_profile).exclude(user=personas.clinician).delete()
    patient_id = personas.patient_profile.pk
    errors = []

    def first_submission():  # commit → alerts.deliver → alerts.push (eager, in this thread) → held in FCM
        try:
            submit(patient_id, "phq9_item9")
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    held = threading.Thread(target=first_submission)
    held.start()
    try:
        assert entered.wait(30), "the first alert's push never reached FCM"
        first = AlertDelivery.objects.get(alert__source="phq9")
        assert first.websocket_sent_at is not None  # its websocket went before its push started

        submit(patient_id, "cssrs_wish_dead")  # another submission, another alert, while FCM holds the first

        still_held = held.is_alive() and not release.is_set()
        second = AlertDelivery.objects.get(alert__source="cssrs_screener")
    finally:
        release.set()
        held.join(60)
    assert not errors
    assert still_held  # the second submission committed and was delivered while the first push waited
    assert second.websocket_sent_at is not None
    assert websocket_events_sent() == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.push_status, first.push_attempts) == ("sent", 1)  # once, when FCM answered
    assert (second.push_status, second.push_attempts) == ("sent", 1)
    assert len(calls) == 2
    assert DeliveryAttempt.objects.filter(channel="push", result="sent").count() == 2


def test_a_failing_fcm_leaves_the_push_pending_for_a_retry_and_the_websocket_sent(personas, fcm):
    fcm.scripted.append(SERVER_ERROR)
    Device.objects.create(user=personas.clinician, token="tok-1", platform="ios", last_seen_at=timezone.now())
    CareTeamMember.objects.filter(patient=personas.patient_profile).exclude(user=personas.clinician).delete()
    submit(personas.patient_profile.pk, "phq9_item9")
    delivery = AlertDelivery.objects.get()
    assert delivery.websocket_sent_at is not None
    assert (delivery.push_status, delivery.push_attempts) == ("pending", 1)
    assert delivery.next_push_at > timezone.now()  # backoff: alerts.tick pushes it again, once, when due
    text = "".join(r["message"]["notification"]["body"] + str(r["message"]["data"]) for r in fcm.requests)
    for phi in ("Robin", "Quill", "phq9", str(personas.patient_profile.pk)):
        assert phi not in text


def test_the_committing_process_sends_the_websocket_events_without_waiting_for_the_job(personas, monkeypatch):
    from apps.alerts.services import raising as services

    queued = []
    monkeypatch.setattr(services, "enqueue_on_commit", lambda name, **kwargs: queued.append((name, kwargs)))
    submit(personas.patient_profile.pk, "phq9_item9")
    deliveries = list(AlertDelivery.objects.all())
    assert deliveries and all(d.websocket_sent_at for d in deliveries)  # sent before any job ran
    assert websocket_events_sent() == len(deliveries)
    assert [name for name, _ in queued] == ["alerts.deliver"]  # still queued: push, and the fallback

    from apps.alerts import delivery

    delivery.deliver(queued[0][1]["delivery_ids"])  # the job sends nothing twice
    assert websocket_events_sent() == len(deliveries)


def test_when_the_committing_process_cannot_send_the_job_does(personas, monkeypatch):
    from apps.alerts import delivery
    from apps.alerts.services import raising as services

    queued = []
    monkeypatch.setattr(services, "enqueue_on_commit", lambda name, **kwargs: queued.append((name, kwargs)))
    real = delivery.notify_users

    def redis_down(events):
        raise ConnectionError("channel layer unreachable")

    monkeypatch.setattr(delivery, "notify_users", redis_down)
    submit(personas.patient_profile.pk, "phq9_item9")  # the submission is stored all the same
    assert not AlertDelivery.objects.filter(websocket_sent_at__isnull=False).exists()
    monkeypatch.setattr(delivery, "notify_users", real)
    delivery.deliver(queued[0][1]["delivery_ids"])
    deliveries = list(AlertDelivery.objects.all())
    assert deliveries and all(d.websocket_sent_at for d in deliveries)
    assert websocket_events_sent() == len(deliveries)
