"""Live sessions over the websocket with the real tiny.en model on fixture speech (espeak-ng dialogues
and the committed two-voice excerpt)."""

import asyncio
import io
import json
import uuid

import av
import numpy as np
import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.utils import timezone

from apps.accounts.services.consent import consent_decide
from apps.alerts.models import Alert, AlertDelivery
from apps.audit.models import AuditEvent
from apps.core.jwt import IssuedRefreshToken
from apps.notes import live_consumer, live_memo
from apps.notes.models import ClinicalSession, Note, SessionInput
from apps.notes.services import live
from apps.notes.services.live import live_cues_set
from backend.asgi import application
from tests.conftest import require_service
from tests.fixtures.dialogues import espeak_available, render
from tests.fixtures.real_voices import LIBRIVOX_MISSING, librivox_clips

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
FIXTURES = __import__("pathlib").Path(__file__).resolve().parents[2] / "fixtures" / "audio"


@pytest.fixture(autouse=True)
async def _close_worker_thread_connections():
    yield
    await sync_to_async(connections.close_all)()


@pytest.fixture(autouse=True)
def _memory_layer(settings, audio_media):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def pcm(samples: np.ndarray) -> bytes:
    ints = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    return ints.T.reshape(-1).tobytes() if ints.ndim == 2 else ints.tobytes()


def stereo_excerpt() -> np.ndarray:
    """The committed clinician/patient excerpt (session-stereo.m4a) as (2, n) float32 at 16 kHz."""
    resampler = av.AudioResampler(format="flt", layout="stereo", rate=16000)
    parts = []
    with av.open(io.BytesIO((FIXTURES / "session-stereo.m4a").read_bytes())) as container:
        for frame in container.decode(container.streams.audio[0]):
            parts += [r.to_ndarray().reshape(-1, 2).T for r in resampler.resample(frame)]
    return np.concatenate(parts, axis=1).astype(np.float32)


async def connect(user, session_id):
    token = await sync_to_async(lambda: str(IssuedRefreshToken.for_user(user).access_token))()
    ws = WebsocketCommunicator(
        application, f"/ws/sessions/{session_id}/live/", subprotocols=["interlude.v1", f"bearer.{token}"]
    )
    connected, code = await ws.connect(timeout=10)
    return ws, connected, code


async def new_session(personas):
    return await sync_to_async(ClinicalSession.objects.create)(
        patient=personas.patient_profile, clinician=personas.clinician, started_at=timezone.now(), modality="in_person"
    )


async def send_audio(ws, data: bytes, channels: int, chunk_s: float = 0.5):
    step = int(chunk_s * 16000) * 2 * channels
    for i in range(0, len(data), step):
        await ws.send_to(bytes_data=data[i : i + step])


async def until(ws, kind: str, timeout: float = 300) -> list[dict]:
    seen = []
    while True:
        message = json.loads(await ws.receive_from(timeout=timeout))
        seen.append(message)
        if message["type"] in (kind, "error"):
            return seen


async def live_run(ws, data: bytes, channels: int, **start) -> list[dict]:
    await ws.send_json_to({"type": "start", "channels": channels, **start})
    ready = json.loads(await ws.receive_from(timeout=60))
    assert ready["type"] == "ready"
    await send_audio(ws, data, channels)
    await ws.send_json_to({"type": "stop"})
    return [ready, *(await until(ws, "done"))]


def text_of(messages) -> str:
    return " ".join(m["text"] for m in messages if m["type"] == "segment").lower()


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng not installed")
@pytest.mark.parametrize("channels", [2, 1])
async def test_both_speakers_are_transcribed_live_and_the_draft_is_ready_at_stop(personas, channels, monkeypatch):
    attributions = []  # mono: whether each chunk attribution had the voices embedded as utterances committed
    real = live.live_chunk_attribute
    monkeypatch.setattr(
        live, "live_chunk_attribute", lambda **kw: attributions.append(kw.get("embeddings") is not None) or real(**kw)
    )
    dialogue = render("cbt")
    audio = dialogue.stereo() if channels == 2 else dialogue.mono
    session = await new_session(personas)
    ws, connected, _ = await connect(personas.clinician, session.pk)
    assert connected
    messages = await live_run(ws, pcm(audio), channels)
    await ws.disconnect()
    done = messages[-1]
    assert done["type"] == "done" and done["draft_id"]
    assert not live_memo.memo_held(done["input_id"])  # the analyses warmed for the draft went with the input
    segments = [m for m in messages if m["type"] == "segment"]
    assert "thought record" in text_of(messages) or "record every evening" in text_of(messages)
    assert "lose my job" in text_of(messages)
    if channels == 2:
        assert {s["speaker"] for s in segments} == {"clinician", "patient"}
        assert attributions == []
    else:
        assert {s["speaker"] for s in segments} == {"speaker_1"}
        # The open chunk was attributed by the consumer at stop, from embeddings made during the
        # session, and the finish reused it (no attribution from scratch at stop).
        assert attributions and all(attributions)
    assert any(m["type"] == "progress" for m in messages)
    item = await sync_to_async(SessionInput.objects.get)(pk=done["input_id"])
    assert {u["speaker"] for u in item.utterances} >= {"clinician", "patient"}  # offline pass (eager) or live
    assert item.audio_seconds == pytest.approx(audio.shape[-1] / 16000, abs=0.01)
    notes = await sync_to_async(lambda: list(Note.objects.filter(session=session).order_by("version")))()
    live_note = await sync_to_async(Note.objects.get)(pk=done["draft_id"])
    assert live_note.provenance["pass"] == "live"
    # The offline pass (eager here) either adds a refined draft or confirms the live one: never neither.
    check = item.transcription["live"]["offline_check"]
    if check["refine"]:
        assert [n.provenance.get("pass") for n in notes] == ["live", "offline"]
    else:
        assert [n.provenance.get("pass") for n in notes] == ["live"]
        assert notes[0].provenance["offline_check"]["outcome"] == "confirmed"


