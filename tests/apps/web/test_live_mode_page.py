"""The session screen's live mode (live_session.js drives it in tests/browser/test_session_live.py):
who is offered it, the consent refusal with its dictation/typed-summary alternatives, the cue panel
only for a clinician who opted in, and the page opened when the live draft is written."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.services.consent import consent_decide
from apps.notes import models as notes_models
from apps.notes.models import Note, NoteStatus
from apps.notes.services.sessions import clinical_session_create

pytestmark = pytest.mark.django_db
LiveCuePreference = getattr(notes_models, "LiveCuePreference", None)


def page_for(user, session) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/patients/{session.patient_id}/sessions/{session.pk}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def session(personas):
    return clinical_session_create(
        actor=personas.clinician, patient=personas.patient_profile, started_at=timezone.now(), modality="in_person"
    )


@pytest.mark.parametrize("who", ["clinician", "care_team"])
def test_care_team_clinicians_are_offered_live_mode_on_the_sessions_socket(personas, session, who):
    html = page_for(getattr(personas, who), session)
    assert "Start live mode" in html
    assert f'data-socket-path="/ws/sessions/{session.pk}/live/"' in html
    assert "web/js/pcm_worklet.js" in html
    # The live panel is outside the part of the page that refreshes itself while inputs process.
    assert html.index("data-live-session") < html.index('id="session-page"')


def test_without_recording_consent_live_mode_offers_dictation_or_a_typed_summary(personas, session):
    declined = {"kind": "session_recording", "version": 1, "decision": "declined"}
    consent_decide(actor=personas.patient, patient=personas.patient_profile, **declined)
    html = page_for(personas.clinician, session)
    live = html[html.index("data-live-session") : html.index('id="session-page"')]
    assert "The patient has not consented to session recording." in live
    assert 'data-live="start" disabled hidden' in live
    assert 'href="#record-in-browser"' in live and 'id="record-in-browser"' in html
    assert 'href="#type-summary"' in live and 'id="type-summary"' in html


def test_a_signed_note_ends_live_mode(personas, session):
    Note.objects.create(
        session=session,
        version=1,
        status=NoteStatus.SIGNED,
        template_key="soap",
        template_version=1,
        sections=[],
        provenance={"pass": "live"},
    )
    assert "data-live-session" not in page_for(personas.clinician, session)


def test_the_page_opened_at_the_end_of_a_live_session_says_where_the_draft_came_from(personas, session):
    client = Client()
    client.force_login(personas.clinician)
    html = client.get(f"/patients/{session.patient_id}/sessions/{session.pk}/?live=done").content.decode()
    assert "Live session stopped. The draft below is from the live pass" in html


def test_the_cue_panel_is_there_only_for_a_clinician_who_opted_in(personas, session):
    html = page_for(personas.clinician, session)
    assert "Real-time cues: off." in html
    assert 'aria-labelledby="live-cues-heading"' not in html


@pytest.mark.skipif(LiveCuePreference is None, reason="the cue opt-in model comes with the live server (live-server)")
def test_an_opted_in_clinician_gets_the_cue_panel_and_others_do_not(personas, session):
    LiveCuePreference.objects.create(user=personas.clinician, cues_enabled=True)
    html = page_for(personas.clinician, session)
    assert "Real-time cues: on for you" in html and 'aria-labelledby="live-cues-heading"' in html
    assert 'aria-labelledby="live-cues-heading"' not in page_for(personas.care_team, session)
