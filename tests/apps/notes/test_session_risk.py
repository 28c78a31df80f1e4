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


def disclosure_after_a_question():
    return [
        {"index": 0, "speaker": "clinician", "text": "How has the week been?", "start": 0.0, "end": 2.0},
        {"index": 1, "speaker": "patient", "text": "I keep thinking about killing myself.", "start": 2.5, "end": 5.0},
    ]


def _recording(personas, utterances, attribution="voice_clusters"):
    session = ClinicalSession.objects.create(
        patient=personas.patient_profile, clinician=personas.clinician, started_at=timezone.now(), modality="video"
    )
    return SessionInput.objects.create(
        session=session,
        kind=InputKind.RECORDING,
        status=InputStatus.DONE,
        transcription={"attribution": attribution},
        utterances=utterances,
    )


def test_a_relabel_that_removes_a_signal_supersedes_it_and_flags_its_alert_for_review(
    personas, as_user, django_capture_on_commit_callbacks
):
    # Voice clustering gave the clinician's screening question to the patient; the screen (speakers
    # unconfirmed) read the patient-side first-person line as a disclosure.
    item = _recording(personas, disclosure_after_a_question())
    from apps.notes.processing import _screen_risk

    with django_capture_on_commit_callbacks(execute=True):
        _screen_risk(item)
    signal = RiskSignal.objects.get()
    assert signal.superseded_at is None
    # The clinician says both lines were theirs (reading a questionnaire item aloud, say).
    with django_capture_on_commit_callbacks(execute=True):
        session_input_speakers_relabel(actor=personas.clinician, item=item, labels={0: "clinician", 1: "clinician"})
    signal.refresh_from_db()
    assert signal.superseded_at is not None and signal.superseded_reason == "speakers_relabelled"
    assert RiskSignal.objects.count() == 1  # kept, not deleted
    alert = Alert.objects.get()
    assert alert.state == "acknowledged"  # never closed automatically
    assert alert.needs_review and alert.review_reason == "all_signals_superseded"
    assert alert.evidence[0]["superseded"] == "speakers_relabelled"
    # Visible to the clinician: the API and the alert page say so.
    client = as_user(personas.clinician)
    body = client.get(f"/api/v1/alerts/{alert.pk}/").json()
    assert body["needs_review"] is True and body["review_reason"] == "all_signals_superseded"
    assert body["evidence"][0]["superseded"] == "speakers_relabelled"
    rows = client.get(f"/api/v1/patients/{personas.patient_profile.id}/risk-signals/").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert rows[0]["superseded_reason"] == "speakers_relabelled"


def test_a_signal_found_again_is_reinstated_and_a_resolved_alert_does_not_swallow_it(
    personas, django_capture_on_commit_callbacks
):
    item = _recording(personas, disclosure_after_a_question())
    from apps.notes.processing import _screen_risk

    with django_capture_on_commit_callbacks(execute=True):
        _screen_risk(item)
        session_input_speakers_relabel(actor=personas.clinician, item=item, labels={1: "clinician"})
    first = Alert.objects.get()
    assert RiskSignal.objects.get().superseded_at is not None and first.needs_review
    first.state = "resolved"
    first.save()
    with django_capture_on_commit_callbacks(execute=True):
        session_input_speakers_relabel(actor=personas.clinician, item=item, labels={1: "patient"})
    signal = RiskSignal.objects.get()
    assert signal.superseded_at is None and signal.superseded_reason == ""
    # The disclosure holds again and its earlier alert was resolved meanwhile: a new alert, not silence.
    assert Alert.objects.exclude(pk=first.pk).filter(signals=signal).exists()


def test_a_rescreen_that_still_finds_the_signal_changes_nothing(personas, django_capture_on_commit_callbacks):
    item = _recording(
        personas,
        [{"index": 0, "speaker": "patient", "text": "I keep thinking about killing myself.", "start": 0.0, "end": 3.0}],
        attribution="stereo_channels",
    )
    from apps.notes.processing import _screen_risk

    with django_capture_on_commit_callbacks(execute=True):
        _screen_risk(item)
        _screen_risk(item)
    signal = RiskSignal.objects.get()
    assert signal.superseded_at is None
    assert not Alert.objects.get().needs_review


def test_a_two_channel_recording_whose_patient_channel_heard_nothing_is_screened_as_a_guess(
    personas, django_capture_on_commit_callbacks
):
    # A dead second input (or a one-channel device heard on the left only): every word, the patient's
    # disclosure too, is on the clinician's channel. The channels prove nothing about who spoke.
    from apps.notes.processing import _screen_risk
    from apps.notes.selectors import speakers_confirmed

    all_left = [{**u, "speaker": "clinician"} for u in disclosure_after_a_question()]
    item = _recording(personas, all_left, attribution="stereo_channels")
    assert not speakers_confirmed(item)
    with django_capture_on_commit_callbacks(execute=True):
        _screen_risk(item)
    signal = RiskSignal.objects.get()
    assert signal.kind == "risk_language_active_ideation" and 1 in signal.evidence["spans"][0]["utterances"]
    # Both channels heard someone: the clinician's channel is the clinician's.
    assert speakers_confirmed(_recording(personas, disclosure_after_a_question(), attribution="stereo_channels"))


def test_the_live_screen_reads_channel_labels_as_a_guess_until_the_patient_channel_hears_someone():
    from apps.notes.live_signals import risk_screen

    all_left = [{**u, "speaker": "clinician"} for u in disclosure_after_a_question()]
    screen, _ = risk_screen(all_left, True)
    assert screen.level == "active_ideation" and screen.findings[0].basis == "unconfirmed_speaker"
    answered = [*all_left, {"index": 2, "speaker": "patient", "text": "Fine.", "start": 6.0, "end": 7.0}]
    assert risk_screen(answered, True)[0].level == "none"  # the clinician's own channel, confirmed
