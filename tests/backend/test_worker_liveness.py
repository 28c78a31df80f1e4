"""The worker watchdog's decision (no clocks: every time is given) and the supervisor acting on it."""

import json
import subprocess
import time
from dataclasses import asdict

import pytest

from backend import worker_liveness
from backend.worker_liveness import Heartbeat, Limits, Watchdog, restart_reason

LIMITS = Limits(interval=10, misses=6, busy_limit=1860)  # stalled after 60 s without a message
NOW = 1_000_000.0


def beat(**overrides) -> Heartbeat:
    values = dict(
        hostname="realtime@host", pid=42, started=NOW - 600, received=NOW - 5, active=0, busy_since=None, written=NOW
    )
    return Heartbeat(**{**values, **overrides})


def decide(heartbeat, *, broker=True, process_started=NOW - 600):
    return restart_reason(heartbeat, now=NOW, process_started=process_started, broker_reachable=broker, limits=LIMITS)


def test_a_worker_that_received_its_heartbeat_recently_is_left_alone():
    assert decide(beat(received=NOW - 59)) is None


def test_a_worker_that_consumed_nothing_for_longer_than_the_allowance_is_restarted():
    assert "consumed nothing for 61 s" in decide(beat(received=NOW - 61))


def test_a_worker_that_never_consumed_counts_from_its_start():
    assert decide(beat(received=None, started=NOW - 30)) is None
    assert decide(beat(received=None, started=NOW - 61)) is not None


def test_nothing_is_restarted_while_the_broker_is_unreachable():
    """An outage stalls every worker; restarting them would not bring Redis back."""
    assert decide(beat(received=NOW - 3600), broker=False) is None
    assert decide(None, broker=False, process_started=NOW - 3600) is None


def test_a_worker_busy_with_a_task_younger_than_the_time_limit_is_alive():
    """One ML process transcribing a long recording fetches nothing, its heartbeat included."""
    assert decide(beat(received=NOW - 900, active=1, busy_since=NOW - 900)) is None
    assert decide(beat(received=NOW - 2000, active=1, busy_since=NOW - 1900)) is not None


def test_a_silent_heartbeat_thread_is_a_stall_even_while_busy():
    assert "silent" in decide(beat(written=NOW - 61, active=1, busy_since=NOW - 10))


def test_a_missing_heartbeat_file_gets_a_start_up_grace_then_counts():
    assert decide(None, process_started=NOW - 100) is None
    assert "no heartbeat file" in decide(None, process_started=NOW - 121)


@pytest.fixture
def sleeper():
    procs = []

    def spawn(_name=None):
        proc = subprocess.Popen(["sleep", "600"], start_new_session=True)  # noqa: S607 - fixed argv
        procs.append(proc)
        return proc

    yield spawn
    for proc in procs:
        worker_liveness.stop_group(proc, grace=1)


def test_the_watchdog_replaces_a_stalled_worker_and_keeps_a_live_one(settings, tmp_path, sleeper):
    settings.VAR_DIR = tmp_path
    settings.CELERY_BROKER_URL = f"isqla+sqlite:///{tmp_path / 'broker.sqlite3'}"  # reachable by definition
    procs = {"stalled": sleeper(), "live": sleeper()}
    watchdog = Watchdog(procs, sleeper, ["stalled", "live"])
    now, stalled, live = time.time(), procs["stalled"], procs["live"]
    for proc, received in ((stalled, now - 3600), (live, now)):
        path = worker_liveness.heartbeat_path(proc.pid)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(beat(pid=proc.pid, started=now - 7200, received=received, written=now))))
    watchdog.next_check = 0

    replaced = watchdog.poll()

    assert [name for name, _ in replaced] == ["stalled"]
    assert stalled.poll() is not None and procs["stalled"] is not stalled and procs["stalled"].poll() is None
    assert procs["live"] is live and live.poll() is None
    assert not worker_liveness.heartbeat_path(stalled.pid).exists()
