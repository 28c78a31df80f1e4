"""Worker liveness: find a Celery worker that is up but no longer consuming, so it can be restarted.

Celery/kombu 5.x have an open bug (celery#8030, #8091, #10302): after the Redis broker goes away and
comes back, a worker can stay connected-looking and never fetch another message. The transport
options in ``backend/settings.py`` make a lost connection noticed sooner; this does not depend on them.

Each worker's main process runs a small thread (started at ``worker_ready``) that every
``WORKER_HEARTBEAT_SECONDS`` publishes ``core.heartbeat`` to the worker's own direct queue
(``worker_direct``: ``<hostname>.dq2``, consumed by that worker only) and writes
``VAR_DIR/heartbeats/<pid>.json``: when the consumer last received any message (``task_received``
fires in the main process on every delivery, heartbeats included), how many tasks are running and
since when. A consuming worker receives its own heartbeat within an interval, idle or not.

``restart_reason`` is the decision, kept pure so it is tested without clocks: a worker is restarted
only while the broker answers (a Redis outage stalls every worker; restarting them would not help),
and not while it is running a task younger than the hard time limit (an ML worker with one process
fetches nothing while it transcribes; the time limit ends a task that hangs). The supervisors
(``manage.py runstack``, ``benchmarks/load.py``) and the production liveness probe
(``manage.py worker_alive``) all call it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

logger = logging.getLogger(__name__)
HEARTBEAT_TASK = "core.heartbeat"


@dataclass(frozen=True)
class Heartbeat:
    hostname: str
    pid: int
    started: float  # wall-clock seconds, when the worker was ready
    received: float | None  # the consumer's last received message
    active: int  # tasks running
    busy_since: float | None  # the oldest running task's start, as first seen
    written: float


@dataclass(frozen=True)
class Limits:
    interval: float  # seconds between heartbeats
    misses: int  # heartbeats missed before a worker counts as stalled
    busy_limit: float  # a task running longer than this no longer vouches for its worker

    @property
    def allowed(self) -> float:
        return self.interval * self.misses


def restart_reason(
    beat: Heartbeat | None, *, now: float, process_started: float, broker_reachable: bool, limits: Limits
) -> str | None:
    """Why the worker should be restarted now, or None if it should be left alone."""
    if not broker_reachable:
        return None
    if beat is None:
        # Start-up (imports, connecting) gets twice the allowance before a missing file counts.
        if now - process_started > 2 * limits.allowed:
            return f"no heartbeat file {now - process_started:.0f} s after start"
        return None
    if now - beat.written > limits.allowed:
        return f"heartbeat thread silent for {now - beat.written:.0f} s"
    if beat.active and beat.busy_since is not None and now - beat.busy_since < limits.busy_limit:
        return None
    last = max(beat.received or 0.0, beat.started)
    if now - last > limits.allowed:
        return f"consumed nothing for {now - last:.0f} s (heartbeat every {limits.interval:g} s)"
    return None


def heartbeat_directory() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "heartbeats"


def heartbeat_path(pid: int) -> Path:
    return heartbeat_directory() / f"{pid}.json"


def read_heartbeat(pid: int) -> Heartbeat | None:
    try:
        return Heartbeat(**json.loads(heartbeat_path(pid).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def limits_from_settings() -> Limits:
    from django.conf import settings

    return Limits(
        interval=settings.WORKER_HEARTBEAT_SECONDS,
        misses=settings.WORKER_HEARTBEAT_MISSES,
        busy_limit=settings.CELERY_TASK_TIME_LIMIT,
    )


def broker_reachable(url: str | None = None, timeout: float = 2.0) -> bool:
    """Whether the broker answers: a Redis PING, or always true for the local SQLite broker."""
    from django.conf import settings

    url = url or settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return True
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout).ping())
    except (redis.RedisError, OSError):
        return False


def check_process(pid: int, process_started: float, *, now: float | None = None) -> str | None:
    """``restart_reason`` for the worker whose main process is ``pid``, from its file and the broker."""
    return restart_reason(
        read_heartbeat(pid),
        now=time.time() if now is None else now,
        process_started=process_started,
        broker_reachable=broker_reachable(),
        limits=limits_from_settings(),
    )


def forget(pid: int) -> None:
    with contextlib.suppress(OSError):
        heartbeat_path(pid).unlink()


# --- inside the worker ---------------------------------------------------------------------------
_received: float | None = None


def note_received(**_kwargs) -> None:
    global _received
    _received = time.time()


class Beater(threading.Thread):
    """The worker main process's heartbeat thread."""

    def __init__(self, app, hostname: str, interval: float):
        super().__init__(name="worker-heartbeat", daemon=True)
        self.app, self.hostname, self.interval = app, hostname, interval
        self.started, self.pid, self.seen = time.time(), os.getpid(), {}

    def run(self) -> None:
        from celery.utils.nodenames import worker_direct

        queue = worker_direct(self.hostname)
        while True:
            try:
                self.app.send_task(HEARTBEAT_TASK, queue=queue, expires=self.interval * 3, retry=False)
            except Exception as exc:  # noqa: BLE001 - broker down: the file still says when we last consumed
                logger.debug("heartbeat not published: %s", type(exc).__name__)
            self.write()
            time.sleep(self.interval)

    def write(self) -> None:
        from celery.worker import state

        now = time.time()
        active = {request.id for request in list(state.active_requests)}
        self.seen = {task_id: self.seen.get(task_id, now) for task_id in active}
        beat = Heartbeat(
            hostname=self.hostname,
            pid=self.pid,
            started=self.started,
            received=_received,
            active=len(active),
            busy_since=min(self.seen.values()) if self.seen else None,
            written=now,
        )
        path = heartbeat_path(self.pid)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{socket.gethostname()}.tmp")
        tmp.write_text(json.dumps(asdict(beat)))
        tmp.replace(path)


# --- in the supervisor -----------------------------------------------------------------------------
def stop_group(proc, grace: float = 10.0) -> None:
    """End a worker started in its own session (``start_new_session=True``) with its pool processes:
    SIGTERM, then SIGKILL after ``grace`` seconds (a stalled worker may not finish a warm shutdown)."""
    import signal
    import subprocess

    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=wait)
            return


class Watchdog:
    """Checks the named workers every heartbeat interval and replaces a stalled one with a fresh
    process from ``spawn(name)``. ``procs`` is the supervisor's own dict and is updated in place."""

    def __init__(self, procs: dict, spawn, names: list[str]):
        self.procs, self.spawn, self.names = procs, spawn, names
        self.started = {name: time.time() for name in names}
        self.interval = limits_from_settings().interval
        self.next_check = time.monotonic() + self.interval
        self.restarts: list[tuple[float, str, str]] = []  # (time, worker, reason)

    def poll(self) -> list[tuple[str, str]]:
        if time.monotonic() < self.next_check:
            return []
        self.next_check = time.monotonic() + self.interval
        replaced = []
        for name in self.names:
            proc = self.procs[name]
            if proc.poll() is not None:
                continue  # an exit is the supervisor's business, not a stall
            reason = check_process(proc.pid, self.started[name])
            if reason is None:
                continue
            logger.warning("worker %s (pid %s) restarted: %s", name, proc.pid, reason)
            stop_group(proc)
            forget(proc.pid)
            self.procs[name], self.started[name] = self.spawn(name), time.time()
            self.restarts.append((time.time(), name, reason))
            replaced.append((name, reason))
        return replaced
