"""While the broker is down (Redis stopped), writes still succeed and nothing is lost: the job that
could not be queued is sent later by a sweeper. The broker here is a real Redis URL on a loopback
port where nothing listens, so publishing fails the way it does in an outage."""

import logging
import socket
import uuid

import pytest
from django.utils import timezone

from apps.alerts.models import AlertDelivery, RiskSignal
from apps.alerts.tasks import tick
from apps.checkins.models import MoodCheckin
from backend.celery import app


@pytest.fixture
def broker_down(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    before = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=f"redis://127.0.0.1:{port}/0", task_always_eager=False)
    # Connection and producer pools are built lazily from broker_url: start from none, and put the
    # originals back afterwards.
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    yield
    app.conf.update(**before)


@pytest.fixture
def job_warnings():
    records: list[str] = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = lambda record: records.append(record.getMessage())
    logger = logging.getLogger("apps.core.jobs")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def risky_phq9() -> dict:
    return {
        "id": str(uuid.uuid4()),
        "instrument": "phq9",
        "timezone": "UTC",
        "occurred_at": timezone.now().isoformat(),
        "answers": {**{f"phq9_{i}": 1 for i in range(1, 9)}, "phq9_9": 2},
    }


def test_a_checkin_with_a_note_is_stored_while_the_broker_is_down(
    personas, as_user, broker_down, django_capture_on_commit_callbacks, job_warnings
):
    body = {"id": str(uuid.uuid4()), "occurred_at": timezone.now().isoformat(), "timezone": "UTC"}
    body.update({"mood": 6, "anxiety": 2, "energy": 5, "note": "Went for a walk."})
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(personas.patient).post("/api/v1/me/checkins/", body, format="json")
    assert response.status_code == 201, response.content
    assert MoodCheckin.objects.filter(pk=body["id"]).exists()
    assert any("job insights.analyse_text not queued, broker unreachable" in w for w in job_warnings)


def test_a_risky_submission_during_the_outage_is_an_alert_at_once_and_delivered_when_the_tick_runs(
    personas, as_user, broker_down, django_capture_on_commit_callbacks, job_warnings
):
    body = risky_phq9()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(personas.patient).post("/api/v1/me/questionnaires/", body, format="json")
    assert response.status_code == 201, response.content
    signal = RiskSignal.objects.get(source_id=body["id"])
    assert signal.alert_id is not None  # made in the request: it does not need the broker to exist
    assert any("job alerts.deliver not queued" in w for w in job_warnings)
    waiting = AlertDelivery.objects.filter(alert_id=signal.alert_id)
    # The process that committed the alert sends the websocket events itself: screens need no broker.
    assert waiting.exists() and all(d.websocket_sent_at for d in waiting)
    assert all(d.push_status == "pending" for d in waiting)  # the push waits for a worker, not lost
    app.conf.task_always_eager = True  # Redis is back: beat's tick runs
    with django_capture_on_commit_callbacks(execute=True):
        tick.delay()
    signal.refresh_from_db()
    assert signal.alert_id is not None
    deliveries = AlertDelivery.objects.filter(alert_id=signal.alert_id)
    assert deliveries.exists() and all(d.websocket_sent_at for d in deliveries)
