"""Run the whole system in one terminal: ASGI server (HTTP + websockets), two Celery workers and
Celery beat.

Each runs as its own process, as in production; if one exits, the others are stopped and the
command exits non-zero so a supervisor (or the person at the terminal) notices. A worker that is
running but has stopped consuming (its liveness heartbeat stale while the broker answers,
``backend/worker_liveness.py``) is replaced with a fresh one. The workers split
the queues (``backend/celery.py``): a light ``realtime`` worker for alerts and reminders, which never
loads a model, and an ``ml`` worker for transcription and analysis, so an alert never waits behind a
recording.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from backend.worker_liveness import Watchdog


def worker_argv(queue: str, *, concurrency: int, hostname: str | None = None, loglevel: str = "INFO") -> list[str]:
    """One Celery worker, as ``runstack`` starts it (benchmarks start the same): ``realtime``, or ``ml``,
    which consumes both ML queues, the background one only when ``ml`` is empty (``backend/celery.py``)."""
    from backend.celery import ML, ML_QUEUES

    queues = ",".join(ML_QUEUES) if queue == ML else queue
    argv = [sys.executable, "-m", "celery", "-A", "backend", "worker", f"--loglevel={loglevel}", f"--queues={queues}"]
    if queue == "realtime":
        # Alerts are short and wait on the database and the network: threads, and never a model
        # (backend/model_guard.py refuses the import in this worker).
        argv += ["--pool=threads", f"--concurrency={concurrency}"]
    else:
        # ML jobs run one at a time per process; each process loads its models once.
        argv += [f"--concurrency={concurrency}"]
    return [*argv, f"--hostname={hostname or queue}@%h"]


# Idle keep-alive connections stay open this long (uvicorn's default is 5 s). Clients close idle
# connections themselves after a few seconds (httpx 5 s, OkHttp and URLSession longer); if the server
# closes first, a request sent on the closing connection is reset before it is read, and the phone sees
# an error for a request the server never got (issue 12's load run: 3 check-ins). Longer than the
# clients', the close is always the client's own.
KEEP_ALIVE_SECONDS = 75


def web_argv(*, host: str = "127.0.0.1", port: int, access_log: bool = False, loglevel: str = "info") -> list[str]:
    """The ASGI server, as ``runstack`` starts it (benchmarks start the same)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "backend.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        f"--timeout-keep-alive={KEEP_ALIVE_SECONDS}",
        f"--log-level={loglevel}",
        "--access-log" if access_log else "--no-access-log",
    ]


def beat_argv(*, loglevel: str = "INFO") -> list[str]:
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "backend",
        "beat",
        f"--loglevel={loglevel}",
        f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
    ]


class Command(BaseCommand):
    help = "Run the ASGI server, a realtime and an ML Celery worker, and the Celery scheduler together."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--worker-concurrency", type=int, default=int(os.environ.get("WORKER_CONCURRENCY", "1")))
        parser.add_argument(
            "--realtime-concurrency", type=int, default=int(os.environ.get("REALTIME_WORKER_CONCURRENCY", "4"))
        )

    def handle(self, *args, host: str, port: int, worker_concurrency: int, realtime_concurrency: int, **options):
        commands = {
            "web": web_argv(host=host, port=port, access_log=not settings.PRODUCTION),
            "realtime-worker": worker_argv("realtime", concurrency=realtime_concurrency),
            "ml-worker": worker_argv("ml", concurrency=worker_concurrency),
            "beat": beat_argv(),
        }
        workers = ["realtime-worker", "ml-worker"]

        def spawn(name: str) -> subprocess.Popen:
            # Workers get their own session, so a stalled one is stopped together with its pool.
            return subprocess.Popen(commands[name], start_new_session=name in workers)  # noqa: S603 - fixed argv

        procs = {name: spawn(name) for name in commands}
        watchdog = Watchdog(procs, spawn, workers)
        base = f"http://{host}:{port}"
        shape = "production services" if settings.DATABASE_URL or settings.REDIS_URL else "embedded default"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nInterlude is starting ({shape}).\n"
                f"  Web app:    {base}/   (sign in as clinician@demo / interlude-demo)\n"
                f"  API:        {base}/api/v1/\n"
                f"  API docs:   {base}/api/docs/\n"
                f"  Readiness:  {base}/health/ready\n"
                f"  Websocket:  ws://{host}:{port}/ws/events/\n"
                f"  Patient app: {base}/app/   (a phone-sized browser; join with the enrolment code above)\n"
                "Press Ctrl+C to stop.\n"
            )
        )
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exited = None
        while not stopping and exited is None:
            time.sleep(0.5)
            for name, reason in watchdog.poll():
                self.stderr.write(f"{name} stopped consuming ({reason}); started a new one")
            exited = next((name for name, p in procs.items() if p.poll() is not None), None)
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        if exited is not None:
            self.stderr.write(f"{exited} exited with status {procs[exited].returncode}; stopped the others")
            sys.exit(1)