async def test_the_websocket_commits_exactly_what_the_policy_replayed_in_process_commits(personas):
    """Nothing in the consumer (backlog, pool, frame handling) changes a cut or a decode: 17 s of real
    speech sent as fast as possible in the benchmark's 100 ms frames gives the segments that
    ``benchmarks.live_replay`` gets by feeding ``LiveStream`` the same frames in process."""
    from benchmarks.live_replay import FRAME_BYTES, replay

    clips = librivox_clips()
    require_service(clips is not None, LIBRIVOX_MISSING)
    data = b"".join(wave_pcm(path) + bytes(16000) for path, _ in clips[:3])  # each then 0.5 s of silence
    session = await new_session(personas)
    ws, _, _ = await connect(personas.clinician, session.pk)
    await ws.send_json_to({"type": "start", "channels": 1})
    assert json.loads(await ws.receive_from(timeout=60))["type"] == "ready"
    await send_audio(ws, data, 1, chunk_s=FRAME_BYTES / 32000)
    await ws.send_json_to({"type": "stop"})
    messages = await until(ws, "done")
    await ws.disconnect()
    live_segments = [(m["start"], m["end"], m["text"]) for m in messages if m["type"] == "segment"]
    replayed = await sync_to_async(replay)(data, 1)
    assert len(replayed["utterances"]) == 3
    assert live_segments == [(s["start"], s["end"], s["text"]) for s in replayed["segments"]]


def wave_pcm(path) -> bytes:
    import wave

    with wave.open(str(path)) as handle:
        return handle.readframes(handle.getnframes())


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng not installed")
async def test_a_dropped_connection_loses_nothing_and_resumes_the_same_input(personas):
    personas.practice.keep_journal_audio = True  # so the stored WAV outlives the offline pass
    await sync_to_async(personas.practice.save)()
    dialogue = render("cbt")
    data = pcm(dialogue.mono)
    half = len(data) // 2 // 16000 * 16000  # on a sample boundary, mid-utterance
    session = await new_session(personas)
    ws, _, _ = await connect(personas.clinician, session.pk)
    await ws.send_json_to({"type": "start", "channels": 1})
    ready = json.loads(await ws.receive_from(timeout=60))
    await send_audio(ws, data[:half], 1)
    await ws.disconnect()  # dropped: no stop
    await asyncio.gather(*live_consumer.DRAINING)  # what was open at the drop is transcribed and stored
    item = await sync_to_async(SessionInput.objects.get)(pk=ready["input_id"])
    assert item.status == "live" and item.audio_seconds == pytest.approx(half / 32000, abs=0.01)
    stored_first = len(item.utterances)
    assert stored_first >= 1
    assert live_memo.memo_held(ready["input_id"])  # what was warmed waits for the resume

    ws, _, _ = await connect(personas.clinician, session.pk)
    messages = await live_run(ws, data[half:], 1, input_id=ready["input_id"])
    await ws.disconnect()
    assert messages[0]["input_id"] == ready["input_id"]
    assert not live_memo.memo_held(ready["input_id"])
    assert messages[0]["resumed_at"] == pytest.approx(half / 32000, abs=0.01)
    assert all(m["start"] >= half / 32000 - 0.5 for m in messages if m["type"] == "segment")
    item = await sync_to_async(SessionInput.objects.get)(pk=ready["input_id"])
    assert item.audio_seconds == pytest.approx(len(data) / 32000, abs=0.01)
    from apps.core.audio import audio_storage

    stored = await sync_to_async(lambda: audio_storage().open(item.audio_name).read())()
    assert len(stored) - 44 == len(data)  # every sample, in one WAV


