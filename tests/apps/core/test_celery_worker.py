"""A real Celery worker process, on the embedded broker (always) and on Redis (when available)."""

import os
import time
from pathlib import Path

import pytest
from celery import Celery

from backend import worker_liveness
from backend.celery import route_for
from tests.conftest import require_service, tcp_reachable
from tests.processes import celery_worker

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("REDIS_URL")


@pytest.mark.slow
@pytest.mark.parametrize("broker", ["sqlite", "isqla", "redis"])
def test_a_real_worker_runs_a_task(tmp_path, settings, broker):
    if broker == "redis":
        require_service(tcp_reachable(REDIS_URL, 6379), "REDIS_URL not set or Redis unreachable")
        broker_url = backend_url = REDIS_URL
    else:  # the stock SQLAlchemy transport, and ours (WAL, one INSERT per publish: backend/kombu_sqla.py)
        broker_url = f"{'isqla' if broker == 'isqla' else 'sqla'}+sqlite:///{tmp_path / 'broker.sqlite3'}"
        backend_url = f"db+sqlite:///{tmp_path / 'results.sqlite3'}"
    env = {
        **os.environ,
        "INTERLUDE_VAR_DIR": str(tmp_path),
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": backend_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "WORKER_HEARTBEAT_SECONDS": "1",
    }
    if broker == "sqlite":
        env.pop("REDIS_URL", None)
    client = Celery("test-client", broker=broker_url, backend=backend_url)
    client.conf.task_routes = (route_for,)  # the project's routing: core.ping goes to the realtime queue
    with celery_worker(env, f"test-{broker}") as worker:
        assert client.send_task("core.ping").get(timeout=60) == "pong"
        assert client.send_task("core.ping").get(timeout=60) == "pong"  # the cached queue id on a second publish
        # The liveness heartbeat: sent to the worker's own direct queue, received by it (no other message
        # is sent after the pings), and written down where the supervisor reads it.
        settings.VAR_DIR = tmp_path
        after_pings, received = time.time(), None
        for _ in range(120):
            heartbeat = worker_liveness.read_heartbeat(worker.pid)
            if heartbeat and heartbeat.received and heartbeat.received > after_pings:
                received = heartbeat.received
                break
            time.sleep(0.5)
        assert received is not None
