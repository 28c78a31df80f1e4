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


def test_a_declare_that_fails_once_still_publishes_the_message(tmp_path, monkeypatch):
    """kombu retries a failed declare by reconnecting, which closes the producer's channel while the publish
    still holds it (CI, 30 Nov: an upload's job never enqueued). The message must still be stored."""
    from kombu import Exchange, Queue
    from sqlalchemy.exc import OperationalError

    plain, failures = kombu_sqla.Channel._new_queue, []

    def fails_once(self, name, **kwargs):
        if not failures:
            failures.append(name)
            raise OperationalError("INSERT INTO kombu_queue", {}, Exception("database is locked"))
        return plain(self, name, **kwargs)

    monkeypatch.setattr(kombu_sqla.Channel, "_new_queue", fails_once)
    queue = Queue("retry-test", Exchange("retry-test"), "retry-test")
    url = f"isqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    with Connection(url) as conn:
        conn.Producer().publish(
            {"n": 1}, exchange=queue.exchange, routing_key="retry-test", declare=[queue], retry=True
        )
        assert failures == ["retry-test"]  # the first declare did fail
    with Connection(url) as conn:
        message = conn.SimpleQueue(queue).get(block=True, timeout=10)
        assert message.payload == {"n": 1}


_PUBLISHER = """
import sys, time
from pathlib import Path
from kombu import Connection
from kombu.transport import TRANSPORT_ALIASES
TRANSPORT_ALIASES["isqla"] = "backend.kombu_sqla:Transport"
url, go, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
while not go.exists():
    time.sleep(0.005)
with Connection(url) as conn:
    conn.SimpleQueue("race-test").put({"n": n}, retry=True)
"""


def test_processes_starting_together_on_a_fresh_broker_file_lose_no_message(tmp_path):
    """Web, workers and scheduler create the broker's tables and queue rows at once on a first start."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    url, go = f"isqla+sqlite:///{tmp_path / 'broker.sqlite3'}", tmp_path / "go"
    root = Path(__file__).resolve().parents[2]
    publishers = [
        subprocess.Popen([sys.executable, "-c", _PUBLISHER, url, str(go), str(n)], cwd=root, stderr=subprocess.PIPE)
        for n in range(6)
    ]
    time.sleep(1.0)  # every process imported kombu and waits for the same moment (no time is asserted)
    go.touch()
    outcomes = [(publisher.wait(timeout=120), publisher.stderr.read().decode()[-800:]) for publisher in publishers]
    assert all(code == 0 for code, _ in outcomes), outcomes
    with Connection(url) as conn:
        queue = conn.SimpleQueue("race-test")
        got = sorted(queue.get(block=True, timeout=10).payload["n"] for _ in range(6))
    assert got == list(range(6))
