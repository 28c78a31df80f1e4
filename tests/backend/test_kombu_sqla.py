"""The embedded broker wakes its consumers when a message is committed (backend/kombu_sqla.py +
backend/wake.py). The poll is set to an hour, and each wait records whether it ended by a wake-up or
by running out, so the test checks the mechanism and never times anything."""

import os
import threading
import uuid

from kombu import Connection

from backend import kombu_sqla, wake
from backend.celery import app  # noqa: F401 - registers the isqla+ scheme
from tests.conftest import require_service, tcp_reachable


def test_a_publish_wakes_a_consumer_waiting_on_the_sqlite_broker(tmp_path, monkeypatch):
    monkeypatch.setattr(kombu_sqla.Transport, "polling_interval", 3600.0)
    waits, plain_wait = [], wake.Listener.wait
    monkeypatch.setattr(
        wake.Listener, "wait", lambda self, timeout: waits.append(plain_wait(self, timeout)) or waits[-1]
    )
    url = f"isqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    with Connection(url) as consumer_conn, Connection(url) as producer_conn:
        queue = consumer_conn.SimpleQueue("wake-test")
        queue.consumer.consume()
        publisher = threading.Timer(0.5, lambda: producer_conn.SimpleQueue("wake-test").put({"n": 1}))
        publisher.start()
        message = queue.get(block=True, timeout=30)
        publisher.join()
        assert message.payload == {"n": 1}
        message.ack()
        queue.close()
    assert waits and waits[-1] is True, waits  # the consumer was waiting, and the publish ended the wait
    assert kombu_sqla.wake_directory(url.removeprefix("isqla+")) == tmp_path / "broker.wake"


def test_other_databases_have_no_wake_directory():
    assert kombu_sqla.wake_directory("postgresql://u@db.example/broker") is None


def _delivery_order(url: str, transport_options: dict) -> list[str]:
    """Two background messages, then two ``ml`` ones, consumed by one consumer of ``[ml, background]``
    as an ML worker consumes them: the order they are delivered in."""
    from kombu import Consumer, Exchange, Queue

    suffix = uuid.uuid4().hex[:8]
    ml, background = (
        Queue(f"{name}-{suffix}", Exchange(f"{name}-{suffix}"), f"{name}-{suffix}") for name in ("ml", "bg")
    )
    got: list[str] = []
    with Connection(url, transport_options=transport_options) as conn:
        producer = conn.Producer()
        for queue, body in ((background, "b1"), (background, "b2"), (ml, "m1"), (ml, "m2")):
            producer.publish(body, exchange=queue.exchange, routing_key=queue.routing_key, declare=[queue])
        with Consumer(conn, [ml, background], callbacks=[lambda body, message: got.append(body)], no_ack=True):
            while len(got) < 4:
                conn.drain_events(timeout=10)
        for queue in (ml, background):
            queue(conn.default_channel).delete()
    return got


def test_a_worker_takes_its_first_queue_before_the_background_one_on_the_embedded_broker(tmp_path):
    assert _delivery_order(f"isqla+sqlite:///{tmp_path / 'broker.sqlite3'}", {}) == ["m1", "m2", "b1", "b2"]


def test_a_worker_takes_its_first_queue_before_the_background_one_on_redis(settings):
    url = os.environ.get("REDIS_URL")
    require_service(bool(url) and tcp_reachable(url, 6379), "REDIS_URL not set or Redis unreachable")
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    assert options.get("queue_order_strategy") == "priority"
    assert _delivery_order(url, options) == ["m1", "m2", "b1", "b2"]
