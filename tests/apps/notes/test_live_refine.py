"""After a live session the offline pass offers a refined draft only when its transcript differs
materially from the live one; otherwise it confirms the live draft. The clinician can make any pass's
draft the current one ("use this version"), through the API and the session screen, audited."""

from __future__ import annotations

import wave

import pytest
from django.test import Client
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.notes.models import ClinicalSession, InputStatus, Note, SessionInput
from apps.notes.services.drafts import note_draft_generate
from apps.notes.services.live import (
    live_audio_append,
    live_input_finish,
    live_input_open,
    live_offline_compare,
    live_segments_add,
)
from tests.conftest import bearer_client, require_service
from tests.fixtures.real_voices import LIBRIVOX_MISSING, librivox_clips

pytestmark = pytest.mark.django_db
MODEL = {"model_id": "tiny.en", "model_version": "test-pass"}


def utterances(*texts: str) -> list[dict]:
    return [{"text": t, "start": float(i), "end": i + 0.9} for i, t in enumerate(texts)]


def test_the_same_words_in_another_case_and_punctuation_are_no_material_difference():
    check = live_offline_compare(
        live=utterances("He might even have been made amiable himself"),
        offline=utterances("He might even have been made amiable, himself."),
    )
    assert check["word_difference"] == 0 and check["refine"] is False


def test_one_word_in_eight_changed_is_a_material_difference():
    check = live_offline_compare(
        live=utterances("He was not an old-sposed young man."),
        offline=utterances("He was not an ill-disposed young man."),
    )
    assert check["words_changed"] == 2 and check["words_offline"] == 8
    assert check["refine"] is True


def test_speech_the_live_pass_missed_entirely_is_a_material_difference():
    check = live_offline_compare(live=[], offline=utterances("I could not sleep at all"))
    assert check["word_difference"] == 1.0 and check["refine"] is True


@pytest.fixture
def clip(audio_media):
    clips = librivox_clips()
    require_service(clips is not None, LIBRIVOX_MISSING)
    path, reference = clips[4]  # "he might even have been made amiable himself": tiny.en gets it right
    with wave.open(str(path)) as handle:
        return handle.readframes(handle.getnframes()), reference


def finished_live_input(personas, pcm: bytes, live_text: str, on_commit) -> tuple[ClinicalSession, SessionInput]:
    session = ClinicalSession.objects.create(
        patient=personas.patient_profile, clinician=personas.clinician, started_at=timezone.now(), modality="in_person"
    )
    item = live_input_open(actor=personas.clinician, session=session, channels=1)
    live_audio_append(item=item, pcm=pcm)
    seconds = len(pcm) / 32000
    live_segments_add(
        item=item,
        segments=[{"speaker": "speaker_1", "text": live_text, "start": 0.3, "end": seconds - 0.2}],
        model=MODEL,
    )
    with on_commit(execute=True):  # the offline pass is queued on commit and runs eagerly here
        live_input_finish(actor=personas.clinician, item=item, model=MODEL)
    item.refresh_from_db()
    assert item.status == InputStatus.DONE
    return session, item


@pytest.mark.slow
def test_an_offline_pass_that_agrees_confirms_the_live_draft_and_adds_none(
    personas, clip, django_capture_on_commit_callbacks
):
    pcm, reference = clip
    session, item = finished_live_input(personas, pcm, reference.capitalize() + ".", django_capture_on_commit_callbacks)

    notes = list(Note.objects.filter(session=session).order_by("version"))
    assert [n.provenance.get("pass") for n in notes] == ["live"]
    check = notes[0].provenance["offline_check"]
    assert check["outcome"] == "confirmed" and check["refine"] is False
    assert item.transcription["live"]["offline_check"]["word_difference"] < check["threshold"]
    assert AuditEvent.objects.filter(object_id=str(notes[0].pk), detail__outcome="confirmed_live").exists()


@pytest.mark.slow
def test_an_offline_pass_that_differs_adds_a_refined_draft_beside_the_live_one(
    personas, clip, django_capture_on_commit_callbacks
):
    pcm, _ = clip
    session, _ = finished_live_input(  # the live pass lost words
        personas, pcm, "He might have made himself.", django_capture_on_commit_callbacks
    )

    notes = list(Note.objects.filter(session=session).order_by("version"))
    assert [n.provenance.get("pass") for n in notes] == ["live", "offline"]
    check = notes[1].provenance["offline_check"]
    assert check["outcome"] == "refined" and check["words_changed"] >= 3


@pytest.fixture
def two_passes(personas):
    """A session with a live draft (version 1) and the offline pass's refined draft (version 2)."""
    session = ClinicalSession.objects.create(
        patient=personas.patient_profile, clinician=personas.clinician, started_at=timezone.now(), modality="in_person"
    )
    live = note_draft_generate(session=session, made_by="live")
    refined = note_draft_generate(session=session, made_by="offline")
    assert (live.version, refined.version) == (1, 2)
    return session


def choose_url(session, version: int) -> str:
    return f"/api/v1/patients/{session.patient_id}/sessions/{session.pk}/note/versions/{version}/choose/"


def test_the_clinician_makes_the_live_draft_current_and_it_is_audited(personas, two_passes):
    response = bearer_client(personas.clinician).post(choose_url(two_passes, 1))

    assert response.status_code == 201, response.content
    current = Note.objects.filter(session=two_passes).order_by("-version").first()
    live = Note.objects.get(session=two_passes, version=1)
    assert current.version == 3 and current.sections == live.sections
    assert current.provenance["pass"] == "live" and current.provenance["chosen_from"] == 1
    event = AuditEvent.objects.get(object_id=str(current.pk), action="update")
    assert event.detail["chosen_version"] == 1 and event.detail["replaces_version"] == 2
    assert event.actor_id == personas.clinician.pk


def test_choosing_the_current_version_or_one_of_a_signed_note_is_refused(personas, two_passes):
    client = bearer_client(personas.clinician)
    assert client.post(choose_url(two_passes, 2)).status_code == 409
    assert client.post(choose_url(two_passes, 9)).status_code == 404
    Note.objects.filter(session=two_passes, version=2).update(status="signed")
    assert client.post(choose_url(two_passes, 1)).status_code == 409
    assert Note.objects.filter(session=two_passes).count() == 2


@pytest.mark.parametrize("who", ["outsider", "unassigned_clinician", "patient"])
def test_no_one_outside_the_care_team_can_choose_a_version(personas, two_passes, who):
    response = bearer_client(getattr(personas, who)).post(choose_url(two_passes, 1))
    assert response.status_code in (403, 404)
    assert Note.objects.filter(session=two_passes).count() == 2


def test_the_session_screen_offers_use_this_version_and_it_makes_that_draft_current(personas, two_passes):
    client = Client()
    client.force_login(personas.clinician)
    page = f"/patients/{two_passes.patient_id}/sessions/{two_passes.pk}/"
    html = client.get(page).content.decode()
    action = f"{page}note/versions/1/use/"
    assert f'hx-post="{action}"' in html and "Use this version" in html
    assert "live draft (from the transcript during the session)" in html

    response = client.post(action)

    assert response.status_code == 302
    current = Note.objects.filter(session=two_passes).order_by("-version").first()
    assert current.provenance["chosen_from"] == 1
    html = client.get(page).content.decode()
    assert "That version is now the current draft." in html and "chosen from version 1" in html
