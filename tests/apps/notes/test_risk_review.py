"""Risk language held for the clinician's review: shown in the draft, never an alert until confirmed, and
the note cannot be signed while any item is pending."""

import pytest

from apps.alerts.models import Alert, RiskSignal
from apps.audit.models import AuditEvent
from apps.notes.models import SessionInput
from tests.apps.notes.test_notes import base, new_session

pytestmark = pytest.mark.slow

# A typed transcript: an ambiguous "I can't go on like this" that the patient clarifies with a "no" to a
# question about thoughts of ending their life (the matching level), so it waits for review.
CLARIFIED = "\n".join(
    [
        "Clinician: How are things at work?",
        "Patient: Honestly, I can't go on like this.",
        "Clinician: When you say you can't go on, do you mean you've had thoughts of ending your life?",
        "Patient: No, nothing like that. I mean the night shifts.",
        "Clinician: Let's look at the rota together next week.",
    ]
)
# The same statement, but the follow-up asks about plans: "No, no plans" clears nothing, so it alerts.
PLANS_ONLY = "\n".join(
    [
        "Clinician: How are things at work?",
        "Patient: Honestly, I can't go on like this.",
        "Clinician: Have you made any plans to end your life?",
        "Patient: No, no plans.",
    ]
)


def _typed(client, personas, text, capture):
    sid = new_session(client, personas)
    with capture(execute=True):
        response = client.post(f"{base(personas)}{sid}/inputs/", {"kind": "typed", "text": text}, format="json")
        assert response.status_code == 202
    return f"{base(personas)}{sid}/note/"


def test_a_clarified_statement_is_a_review_item_not_an_alert_and_blocks_signing_until_dismissed(
    personas, as_user, django_capture_on_commit_callbacks
):
    client = as_user(personas.clinician)
    url = _typed(client, personas, CLARIFIED, django_capture_on_commit_callbacks)
    note = client.get(url).json()
    sentences = [s for section in note["sections"] for s in section["sentences"]]
    review = [s for s in sentences if s["source"] == "risk_review"]
    assert len(review) == 1 and review[0]["review"]["reason"] == "clarified"
    assert "can't go on like this" in review[0]["text"]
    assert [(i["id"], i["level"], i["state"]) for i in note["provenance"]["risk_review"]] == [
        (1, "passive_ideation", "pending")
    ]
    assert not RiskSignal.objects.filter(patient=personas.patient_profile).exists()
    assert not Alert.objects.filter(patient=personas.patient_profile).exists()
    screened = SessionInput.objects.get(session__patient=personas.patient_profile).transcription["risk_screen"]
    assert screened["review"] == [{"level": "passive_ideation", "reason": "clarified", "utterances": [1]}]

    refused = client.post(f"{url}sign/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "risk_review_pending"
    other = as_user(personas.care_team).post(f"{url}risk-review/", {"item": 1, "decision": "dismiss"}, format="json")
    assert other.status_code == 403  # only the session's clinician decides
    dismissed = client.post(
        f"{url}risk-review/", {"item": 1, "decision": "dismiss", "reason": "about work"}, format="json"
    )
    assert dismissed.status_code == 200
    item = dismissed.json()["provenance"]["risk_review"][0]
    assert item["state"] == "dismissed" and item["decided_by"] == str(personas.clinician.pk)
    assert client.post(f"{url}risk-review/", {"item": 1, "decision": "confirm"}, format="json").status_code == 409
    assert AuditEvent.objects.filter(object_type="note", detail__risk_review=1, detail__decision="dismissed").exists()
    assert not RiskSignal.objects.filter(patient=personas.patient_profile).exists()

    # Redrafting keeps the decision; the note can now be signed.
    redrafted = client.post(f"{url}draft/", {}, format="json").json()
    assert redrafted["provenance"]["risk_review"][0]["state"] == "dismissed"
    assert client.post(f"{url}sign/").json()["status"] == "signed"


def test_confirming_a_review_item_raises_the_alert(personas, as_user, django_capture_on_commit_callbacks):
    client = as_user(personas.clinician)
    url = _typed(client, personas, CLARIFIED, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"{url}risk-review/", {"item": 1, "decision": "confirm"}, format="json")
    assert confirmed.status_code == 200
    signal = RiskSignal.objects.get(patient=personas.patient_profile)
    assert (signal.source_type, signal.kind) == ("note_risk_review", "risk_language_passive_ideation")
    assert signal.evidence["basis"] == "clinician_confirmed"
    assert signal.evidence["clinician_present"] == str(personas.clinician.pk)
    assert Alert.objects.filter(patient=personas.patient_profile).exists()
    assert client.post(f"{url}sign/").json()["status"] == "signed"


def test_a_no_to_a_plans_question_still_alerts_and_leaves_nothing_to_review(
    personas, as_user, django_capture_on_commit_callbacks
):
    client = as_user(personas.clinician)
    url = _typed(client, personas, PLANS_ONLY, django_capture_on_commit_callbacks)
    note = client.get(url).json()
    assert note["provenance"]["risk_review"] == []
    assert RiskSignal.objects.filter(
        patient=personas.patient_profile, source_type="session_input", kind="risk_language_passive_ideation"
    ).exists()
    assert client.post(f"{url}sign/").json()["status"] == "signed"


def test_an_llm_draft_keeps_the_review_items_the_alert_path_held(
    personas, as_user, settings, django_capture_on_commit_callbacks
):
    from tests.apps.notes.test_notes import _FakeLLM

    fake = _FakeLLM({"sections": {"subjective": [{"text": "Work stress discussed.", "evidence": ["u1"]}]}})
    settings.NOTES_LLM_URL, settings.NOTES_LLM_MODEL, settings.NOTES_LLM_API_KEY = fake.url, "local-model", "k"
    try:
        client = as_user(personas.clinician)
        url = _typed(client, personas, CLARIFIED, django_capture_on_commit_callbacks)
        note = client.post(f"{url}draft/", {"engine": "llm"}, format="json").json()
    finally:
        fake.close()
    review = [s for section in note["sections"] for s in section["sentences"] if s["source"] == "risk_review"]
    assert len(review) == 1 and "can't go on like this" in review[0]["text"]
    assert review[0]["evidence"][0]["ref"] == "1"
    assert [i["state"] for i in note["provenance"]["risk_review"]] == ["pending"]
    assert client.post(f"{url}sign/").status_code == 409
