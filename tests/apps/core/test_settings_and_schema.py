import os
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]
STRONG_SECRET = "k" * 20 + "Qz8-" + "x7" * 20
AUDIT_KEY = "q" * 20 + "Hm4-" + "z9" * 10


EMBEDDED_DEFAULT = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")  # unset: SQLite files and the SQL broker


def run_django(args, *, embedded: bool = False, **env):
    dropped = {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "AUDIT_HMAC_KEYS", "DEBUG"}
    if embedded:
        dropped.update(EMBEDDED_DEFAULT)
    full_env = {k: v for k, v in os.environ.items() if k not in dropped}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_django(
        ["check"],
        INTERLUDE_ENV="production",
        INTERLUDE_VAR_DIR=str(tmp_path),
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="care.example.org",
    )
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_default_secret_key(tmp_path):
    result = run_django(
        ["check"],
        INTERLUDE_ENV="production",
        INTERLUDE_VAR_DIR=str(tmp_path),
        SECRET_KEY="django-insecure-" + "a" * 50,
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="care.example.org",
    )
    assert result.returncode != 0 and "known default" in result.stderr


def test_production_refuses_to_start_without_encryption_keys(tmp_path):
    result = run_django(
        ["check"],
        INTERLUDE_ENV="production",
        INTERLUDE_VAR_DIR=str(tmp_path),
        SECRET_KEY=STRONG_SECRET,
        ALLOWED_HOSTS="care.example.org",
    )
    assert result.returncode != 0 and "FIELD_ENCRYPTION_KEYS must be set" in result.stderr


def test_a_malformed_boolean_is_refused(tmp_path):
    result = run_django(["check"], INTERLUDE_VAR_DIR=str(tmp_path), DEBUG="maybe")
    assert result.returncode != 0 and "DEBUG must be a boolean" in result.stderr


def test_production_refuses_to_start_without_an_audit_key(tmp_path):
    result = run_django(
        ["check"],
        INTERLUDE_ENV="production",
        INTERLUDE_VAR_DIR=str(tmp_path),
        SECRET_KEY=STRONG_SECRET,
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="care.example.org",
    )
    assert result.returncode != 0 and "AUDIT_HMAC_KEYS must be set" in result.stderr


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = run_django(
        ["check", "--deploy", "--fail-level", "WARNING"],
        INTERLUDE_ENV="production",
        INTERLUDE_VAR_DIR=str(tmp_path),
        SECRET_KEY=STRONG_SECRET,
        FIELD_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        AUDIT_HMAC_KEYS=AUDIT_KEY,
        ALLOWED_HOSTS="care.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_openapi_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/enrolment/redeem/" in text and "/api/v1/patients/{patient_pk}/care-team/" in text


def test_schema_and_docs_are_served(client, db):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    static = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert static.status_code == 200


def test_the_suite_runs_on_postgresql_when_configured(db):
    from django.db import connection

    from tests.conftest import require_service

    require_service(connection.vendor == "postgresql", "DATABASE_URL is not set to PostgreSQL; ran on SQLite")


def test_the_suite_uses_redis_when_configured(settings):
    from django.core.cache import cache

    from tests.conftest import require_service, tcp_reachable

    require_service(tcp_reachable(settings.REDIS_URL, 6379), "REDIS_URL is not set; ran on the embedded default")
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
    cache.set("ci-probe", 1)
    assert cache.get("ci-probe") == 1


def test_postgresql_connections_come_from_a_per_process_pool(tmp_path):
    """Under ASGI every request has its own thread, so persistent per-thread connections piled up until
    PostgreSQL refused clients (issue 20). A pool reuses them; Django requires CONN_MAX_AGE=0 with it."""
    show = "from django.conf import settings as s; d = s.DATABASES['default']; print(d['CONN_MAX_AGE'], d['OPTIONS'])"
    result = run_django(
        ["shell", "-c", show],
        INTERLUDE_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://interlude@127.0.0.1:5432/interlude",
        DATABASE_POOL_SIZE="7",
    )
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]  # the shell may print a banner first
    assert last.startswith("0 ") and "'pool': {'min_size': 1, 'max_size': 7" in last


def test_the_development_database_and_its_write_ahead_log_are_the_owners_alone(tmp_path):
    """The embedded SQLite file held PHI ciphertext and plaintext ids world-readable (0644), and so
    did its -wal/-shm: they are created 0600 like var/dev-secrets.json, and an old one is tightened."""
    broker = tmp_path / "celery-broker.sqlite3"
    broker.touch(mode=0o644)
    broker.chmod(0o644)
    write = (
        "import os, stat; from django.db import connection; c = connection.cursor(); "
        "c.execute('create table t (x)'); c.execute('insert into t values (1)'); "
        "d = connection.settings_dict['NAME']; "
        "print(*[oct(stat.S_IMODE(os.stat(f'{d}{s}').st_mode)) for s in ('', '-wal', '-shm')])"
    )
    previous = os.umask(0o022)  # the common default, under which files are created world-readable
    try:
        # The embedded default's files, whatever services this run's environment names (CI sets both).
        result = run_django(["shell", "-c", write], embedded=True, INTERLUDE_VAR_DIR=str(tmp_path))
    finally:
        os.umask(previous)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0o600 0o600 0o600"
    assert oct(broker.stat().st_mode & 0o777) == "0o600"


def test_the_web_process_loads_its_views_and_freezes_its_start_up_heap(tmp_path):
    """Full garbage collections walked ~150,000 start-up objects again each time, pausing every request
    (issue 20): the ASGI module loads the URLconf at start-up and freezes what exists then."""
    probe = (
        "import gc, sys; import backend.asgi; "
        "print(gc.get_freeze_count(), 'apps.plans.api_treatment' in sys.modules, "
        "'apps.checkins.api_patient' in sys.modules)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DEBUG")}
    env.update(INTERLUDE_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="backend.settings")
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    frozen, plans_loaded, checkins_loaded = result.stdout.split()
    assert int(frozen) > 50_000 and plans_loaded == checkins_loaded == "True"