async def test_without_recording_consent_live_mode_is_refused_with_a_reason(personas):
    await sync_to_async(consent_decide)(
        actor=personas.patient,
        patient=personas.patient_profile,
        kind="session_recording",
        version=1,
        decision="declined",
    )
    session = await new_session(personas)
    ws, connected, _ = await connect(personas.clinician, session.pk)
    assert connected
    error = json.loads(await ws.receive_from(timeout=10))
    assert error["type"] == "error" and error["code"] == "consent_required" and "Dictate" in error["message"]
    assert (await ws.receive_output(timeout=10)) == {"type": "websocket.close", "code": 4403}


async def test_resuming_an_input_that_is_not_this_sessions_live_input_is_an_error_not_a_dropped_socket(personas):
    session = await new_session(personas)
    ws, connected, _ = await connect(personas.clinician, session.pk)
    assert connected
    await ws.send_to(text_data=json.dumps({"type": "start", "channels": 1, "input_id": str(uuid.uuid4())}))
    error = json.loads(await ws.receive_from(timeout=30))
    assert error["type"] == "error" and error["code"] == "not_found"
    await ws.send_to(text_data=json.dumps({"type": "pause"}))  # the connection is still open and answering
    answer = json.loads(await ws.receive_from(timeout=30))
    assert answer["type"] == "error" and answer["code"] == "not_started"
    await ws.disconnect()


async def test_live_mode_is_refused_for_a_patient_whose_language_the_live_model_cannot_transcribe(personas):
    profile = personas.patient_profile
    profile.preferred_language = "es"
    await sync_to_async(profile.save)(update_fields=["preferred_language"])
    session = await new_session(personas)
    ws, connected, _ = await connect(personas.clinician, session.pk)
    assert connected
    await ws.send_to(text_data=json.dumps({"type": "start", "channels": 1}))
    error = json.loads(await ws.receive_from(timeout=30))
    assert error["type"] == "error" and error["code"] == "language_not_supported"
    assert "upload" in error["message"]
    assert not await sync_to_async(SessionInput.objects.filter(session=session).exists)()
    await ws.disconnect()


@pytest.mark.parametrize("who", ["outsider", "unassigned_clinician", "patient", "admin"])
async def test_anyone_outside_the_care_team_is_refused_at_the_handshake(personas, who):
    session = await new_session(personas)
    ws, connected, code = await connect(getattr(personas, who), session.pk)
    assert not connected and code in (4401, 4404)
    assert await ws.receive_nothing(timeout=0.2)


async def test_no_token_no_connection(personas):
    session = await new_session(personas)
    ws = WebsocketCommunicator(application, f"/ws/sessions/{session.pk}/live/")
    connected, code = await ws.connect(timeout=10)
    assert not connected and code == 4401


async def test_a_risk_phrase_makes_one_cue_and_the_team_alert_but_no_page_to_the_clinician_present(personas):
    await sync_to_async(live_cues_set)(actor=personas.clinician, enabled=True)
    session = await new_session(personas)
    ws, _, _ = await connect(personas.clinician, session.pk)
    messages = await live_run(ws, pcm(stereo_excerpt()), 2)
    await ws.disconnect()
    assert "without me" in text_of(messages)
    risk = [m for m in messages if m["type"] == "cue" and m["kind"] == "risk"]
    assert len(risk) == 1
    evidence = risk[0]["evidence"]
    assert "without me" in evidence["quote"].lower() and evidence["start"] is not None
    assert evidence["cssrs_url"].endswith("#cssrs_screener") and "safety-plan" in evidence["safety_plan_url"]
    alert = await sync_to_async(Alert.objects.get)()
    recipients = await sync_to_async(
        lambda: {d.recipient.username for d in AlertDelivery.objects.filter(alert=alert)}
    )()
    assert recipients == {"psych"}  # the care team, not the clinician in the room
    cue_events = await sync_to_async(
        lambda: [e.detail for e in AuditEvent.objects.filter(action="ai_process") if e.detail.get("job") == "live_cue"]
    )()
    assert len(cue_events) == len([m for m in messages if m["type"] == "cue"])


async def test_cues_are_off_unless_the_clinician_opted_in_but_the_team_is_still_alerted(personas):
    session = await new_session(personas)
    ws, _, _ = await connect(personas.clinician, session.pk)
    messages = await live_run(ws, pcm(stereo_excerpt()), 2)
    await ws.disconnect()
    assert not [m for m in messages if m["type"] == "cue"]
    assert await sync_to_async(Alert.objects.exists)()
