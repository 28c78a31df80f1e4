"""The session page shows risk language held for review above the note, with confirm/dismiss, and the sign
button refuses while any item is pending."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from apps.alerts.models import RiskSignal
from apps.notes.models import Note, NoteStatus
from apps.notes.services.sessions import clinical_session_create

pytestmark = pytest.mark.django_db
HELD = "Clinician review needed before signing: possible risk language (passive ideation): \u201cI can't go on.\u201d"


@pytest.fixture
def note(personas):
    session = clinical_session_create(
        actor=personas.clinician, patient=personas.patient_profile, started_at=timezone.now(), modality="in_person"
    )
    review = {"level": "passive_ideation", "reason": "clarified", "utterances": [1], "detector": "x", "score": 1.0}
    return Note.objects.create(
        session=session,
        version=1,
        template_key="soap",
        template_version=1,
        sections=[
            {
                "key": "objective",
                "title": "Objective",
                "sentences": [{"text": HELD, "source": "risk_review", "evidence": [], "review": review}],
            }
        ],
        provenance={"risk_review": [{"id": 1, **review, "state": "pending"}]},
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pending_review_items_are_shown_with_their_decisions_and_block_signing(personas, note):
    client = _client(personas.clinician)
    url = f"/patients/{note.session.patient_id}/sessions/{note.session_id}/"
    html = client.get(url).content.decode()
    assert "Possible risk language for your review" in html and "Confirm: raise an alert" in html
    refused = client.post(f"{url}note/sign/", {"confirm": "yes"})
    assert refused.status_code == 409 and "need your review" in refused.content.decode()
    note.refresh_from_db()
    assert note.status == NoteStatus.DRAFT

    decided = client.post(f"{url}note/risk-review/", {"item": "1", "decision": "dismiss", "reason": "work stress"})
    assert decided.status_code == 302
    assert "Dismissed." in client.get(url).content.decode()
    assert not RiskSignal.objects.exists()
    assert client.post(f"{url}note/sign/", {"confirm": "yes"}).status_code == 302
    note.refresh_from_db()
    assert note.status == NoteStatus.SIGNED


def test_only_the_session_clinician_decides(personas, note):
    url = f"/patients/{note.session.patient_id}/sessions/{note.session_id}/"
    response = _client(personas.care_team).post(f"{url}note/risk-review/", {"item": "1", "decision": "confirm"})
    assert response.status_code == 403
    assert not RiskSignal.objects.exists()
