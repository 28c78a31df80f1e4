"""Across real processes (uvicorn + Celery worker + websocket clients): a risky PHQ-9 POST reaches
every connected clinician within 2 seconds, in the embedded default and on Redis."""

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
def test_an_alert_crosses_processes_within_two_seconds(mode):
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
    assert summary["p95_last"] < 2.0, summary
