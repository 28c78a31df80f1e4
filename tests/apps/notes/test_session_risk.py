"""Every session input reaches the risk path, read with its speakers; relabelling re-screens."""

import pytest
from django.utils import timezone

from apps.alerts.models import Alert, AlertDelivery, RiskSignal
from apps.notes.models import ClinicalSession, InputKind, InputStatus, SessionInput
from apps.notes.processing import session_input_speakers_relabel

pytestmark = pytest.mark.slow


def base(personas):
    return f"/api/v1/patients/{personas.patient_profile.id}/sessions/"


def typed(client, personas, text):
    sid = client.post(
        base(personas), {"started_at": timezone.now().isoformat(), "modality": "video"}, format="json"
    ).json()["id"]
    response = client.post(f"{base(personas)}{sid}/inputs/", {"kind": "typed", "text": text}, format="json")
    assert response.status_code == 202, response.json()
    return sid


def test_a_typed_summary_with_a_disclosure_alerts_the_team_not_the_clinician(
    personas, as_user, django_capture_on_commit_callbacks
):
    client = as_user(personas.clinician)
    with django_capture_on_commit_callbacks(execute=True):
        typed(
            client, personas, "Low mood all week. She reports thoughts that her family would be better off without her."
        )
    alert = Alert.objects.get()
    assert alert.source == "risk_language" and alert.state == "acknowledged"
    span = alert.evidence[0]["spans"][0]
    assert span["basis"] == "clinician_report" and alert.evidence[0]["input_kind"] == "typed"
    assert {d.recipient.username for d in AlertDelivery.objects.filter(alert=alert)} == {"psych"}


@pytest.mark.parametrize(
    "text",
    [
        "She denies self-harm. Denies thoughts of self-harm. Safety plan reviewed.",
        "Clinician: Have you had any thoughts of killing yourself?\nPatient: No, never, I've never thought about it.",
    ],
)
def test_typed_denials_and_typed_questions_raise_nothing(personas, as_user, django_capture_on_commit_callbacks, text):
    client = as_user(personas.clinician)
    with django_capture_on_commit_callbacks(execute=True):
        typed(client, personas, text)
    assert not RiskSignal.objects.exists()


def test_a_typed_transcript_keeps_who_said_what(personas, as_user, django_capture_on_commit_callbacks):
    client = as_user(personas.clinician)
    with django_capture_on_commit_callbacks(execute=True):
        sid = typed(client, personas, "Therapist: How was the week?\nClient: Hard, I barely slept.")
    item = SessionInput.objects.get(session_id=sid)
    assert [u["speaker"] for u in item.utterances] == ["clinician", "patient"]
    assert item.transcription["attribution"] == "typed_labels"


def test_changing_speaker_labels_re_runs_the_risk_screen(personas, django_capture_on_commit_callbacks):
    session = ClinicalSession.objects.create(
        patient=personas.patient_profile, clinician=personas.clinician, started_at=timezone.now(), modality="video"
    )
    # Stereo channels put the disclosure on the clinician's side (the patient sat at the wrong microphone).
    item = SessionInput.objects.create(
        session=session,
        kind=InputKind.RECORDING,
        status=InputStatus.DONE,
        transcription={"attribution": "stereo_channels"},
        utterances=[
            {"index": 0, "speaker": "patient", "text": "How has the week been?", "start": 0.0, "end": 2.0},
            {
                "index": 1,
                "speaker": "clinician",
                "text": "I keep thinking about killing myself.",
                "start": 2.5,
                "end": 5.0,
            },
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        session_input_speakers_relabel(actor=personas.clinician, item=item, labels={0: "clinician", 1: "patient"})
    signal = RiskSignal.objects.get()
    assert signal.kind == "risk_language_active_ideation" and signal.evidence["spans"][0]["utterances"] == [1]
    assert Alert.objects.get().state == "acknowledged"
