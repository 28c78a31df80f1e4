"""Session inputs are screened and drafted in their own language (issue 19): Spanish through the
Spanish risk rules to the same alert path, other languages not screened and said so, never read with
English rules."""

import pytest
from django.test import Client
from django.utils import timezone

from apps.alerts.models import Alert, AlertDelivery, RiskSignal
from apps.notes.models import Note, SessionInput

pytestmark = pytest.mark.slow


def _typed(personas, as_user, capture, text, language):
    profile = personas.patient_profile
    profile.preferred_language = language
    profile.save(update_fields=["preferred_language"])
    client = as_user(personas.clinician)
    base = f"/api/v1/patients/{profile.id}/sessions/"
    sid = client.post(base, {"started_at": timezone.now().isoformat(), "modality": "video"}, format="json").json()["id"]
    with capture(execute=True):
        response = client.post(f"{base}{sid}/inputs/", {"kind": "typed", "text": text}, format="json")
    assert response.status_code == 202, response.json()
    return SessionInput.objects.get(session_id=sid)


def test_a_spanish_typed_summary_is_risk_screened_with_spanish_rules_and_alerts_the_team(
    personas, as_user, django_capture_on_commit_callbacks
):
    item = _typed(
        personas,
        as_user,
        django_capture_on_commit_callbacks,
        "Semana difícil, duerme poco. La paciente refiere que quiere quitarse la vida. Niega plan.",
        "es",
    )
    assert item.transcription["risk_screen"]["language"] == "es"
    assert item.transcription["risk_screen"]["screened"] is True
    assert item.transcription["risk_screen"]["detector"].endswith("/rules-only")
    alert = Alert.objects.get()
    assert alert.source == "risk_language" and alert.state == "acknowledged"
    evidence = alert.evidence[0]
    assert evidence["language"] == "es" and evidence["spans"][0]["basis"] == "clinician_report"
    assert {d.recipient.username for d in AlertDelivery.objects.filter(alert=alert)} == {"psych"}


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        # the clinician's question holds the risk words; only the patient's answer is the patient's risk
        ("Clinician: ¿Has pensado en quitarte la vida?\nPatient: Sí, quiero quitarme la vida.", {"active_ideation"}),
        ("Clinician: ¿Has pensado en quitarte la vida?\nPatient: No, nunca.", set()),
        ("La paciente niega ideación suicida. Duerme mejor.", set()),
    ],
)
def test_spanish_typed_risk_keeps_the_speaker_rules(
    personas, as_user, django_capture_on_commit_callbacks, text, levels
):
    _typed(personas, as_user, django_capture_on_commit_callbacks, text, "es")
    assert {s.kind.removeprefix("risk_language_") for s in RiskSignal.objects.all()} == levels


def test_a_french_typed_summary_is_not_risk_screened_and_the_draft_says_so(
    personas, as_user, django_capture_on_commit_callbacks
):
    text = "Elle dit qu'elle pense au suicide tous les jours et qu'elle veut mourir. Je suis très inquiet pour elle."
    item = _typed(personas, as_user, django_capture_on_commit_callbacks, text, "fr")
    # English rules would have read "suicide": nothing ran, nothing was raised, and the input says why
    assert not RiskSignal.objects.exists() and not Alert.objects.exists()
    assert item.transcription["risk_screen"] == {
        "language": "fr",
        "language_source": "text",
        "screened": False,
        "not_analysed": "language",
    }
    note = Note.objects.get(session=item.session)
    assert note.provenance["not_analysed"] == "language" and note.provenance["languages_not_drafted"] == ["fr"]
    assert note.provenance["engine"] and note.provenance["engine_version"]
    first, *rest = note.sections
    assert first["sentences"][0]["source"] == "not_analysed_language"
    assert "Not drafted automatically: language (fr)" in first["sentences"][0]["text"]
    quoted = [s for s in first["sentences"] if s["source"] == "transcript"]
    assert quoted and all(s["evidence"] for s in quoted)
    assert "pense au suicide" in quoted[0]["text"]
    # no English facts extracted: only the notice and the quoted transcript
    sources = {s["source"] for section in note.sections for s in section["sentences"]}
    assert sources <= {"not_analysed_language", "transcript"}
    assert all(section["sentences"] for section in rest)

    client = Client()
    client.force_login(personas.clinician)
    html = client.get(f"/patients/{item.session.patient_id}/sessions/{item.session_id}/").content.decode()
    assert html.count("Not risk-screened: language (fr) — read or listen yourself") == 2  # the input and the draft


def test_an_english_typed_summary_is_screened_and_drafted_as_before(
    personas, as_user, django_capture_on_commit_callbacks
):
    item = _typed(
        personas,
        as_user,
        django_capture_on_commit_callbacks,
        "Low mood all week. She reports thoughts that her family would be better off without her.",
        "en",
    )
    assert item.transcription["risk_screen"]["language"] == "en" and item.transcription["risk_screen"]["screened"]
    assert RiskSignal.objects.exists()
    note = Note.objects.get(session=item.session)
    assert "not_analysed" not in note.provenance
