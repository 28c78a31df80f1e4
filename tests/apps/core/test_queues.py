"""Queues: alerts on a light ``realtime`` worker that never waits behind ML, routing in one place,
and ML jobs that survive a killed worker exactly once. Real workers, real brokers."""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

from backend.celery import ML, ML_BACKGROUND, REALTIME, TASK_QUEUES, UnroutedTaskError, app, route_for
from tests.conftest import require_service, tcp_reachable

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = os.environ.get("REDIS_URL")
DATABASE_URL = os.environ.get("DATABASE_URL", "")
# (database, broker) for a killed worker: the embedded default and the production shape. SQLite with Redis
# (a mix nobody deploys) is covered by the alert-while-busy scenario on Redis; killing a worker there adds
# nothing either shape does not already prove, and each scenario costs a minute of CI.
SHAPES = [("sqlite", "sqlite"), ("postgres", "redis")]


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory):
    """One migrated var directory (SQLite database and the development keys made beside it), copied for each
    scenario (``migrate`` costs about 12 s a run)."""
    var = tmp_path_factory.mktemp("migrated")
    env = {**_embedded_env(), "INTERLUDE_VAR_DIR": str(var)}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=180)
    return var


@contextlib.contextmanager
def scratch_postgres():
    """A database of its own on the PostgreSQL server ``DATABASE_URL`` names (the workers and the scenario
    are separate processes, so pytest's transactional test database cannot be shared), dropped after."""
    import psycopg

    require_service(
        DATABASE_URL.startswith("postgres") and tcp_reachable(DATABASE_URL, 5432), "DATABASE_URL is not PostgreSQL"
    )
    url = urlparse(DATABASE_URL)
    name = f"{url.path.lstrip('/')}_scenario_{uuid.uuid4().hex[:8]}"
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url._replace(path=f"/{name}").geturl()
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_every_registered_task_has_a_queue():
    app.loader.import_default_modules()
    ours = sorted(name for name in app.tasks if not name.startswith("celery."))
    assert ours and sorted(TASK_QUEUES) == ours


def test_alert_work_is_realtime_and_model_work_is_ml():
    for name in (
        "alerts.process_signals",
        "alerts.deliver",
        "alerts.push",
        "alerts.tick",
        "checkins.dispatch_reminders",
    ):
        assert route_for(name) == {"queue": REALTIME}
    for name in ("journals.process", "notes.process_input", "insights.analyse_text", "insights.mine_patterns"):
        assert route_for(name) == {"queue": ML}
    # Work nobody waits for: behind every ``ml`` job on the same workers.
    for name in ("notes.refine_input", "insights.mine_patterns_nightly", "audit.verify_chain"):
        assert route_for(name) == {"queue": ML_BACKGROUND}
    queue = app.amqp.router.route({}, "alerts.deliver")["queue"]
    assert (queue.name, queue.exchange.name, queue.routing_key) == (REALTIME, REALTIME, REALTIME)


def _worker_for(queues: list[str]):
    from types import SimpleNamespace

    return SimpleNamespace(app=SimpleNamespace(amqp=SimpleNamespace(queues=SimpleNamespace(consume_from=queues))))


def test_an_ml_worker_lowers_its_cpu_priority_and_a_realtime_worker_does_not(monkeypatch, settings):
    from backend import celery as celery_module
    from backend import model_guard

    niced, guarded = [], []
    monkeypatch.setattr(celery_module.os, "nice", niced.append)
    monkeypatch.setattr(model_guard, "install", lambda reason: guarded.append(reason))
    settings.ML_WORKER_NICE = 10
    celery_module._guard_light_workers(_worker_for([ML]))
    assert (niced, guarded) == ([10], [])
    celery_module._guard_light_workers(_worker_for([REALTIME]))
    assert niced == [10] and len(guarded) == 1
    celery_module._guard_light_workers(_worker_for([ML_BACKGROUND]))
    assert (niced, len(guarded)) == ([10, 10], 1)


def test_runstack_starts_ml_workers_on_both_ml_queues_in_priority_order():
    from apps.core.management.commands.runstack import worker_argv

    assert "--queues=ml,ml_background" in worker_argv("ml", concurrency=1)
    assert "--queues=realtime" in worker_argv("realtime", concurrency=4)


