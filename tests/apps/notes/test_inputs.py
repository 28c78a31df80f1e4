"""A session input's processing status over REST (as journals have), and what its filter set aside."""

import json

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.notes.models import ClinicalSession, InputKind, InputStatus, SessionInput


@pytest.fixture
def item(personas):
    session = ClinicalSession.objects.create(
        patient=personas.patient_profile, clinician=personas.clinician, started_at=timezone.now(), modality="video"
    )
    return SessionInput.objects.create(
        session=session,
        kind=InputKind.RECORDING,
        status=InputStatus.TRANSCRIBING,
        audio_format="m4a",
        audio_seconds=61.5,
        transcription={"attribution": "voice_clusters"},
        dropped=[
            {
                "start": 58.0,
                "end": 60.0,
                "text": "Thank you for watching.",
                "reason": "known_hallucination",
                "channel": "mono",
            }
        ],
    )


def url(personas, item, tail=""):
    return f"/api/v1/patients/{personas.patient_profile.id}/sessions/{item.session_id}/inputs/{item.pk}/{tail}"


def test_the_clinician_can_poll_an_inputs_status_without_phi(personas, as_user, item):
    body = as_user(personas.clinician).get(url(personas, item)).json()
    assert body["status"] == "transcribing" and body["kind"] == "recording" and body["audio_seconds"] == 61.5
    assert body["attribution"] == "voice_clusters" and body["speakers_confirmed"] is False
    assert body["dropped_segments"] == 1 and "Thank you" not in json.dumps(body)


def test_what_the_filter_dropped_stays_visible_and_reading_it_is_audited(personas, as_user, item):
    body = as_user(personas.clinician).get(url(personas, item, "dropped/")).json()
    assert body["input_id"] == str(item.pk) and body["segments"] == [
        {
            "start": 58.0,
            "end": 60.0,
            "text": "Thank you for watching.",
            "reason": "known_hallucination",
            "channel": "mono",
        }
    ]
    assert AuditEvent.objects.filter(object_type="session_input", object_id=str(item.pk), action="read").exists()


def test_an_input_of_another_session_is_404(personas, as_user, item):
    other = ClinicalSession.objects.create(
        patient=personas.patient_profile, clinician=personas.clinician, started_at=timezone.now(), modality="video"
    )
    response = as_user(personas.clinician).get(
        f"/api/v1/patients/{personas.patient_profile.id}/sessions/{other.pk}/inputs/{item.pk}/"
    )
    assert response.status_code == 404


def test_crosstalk_taken_out_of_a_stereo_channel_is_listed_with_what_was_set_aside(personas, as_user, item):
    crosstalk = {"start": 3.1, "end": 4.0, "text": "are you?", "reason": "crosstalk", "channel": "patient"}
    item.dropped = [*item.dropped, crosstalk]
    item.save(update_fields=["dropped"])
    body = as_user(personas.clinician).get(url(personas, item, "dropped/")).json()
    assert body["segments"][-1] == crosstalk
