"""A live input whose connection never came back is finished by the sweeper, not left ``live`` for ever."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from apps.notes.models import ClinicalSession, InputStatus, Note, SessionInput
from apps.notes.services.live import live_audio_append, live_input_open, live_inputs_finish_abandoned, live_segments_add
from apps.notes.tasks import finish_abandoned_live

pytestmark = pytest.mark.django_db
MODEL = {"model_id": "tiny.en", "model_version": "test-pass"}


@pytest.fixture(autouse=True)
def _storage(audio_media):
    yield


def abandoned_input(personas, *, minutes_ago: int) -> SessionInput:
    session = ClinicalSession.objects.create(
        patient=personas.patient_profile, clinician=personas.clinician, started_at=timezone.now(), modality="in_person"
    )
    item = live_input_open(actor=personas.clinician, session=session, channels=2)
    tone = (np.sin(np.arange(32000) / 5.0) * 3000).astype(np.int16)
    live_audio_append(item=item, pcm=np.repeat(tone, 2).tobytes())  # 2 s, stereo
    segment = {"speaker": "patient", "text": "I have been sleeping better this week.", "start": 0.2, "end": 1.9}
    live_segments_add(item=item, segments=[{**segment, "words": []}], model=MODEL)
    SessionInput.objects.filter(pk=item.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=minutes_ago))
    return item


def test_a_live_input_silent_past_the_limit_is_finished_with_its_segments_and_a_live_draft(personas, settings):
    settings.LIVE_ABANDONED_MINUTES = 120
    item = abandoned_input(personas, minutes_ago=121)
    recent = abandoned_input(personas, minutes_ago=5)  # a pause, not an abandoned input: left alone

    assert finish_abandoned_live.apply().get() == 1

    item.refresh_from_db()
    assert item.status in (InputStatus.QUEUED, InputStatus.DONE)  # the offline pass is queued (eager here)
    assert item.audio_name and item.audio_seconds == pytest.approx(2.0)
    assert [u["text"] for u in item.utterances] == ["I have been sleeping better this week."]
    assert item.transcription.get("model_id") == MODEL["model_id"]
    draft = Note.objects.filter(session=item.session).latest("created_at")
    assert draft.provenance.get("pass") == "live"
    recent.refresh_from_db()
    assert recent.status == InputStatus.LIVE
    assert live_inputs_finish_abandoned() == 0  # nothing left to finish
