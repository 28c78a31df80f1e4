"""The embedded broker wakes its consumers when a message is committed (backend/kombu_sqla.py +
backend/wake.py). The poll is set to an hour, and each wait records whether it ended by a wake-up or
by running out, so the test checks the mechanism and never times anything."""

import threading

from kombu import Connection

from backend import kombu_sqla, wake
from backend.celery import app  # noqa: F401 - registers the isqla+ scheme


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
