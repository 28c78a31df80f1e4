"""Run the whole system in one terminal: ASGI server (HTTP + websockets), Celery worker, Celery beat.

Each runs as its own process, as in production; if one exits, the others are stopped and the
command exits non-zero so a supervisor (or the person at the terminal) notices.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the ASGI server, a Celery worker and the Celery scheduler together."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--worker-concurrency", type=int, default=int(os.environ.get("WORKER_CONCURRENCY", "1")))

    def handle(self, *args, host: str, port: int, worker_concurrency: int, **options):
        py = sys.executable
        commands = {
            "web": [
                py,
                "-m",
                "uvicorn",
                "backend.asgi:application",
                "--host",
                host,
                "--port",
                str(port),
                "--no-access-log" if settings.PRODUCTION else "--access-log",
            ],
            "worker": [
                py,
                "-m",
                "celery",
                "-A",
                "backend",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={worker_concurrency}",
                "--hostname=worker@%h",
            ],
            "beat": [
                py,
                "-m",
                "celery",
                "-A",
                "backend",
                "beat",
                "--loglevel=INFO",
                f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
            ],
        }
        procs = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}  # noqa: S603 - fixed argv
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
