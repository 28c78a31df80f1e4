"""The whole journal job through a real Celery worker process, on the embedded broker and on Redis."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ml.evaluate import word_error_rate
from tests.conftest import require_service, tcp_reachable
from tests.processes import celery_worker

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("REDIS_URL")
SCRIPT = "Today was hard at work. I could not sleep last night and I felt anxious all morning."


@pytest.mark.slow
@pytest.mark.parametrize("broker", ["sqlite", "redis"])
def test_an_upload_is_transcribed_by_a_real_worker(tmp_path, broker):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update({"INTERLUDE_VAR_DIR": str(tmp_path), "CELERY_TASK_ALWAYS_EAGER": "false", "LOG_LEVEL": "warning"})
    env["SCENARIO_TIMEOUT"] = "300"  # a busy shared machine; the outcome, not the time, is under test
    if broker == "redis":
        require_service(tcp_reachable(REDIS_URL, 6379), "REDIS_URL not set or Redis unreachable")
        env["REDIS_URL"] = REDIS_URL
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=180)
    with celery_worker(env, f"journal-{broker}"):
        result = subprocess.run(
            [sys.executable, "tests/apps/journals/worker_scenario.py"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=420,
        )
    assert result.returncode == 0, result.stderr[:1500] + "\n…\n" + result.stderr[-1500:]  # the first error too
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["upload_status"] == 202
    assert outcome["statuses"][-1] == "done", outcome
    assert outcome["model"] == "faster-whisper/tiny.en" and outcome["audio_deleted"] is True
    assert word_error_rate(SCRIPT, outcome["text"]) < 0.15
