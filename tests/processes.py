"""Real processes for integration tests: Celery workers that are always stopped afterwards."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker_argv(
    name: str, *, queues: str | None = None, pool: str = "solo", concurrency: int = 1, loglevel: str = "WARNING"
) -> list[str]:
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "backend",
        "worker",
        f"--pool={pool}",
        f"--loglevel={loglevel}",
        f"--hostname={name}@%h",
    ]
    if pool != "solo":
        argv.append(f"--concurrency={concurrency}")
    if queues:
        argv.append(f"--queues={queues}")
    return argv


@contextlib.contextmanager
def celery_worker(
    env: dict[str, str],
    name: str,
    *,
    queues: str | None = None,
    pool: str = "solo",
    concurrency: int = 1,
    log: Path | None = None,
    loglevel: str = "WARNING",
) -> Iterator[subprocess.Popen]:
    """Without ``queues`` the worker consumes every queue (the single-worker shape). With ``log`` its
    output goes to that file (a pipe nobody reads would fill up and stall a chatty worker)."""
    sink = log.open("ab") if log else subprocess.PIPE
    worker = subprocess.Popen(  # noqa: S603 - fixed argv of this interpreter
        worker_argv(name, queues=queues, pool=pool, concurrency=concurrency, loglevel=loglevel),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=sink,
    )
    try:
        yield worker
    finally:
        stop(worker)
        if log:
            sink.close()


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
