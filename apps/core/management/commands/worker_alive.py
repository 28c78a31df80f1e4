"""Liveness probe for a Celery worker: exit 1 if it has stopped consuming (``backend/worker_liveness.py``).

    python manage.py worker_alive [--pid PID]

Without ``--pid``, checks every worker of this host with a heartbeat file in ``VAR_DIR/heartbeats``
(in a worker's container: that worker). Exits 0 while the broker is unreachable: an outage is not the
worker's fault and a restart would not end it.
"""

from __future__ import annotations

import os
import sys

from django.core.management.base import BaseCommand

from backend import worker_liveness


def _started(pid: int) -> float | None:
    try:
        return os.stat(f"/proc/{pid}").st_ctime
    except OSError:
        return None


class Command(BaseCommand):
    help = "Exit non-zero if a Celery worker of this host has stopped consuming (liveness probe)."

    def add_arguments(self, parser):
        parser.add_argument("--pid", type=int, help="the worker's main process (default: every worker found)")

    def handle(self, *args, pid: int | None, **options):
        if pid is not None:
            pids = [pid]
        else:
            files = worker_liveness.heartbeat_directory().glob("*.json")
            pids = [int(f.stem) for f in files if f.stem.isdigit()]
        stalled = []
        for worker in pids:
            started = _started(worker)
            if started is None:  # not running here (a file left by a worker that exited)
                continue
            reason = worker_liveness.check_process(worker, started)
            if reason:
                stalled.append(f"worker pid {worker}: {reason}")
        for line in stalled:
            self.stderr.write(line)
        if stalled:
            sys.exit(1)
        self.stdout.write(f"{len(pids)} worker(s) consuming")
