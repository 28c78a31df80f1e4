"""A scratch Interlude for benchmarks: its own database and files, one practice, a clinician and a
consenting patient. Call ``setup()`` before importing anything from Django."""

from __future__ import annotations

import os
import tempfile
import uuid
from dataclasses import dataclass


@dataclass
class Scratch:
    directory: str
    practice: object
    clinician: object
    patient_user: object
    patient: object


def setup(database_url: str | None = None, **env: str) -> Scratch:
    directory = tempfile.mkdtemp(prefix="interlude-bench-")
    os.environ["INTERLUDE_VAR_DIR"] = directory
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    os.environ["LOG_LEVEL"] = "warning"
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from apps.accounts.models import CareTeamMember, Membership, PatientProfile, User
    from apps.accounts.services.consent import consent_decide
    from apps.practice.onboarding import practice_create

    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
    call_command("migrate", verbosity=0)
    tag = uuid.uuid4().hex[:6]
    practice = practice_create(name="Bench", slug=f"bench-{tag}")
    clinician = User.objects.create_user(username=f"clin-{tag}", practice=practice)
    Membership.objects.create(user=clinician, role="clinician")
    patient_user = User.objects.create_user(username=f"pat-{tag}", practice=practice)
    Membership.objects.create(user=patient_user, role="patient")
    patient = PatientProfile.objects.create(
        practice=practice, user=patient_user, full_name="Bench Patient", timezone="Europe/London"
    )
    CareTeamMember.objects.create(patient=patient, user=clinician, role="primary_clinician")
    for kind in ("ai_processing", "journal_sharing"):
        consent_decide(actor=patient_user, patient=patient, kind=kind, version=1, decision="accepted")
    return Scratch(directory, practice, clinician, patient_user, patient)


def bearer(user) -> str:
    from apps.core.jwt import IssuedRefreshToken

    return f"Bearer {IssuedRefreshToken.for_user(user).access_token}"
