"""Run by test_real_worker.py in its own process (with its own scratch database): upload a recording
through the API and wait for a separately started Celery worker to transcribe it. Prints JSON."""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import CareTeamMember, Membership, PatientProfile, User  # noqa: E402
from apps.accounts.services.consent import consent_decide  # noqa: E402
from apps.core.jwt import IssuedRefreshToken  # noqa: E402
from apps.journals.models import JournalEntry  # noqa: E402
from apps.practice.onboarding import practice_create  # noqa: E402

AUDIO = Path(__file__).resolve().parents[2] / "fixtures" / "audio" / "work.webm"


def main() -> None:
    practice = practice_create(name="Worker test", slug=f"w-{uuid.uuid4().hex[:8]}")
    clinician = User.objects.create_user(username=f"c-{uuid.uuid4().hex[:8]}", practice=practice)
    Membership.objects.create(user=clinician, role="clinician")
    user = User.objects.create_user(username=f"p-{uuid.uuid4().hex[:8]}", practice=practice)
    Membership.objects.create(user=user, role="patient")
    patient = PatientProfile.objects.create(practice=practice, user=user, full_name="Worker Test")
    CareTeamMember.objects.create(patient=patient, user=clinician, role="primary_clinician")
    consent_decide(actor=user, patient=patient, kind="ai_processing", version=1, decision="accepted")

    client = Client(HTTP_AUTHORIZATION=f"Bearer {IssuedRefreshToken.for_user(user).access_token}")
    with AUDIO.open("rb") as handle:
        body = {"id": str(uuid.uuid4()), "occurred_at": timezone.now().isoformat(), "timezone": "UTC", "audio": handle}
        response = client.post("/api/v1/me/journals/", body)
    entry_id = response.json()["id"]
    seen, started = [], time.monotonic()
    while time.monotonic() - started < float(os.environ.get("SCENARIO_TIMEOUT", "90")):
        entry = JournalEntry.objects.get(pk=entry_id)
        if not seen or seen[-1] != entry.status:
            seen.append(entry.status)
        if entry.status in ("done", "failed"):
            break
        time.sleep(0.2)
    print(
        json.dumps(
            {
                "upload_status": response.status_code,
                "statuses": seen,
                "text": entry.text,
                "model": entry.transcription.get("model_id"),
                "audio_deleted": entry.audio_name == "",
                "seconds": round(time.monotonic() - started, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
