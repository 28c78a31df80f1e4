"""Across real processes (uvicorn + Celery workers + websocket clients): every risky PHQ-9 POST reaches
every connected clinician, in the embedded default and on Redis. How fast is measured by
``benchmarks.alerts`` (a ratio against an idle run), never asserted here: tests don't time."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_service, tcp_reachable

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("REDIS_URL")


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["embedded", "redis"])
def test_every_alert_crosses_processes_to_every_socket(mode):
    if mode == "redis":
        require_service(tcp_reachable(REDIS_URL, 6379), "REDIS_URL not set or Redis unreachable")
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.alerts", "--sockets", "3", "--rounds", "3", "--mode", mode]
        + ["--load", "idle", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])[mode]["idle"]
    # The benchmark waits for alert.new on every socket in every round and exits non-zero otherwise.
    assert summary["p95_last"] >= summary["p50_first"] > 0, summary
