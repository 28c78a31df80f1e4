import uuid
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.journals.services import journal_entry_create_text

AUDIO = Path(__file__).resolve().parents[2] / "fixtures" / "audio"


def make_text_entry(patient, *, text="Slept badly; work was a lot.", shared=None):
    entry, _ = journal_entry_create_text(
        actor=patient.user,
        patient=patient,
        id=uuid.uuid4(),
        occurred_at=timezone.now(),
        timezone="Europe/London",
        text=text,
        shared=shared,
    )
    return entry


def upload(name: str, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (AUDIO / name).read_bytes(), content_type=content_type)