def test_an_unrouted_task_is_refused_instead_of_landing_on_a_default_queue():
    with pytest.raises(UnroutedTaskError, match="reports.weekly"):
        app.amqp.router.route({}, "reports.weekly")


def test_the_model_guard_refuses_model_libraries_in_a_light_process():
    code = (
        "from backend import model_guard\n"
        "model_guard.install(reason='test')\n"
        "import json\n"
        "refused = []\n"
        "for name in ('faster_whisper', 'torch', 'transformers.models'):\n"
        "    try:\n"
        "        __import__(name)\n"
        "    except model_guard.ModelImportRefused:\n"
        "        refused.append(name)\n"
        "import ml.transcription, apps\n"  # the wrappers import lazily: importing them is fine
        "print(json.dumps({'refused': refused, 'loaded': model_guard.loaded_model_packages()}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout) == {"refused": ["faster_whisper", "torch", "transformers.models"], "loaded": []}


def _scenario(tmp_path, mode: str, broker: str, database: str = "sqlite", template: Path | None = None) -> dict:
    if database == "postgres":
        with scratch_postgres() as url:
            return _scenario_on(tmp_path, mode, broker, url)
    if template is not None:
        shutil.copytree(template, tmp_path, dirs_exist_ok=True)  # migrate below then finds nothing to do
    return _scenario_on(tmp_path, mode, broker, None)


def _embedded_env() -> dict[str, str]:
    """This process's environment without the services it names: a scenario chooses its own."""
    return {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}


def _scenario_on(tmp_path, mode: str, broker: str, database_url: str | None) -> dict:
    env = _embedded_env()
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(
        {
            "INTERLUDE_VAR_DIR": str(tmp_path),
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "LOG_LEVEL": "warning",
            "JOB_LEASE_SECONDS": "3",
        }
    )
    if broker == "redis":
        require_service(tcp_reachable(REDIS_URL, 6379), "REDIS_URL not set or Redis unreachable")
        env["REDIS_URL"] = REDIS_URL
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=180)
    result = subprocess.run(
        [sys.executable, "tests/apps/core/queue_scenario.py", mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    log = tmp_path / "workers.log"
    detail = (result.stderr[-2000:], log.read_text()[-3000:] if log.exists() else "")
    assert result.returncode == 0, detail
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("broker", ["sqlite", "redis"])
def test_an_alert_is_delivered_while_the_ml_worker_is_held_mid_transcription(tmp_path, broker, migrated_sqlite):
    outcome = _scenario(tmp_path, "busy", broker, template=migrated_sqlite)
    assert outcome["recipients"] == 2
    assert outcome["journal_status_when_alert_delivered"] == "transcribing"
    assert outcome["status"] == "done" and outcome["transcript_words"] > 5
    assert outcome["realtime_worker_model_libraries"] == []
    assert "ctranslate2" in outcome["ml_worker_model_libraries"]  # the check above can see a model load


@pytest.mark.slow
def test_the_realtime_worker_refuses_a_model_job_sent_to_it_by_mistake(tmp_path, migrated_sqlite):
    outcome = _scenario(tmp_path, "guard", "sqlite", template=migrated_sqlite)
    assert outcome["refused"] is True
    assert outcome["transcript_words"] == 0 and outcome["transcription_audits"] == 0


@pytest.mark.slow
@pytest.mark.parametrize(("database", "broker"), SHAPES)
@pytest.mark.parametrize("mode", ["kill-child", "kill-worker"])
def test_a_transcription_survives_a_killed_ml_worker_exactly_once(tmp_path, database, broker, mode, migrated_sqlite):
    """SIGKILL mid-transcription, after the row claim committed: the pool process (requeued at once:
    acks late, reject on worker lost) or the whole worker (sent again by journals.resume_stalled once
    the lease lapses). On SQLite and on PostgreSQL (the claim is a ``select_for_update`` there)."""
    outcome = _scenario(tmp_path, mode, broker, database, template=migrated_sqlite)
    assert outcome["status"] == "done" and outcome["transcript_words"] > 5
    assert outcome["attempts"] == 2  # the killed run's claim, then the one that finished
    assert outcome["transcription_audits"] == 1
