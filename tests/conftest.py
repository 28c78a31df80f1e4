"""Shared fixtures: personas (healthchecks' Alice/Bob/Charlie), API clients, service gates."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from apps.accounts.models import CareTeamMember, CareTeamRole, Membership, PatientProfile, Role, User
from apps.accounts.services.consent import consent_decide
from apps.core.jwt import IssuedRefreshToken
from apps.practice.onboarding import practice_create

IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "correct-horse-battery-9"


def require_service(available: bool, reason: str) -> None:
    """Skip on a bare machine, but fail in CI: CI must prove the production shape."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI=true but a required service is missing: {reason}")
    pytest.skip(reason)


def tcp_reachable(url: str | None, default_port: int) -> bool:
    if not url:
        return False
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # Django empties tables between transactional tests; let it (see audit migration 0002).
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_append_only_guard SET enforced = 0")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    cache.clear()  # rate-limit counters must not leak between tests
    # Celery 5.7's eager ``apply_async`` sets a process-wide "joining would block" flag and restores it on
    # exit; two threads running eager tasks at once (a live-session test) can restore each other's True and
    # leave it set, so a later test's real ``result.get()`` is refused. Eager mode is the tests' own setting
    # (workers run production jobs), so each test starts with the flag as a fresh process has it.
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"  # the database is per test; so are these
    # Hashing strength is not under test here; PBKDF2's 1M rounds would dominate the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def audio_media(settings, tmp_path):
    """Recordings land in a fresh MEDIA_ROOT (the audio storage is rebuilt around it)."""
    from django.core.files.storage import storages

    settings.MEDIA_ROOT = tmp_path / "media"
    storages._storages.pop("journal_audio", None)
    yield settings.MEDIA_ROOT
    storages._storages.pop("journal_audio", None)


@pytest.fixture
def eager_retries():
    """Let Celery's eager mode run a job's retries in place (propagating would surface the Retry itself)."""
    from backend.celery import app

    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = before


@dataclass
class Personas:
    practice: object
    other_practice: object
    patient: User
    patient_profile: PatientProfile
    clinician: User
    care_team: User
    admin: User
    unassigned_clinician: User
    outsider: User  # a clinician of another practice
    outsider_patient_profile: PatientProfile


def make_user(practice, username: str, *roles: str, display_name: str = "") -> User:
    user = User.objects.create_user(
        username=username, password=PASSWORD, practice=practice, display_name=display_name or username
    )
    for role in roles:
        Membership.objects.create(user=user, role=role)
    return user


def make_patient(practice, username: str | None, clinician: User, name: str = "Robin Quill") -> PatientProfile:
    user = make_user(practice, username, Role.PATIENT, display_name="") if username else None
    profile = PatientProfile.objects.create(
        practice=practice,
        user=user,
        full_name=name,
        timezone="Europe/London",
        emergency_contact_name="Morgan Quill",
        emergency_contact_phone="+44 7700 900123",
    )
    CareTeamMember.objects.create(patient=profile, user=clinician, role=CareTeamRole.PRIMARY_CLINICIAN)
    return profile


@pytest.fixture
def personas(db) -> Personas:
    practice = practice_create(name="Riverside", slug="riverside", timezone="Europe/London", crisis_region="GB")
    other = practice_create(name="Elsewhere", slug="elsewhere")
    clinician = make_user(practice, "clin", Role.CLINICIAN, display_name="Dr. Ada Byrne")
    care_team = make_user(practice, "psych", Role.CARE_TEAM, display_name="Dr. Ravi Patel")
    admin = make_user(practice, "admin", Role.PRACTICE_ADMIN, display_name="Ann Admin")
    unassigned = make_user(practice, "unassigned", Role.CLINICIAN, display_name="Dr. Not Assigned")
    outsider = make_user(other, "outsider", Role.CLINICIAN, display_name="Dr. Other Practice")
    profile = make_patient(practice, "pat", clinician)
    CareTeamMember.objects.create(patient=profile, user=care_team, role=CareTeamRole.PSYCHIATRIST)
    outsider_profile = make_patient(other, "otherpat", outsider, name="Other Person")
    for kind in ("ai_processing", "journal_sharing", "session_recording"):
        consent_decide(actor=profile.user, patient=profile, kind=kind, version=1, decision="accepted")
    return Personas(
        practice, other, profile.user, profile, clinician, care_team, admin, unassigned, outsider, outsider_profile
    )


def bearer_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {IssuedRefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def as_user():
    return bearer_client


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


@pytest.fixture
def fcm():
    """Push through the real firebase-admin SDK to a fake FCM endpoint; yields the adapter."""
    from tests.fakes import fcm as fake

    fake.uninstall()
    _, adapter = fake.install()
    yield adapter
    fake.uninstall()


# Under pytest-xdist (``scripts/dev.py test`` runs the suite on up to four workers, ``--dist loadgroup``):
# the browser tests share one running stack and one Chromium, so they stay together on one worker; the
# tests that start real worker processes, kill them or replay live audio against the clock run one after
# another on one worker too, so two of them never compete for the same cores. Everything else spreads.
_PROCESS_MODULES = {
    "tests/apps/core/test_queues.py",
    "tests/apps/core/test_celery_worker.py",
    "tests/apps/core/test_broker_outage.py",
    "tests/apps/core/test_websocket.py",
    "tests/apps/journals/test_real_worker.py",
    "tests/apps/alerts/test_real_worker_alert.py",
    "tests/apps/notes/test_live_session.py",
    "tests/backend/test_kombu_sqla.py",
    "tests/backend/test_wake.py",
    "tests/backend/test_worker_liveness.py",
    "tests/benchmarks/test_live_replay.py",
}


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by the markers added here
def pytest_collection_modifyitems(config, items):
    root = config.rootpath
    for item in items:
        path = item.path.relative_to(root).as_posix()
        if path.startswith("tests/browser/"):
            item.add_marker(pytest.mark.browser)  # -m "not browser" leaves them out
            item.add_marker(pytest.mark.xdist_group("browser"))
        elif path in _PROCESS_MODULES:
            item.add_marker(pytest.mark.xdist_group("processes"))
