import uuid
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.utils import timezone

from apps.accounts.services.consent import consent_decide
from apps.audit.models import AuditEvent
from apps.journals import services
from apps.journals.models import JournalEntry
from apps.journals.services import journal_entry_create_audio
from apps.journals.tasks import process_journal
from tests.apps.journals.factories import upload

pytestmark = pytest.mark.usefixtures("audio_media")


def stored_entry(patient, name="work.wav") -> JournalEntry:
    """An uploaded entry whose job has not run yet (the test runs it)."""
    entry, _ = journal_entry_create_audio(
        actor=patient.user,
        patient=patient,
        id=uuid.uuid4(),
        occurred_at=timezone.now(),
        timezone="UTC",
        audio_file=upload(name),
    )
    return entry


def test_no_ai_processing_without_consent(personas):
    consent_decide(
        actor=personas.patient, patient=personas.patient_profile, kind="ai_processing", version=1, decision="declined"
    )
    entry = stored_entry(personas.patient_profile)
    process_journal.delay(str(entry.id))
    entry.refresh_from_db()
    assert entry.status == "done" and entry.text == ""
    assert entry.transcription == {"skipped": "no_ai_processing_consent"} and entry.audio_name  # kept to be heard


@pytest.mark.slow
def test_a_transient_error_is_retried_then_succeeds(personas, monkeypatch, eager_retries):
    entry = stored_entry(personas.patient_profile)
    real = services.speech_transcribe
    calls = {"n": 0}

    def flaky(audio, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("model storage briefly unavailable")
        return real(audio, **kwargs)

    monkeypatch.setattr(services, "speech_transcribe", flaky)
    process_journal.delay(str(entry.id))
    entry.refresh_from_db()
    assert entry.status == "done" and entry.attempts == 2 and "anxious" in entry.text


def test_persistent_errors_give_up_with_a_reason(personas, monkeypatch, eager_retries):
    entry = stored_entry(personas.patient_profile)

    def broken(audio, **kwargs):
        raise OSError("disk on fire")

    monkeypatch.setattr(services, "speech_transcribe", broken)
    process_journal.delay(str(entry.id))
    entry.refresh_from_db()
    assert entry.status == "failed" and entry.failed_at_state == "transcribing"
    assert entry.error.startswith("gave up after 6 attempts") and entry.attempts == 6


def test_a_damaged_recording_fails_once_clearly(personas):
    entry = stored_entry(personas.patient_profile)
    storage = storages["journal_audio"]
    path = storage.inner.path(entry.audio_name)
    with open(path, "r+b") as handle:  # flip bytes inside the first encrypted chunk
        handle.seek(200)
        handle.write(b"\x00" * 64)
    process_journal.delay(str(entry.id))
    entry.refresh_from_db()
    assert (entry.status, entry.failed_at_state, entry.attempts) == ("failed", "transcribing", 1)
    assert entry.error == "the stored recording could not be decrypted"


def test_rerunning_a_finished_job_changes_nothing(personas):
    entry = stored_entry(personas.patient_profile)
    process_journal.delay(str(entry.id))
    entry.refresh_from_db()
    before = (entry.status, entry.attempts, entry.text)
    process_journal.delay(str(entry.id))
    entry.refresh_from_db()
    assert (entry.status, entry.attempts, entry.text) == before


def test_an_entry_deleted_while_queued_is_skipped(personas):
    entry = stored_entry(personas.patient_profile)
    JournalEntry.objects.filter(pk=entry.pk).delete()
    process_journal.delay(str(entry.id))  # nothing to do, no error


def test_key_rotation_rewraps_stored_recordings(personas, settings):
    from io import StringIO

    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from tests.apps.journals.factories import AUDIO

    entry = stored_entry(personas.patient_profile)
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [new, *settings.FIELD_ENCRYPTION_KEY]
    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "journal audio files: 1 re-encrypted" in out.getvalue(), out.getvalue()
    settings.FIELD_ENCRYPTION_KEY = [new]
    entry.refresh_from_db()
    assert b"".join(storages["journal_audio"].stream(entry.audio_name)) == (AUDIO / "work.wav").read_bytes()
    folder = f"{personas.practice.id}/{entry.patient_id}"
    assert len(storages["journal_audio"].inner.listdir(folder)[1]) == 1  # the old copy is gone


def _age(entry, seconds: float) -> None:
    JournalEntry.objects.filter(pk=entry.pk).update(updated_at=timezone.now() - timedelta(seconds=seconds))


def test_a_job_whose_worker_died_is_sent_again_and_finishes_once(
    personas, settings, django_capture_on_commit_callbacks
):
    settings.JOB_LEASE_SECONDS = 60
    entry = stored_entry(personas.patient_profile)
    services._claim(entry.pk)  # a worker claimed it, then died without a trace
    _age(entry, 30)
    assert services.journal_entries_resume_stalled() == 0  # still within its lease: maybe alive
    _age(entry, 61)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.journal_entries_resume_stalled() == 1  # the job is sent again (runs eagerly here)
    entry.refresh_from_db()
    assert entry.status == "done" and entry.attempts == 2 and entry.text
    ai_events = AuditEvent.objects.filter(object_id=str(entry.pk), action="ai_process", detail__job="transcription")
    assert ai_events.count() == 1
    assert services.journal_entries_resume_stalled() == 0


def test_a_queued_job_is_sent_again_only_after_five_leases_and_then_not_again_at_once(personas, settings):
    settings.JOB_LEASE_SECONDS = 60
    entry = stored_entry(personas.patient_profile)
    _age(entry, 250)
    assert services.journal_entries_resume_stalled() == 0
    _age(entry, 301)
    assert services.journal_entries_resume_stalled() == 1
    assert services.journal_entries_resume_stalled() == 0  # its row was touched when it was sent


def test_a_run_that_lost_its_claim_stores_nothing(personas):
    entry = stored_entry(personas.patient_profile)
    claimed = services._claim(entry.pk)
    JournalEntry.objects.filter(pk=entry.pk).update(attempts=claimed.attempts + 1)  # another run took over
    assert services._transcribe(claimed) is None
    entry.refresh_from_db()
    assert entry.status == "transcribing" and entry.text == ""
    assert not AuditEvent.objects.filter(object_id=str(entry.pk), action="ai_process").exists()
