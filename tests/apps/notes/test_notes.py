import base64
import datetime as dt
import json

import pytest
from django.core.files.storage import storages
from django.utils import timezone
from fhir.resources.R4B.documentreference import DocumentReference

from apps.accounts.services.consent import consent_decide
from apps.alerts.models import Alert, AlertDelivery
from apps.audit.models import AuditEvent
from apps.notes.models import Note
from tests.apps.checkins.factories import days_ago, submit_phq9
from tests.apps.journals.factories import upload

pytestmark = pytest.mark.slow

SUMMARY = (
    "Patient reported that work has been overwhelming and she has been sleeping badly. "
    "She said some nights she feels everyone would be better off without her. "
    "We used a thought record to challenge the thought that she is failing. "
    "It sounds like perfectionism is driving the overwork. "
    "For homework, schedule one pleasant activity each evening this week. "
    "Next session on Thursday at 10."
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    storages._storages.pop("journal_audio", None)
    yield
    storages._storages.pop("journal_audio", None)


def base(personas):
    return f"/api/v1/patients/{personas.patient_profile.id}/sessions/"


def new_session(client, personas, template="soap"):
    response = client.post(
        base(personas),
        {"started_at": timezone.now().isoformat(), "modality": "video", "template_key": template},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def sections(note_json):
    return {s["key"]: s for s in note_json["sections"]}


def test_a_typed_summary_becomes_an_evidence_linked_soap_draft(personas, as_user, django_capture_on_commit_callbacks):
    submit_phq9(personas.patient_profile, [2] * 9, when=days_ago(20), item9=0)
    submit_phq9(personas.patient_profile, [1] * 9, when=days_ago(2), item9=0)
    client = as_user(personas.clinician)
    sid = new_session(client, personas)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(f"{base(personas)}{sid}/inputs/", {"kind": "typed", "text": SUMMARY}, format="json").status_code
            == 202
        )
    note = client.get(f"{base(personas)}{sid}/note/").json()
    by_key = sections(note)
    plan = " ".join(s["text"] for s in by_key["plan"]["sentences"])
    assert "Homework: For homework, schedule one pleasant activity" in plan
    assert "Intervention: Cognitive restructuring" in plan and "Next steps: Next session on Thursday" in plan
    objective = by_key["objective"]["sentences"]
    assert any(
        s["text"].startswith("PHQ-9 8 (mild), down 8 from 16") and s["evidence"][0]["kind"] == "record"
        for s in objective
    )
    assert any(s["source"] == "risk" for s in objective)  # the risk statement
    assert any(
        s["text"].startswith("Clinician: It sounds like perfectionism") for s in by_key["assessment"]["sentences"]
    )
    subjective = " ".join(s["text"] for s in by_key["subjective"]["sentences"])
    assert "work has been overwhelming" in subjective and "Theme: work" in subjective
    # Every sentence cites evidence; nothing unsupported.
    for section in note["sections"]:
        for sentence in section["sentences"]:
            assert sentence["evidence"], sentence
    assert note["provenance"]["engine"] == "interlude-evidence-drafter" and note["provenance"]["template"] == "soap"


def test_a_section_without_evidence_says_not_discussed(personas, as_user, django_capture_on_commit_callbacks):
    client = as_user(personas.clinician)
    sid = new_session(client, personas, template="birp")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{base(personas)}{sid}/inputs/", {"kind": "typed", "text": "Patient reported a calm week."}, format="json"
        )
    note = Note.objects.get()
    from apps.notes.export import note_text

    by_key = {s["key"]: s for s in note.sections}
    assert by_key["intervention"]["sentences"] == [] and by_key["plan"]["sentences"] == []
    note.status, note.signed_by, note.signed_at, note.content_hash = (
        "signed",
        personas.clinician,
        timezone.now(),
        "0" * 64,
    )
    assert "INTERVENTION\nNot discussed." in note_text(note)


def test_dictation_is_transcribed_and_drafted(personas, as_user, django_capture_on_commit_callbacks):
    client = as_user(personas.clinician)
    sid = new_session(client, personas)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"{base(personas)}{sid}/inputs/",
            {"kind": "dictation", "audio": upload("dictation.m4a")},
            format="multipart",
        )
    assert response.status_code == 202
    note = client.get(f"{base(personas)}{sid}/note/").json()
    plan = sections(note)["plan"]["sentences"]
    homework = next(s for s in plan if s["source"] == "homework")
    assert homework["evidence"][0]["start"] is not None  # a time range in the dictation
    assert note["provenance"]["transcription"][0]["model_id"] == "faster-whisper/tiny.en"


def test_a_recording_needs_session_recording_consent(personas, as_user):
    consent_decide(
        actor=personas.patient,
        patient=personas.patient_profile,
        kind="session_recording",
        version=1,
        decision="declined",
    )
    client = as_user(personas.clinician)
    sid = new_session(client, personas)
    refused = client.post(
        f"{base(personas)}{sid}/inputs/", {"kind": "recording", "audio": upload("session.m4a")}, format="multipart"
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "consent_required"
    typed = client.post(f"{base(personas)}{sid}/inputs/", {"kind": "typed", "text": "Summary."}, format="json")
    assert typed.status_code == 202  # the no-recording path is always open


def test_risk_in_a_recording_alerts_the_team_but_not_the_clinician_in_the_room(
    personas, as_user, django_capture_on_commit_callbacks
):
    client = as_user(personas.clinician)
    sid = new_session(client, personas)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{base(personas)}{sid}/inputs/", {"kind": "recording", "audio": upload("session.m4a")}, format="multipart"
        )
    alert = Alert.objects.get()
    assert alert.source == "risk_language" and alert.state == "acknowledged"
    assert alert.acknowledged_by_id == personas.clinician.id
    assert {d.recipient.username for d in AlertDelivery.objects.filter(alert=alert)} == {"psych"}


def test_edit_sign_amend_and_export(personas, as_user, django_capture_on_commit_callbacks):
    client = as_user(personas.clinician)
    sid = new_session(client, personas)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{base(personas)}{sid}/inputs/", {"kind": "typed", "text": SUMMARY}, format="json")
    url = f"{base(personas)}{sid}/note/"
    assert client.get(f"{url}fhir/").status_code == 409  # drafts are never exported
    plan = " ".join(s["text"] for s in client.get(url).json()["sections"][3]["sentences"])
    edited = client.patch(
        url, {"sections": {"plan": plan + " Review medication with the psychiatrist."}}, format="json"
    ).json()
    plan_sentences = sections(edited)["plan"]["sentences"]
    assert plan_sentences[0]["evidence"] and plan_sentences[-1] == {
        "text": "Review medication with the psychiatrist.",
        "source": "clinician",
        "evidence": [],
    }
    assert as_user(personas.care_team).post(f"{url}sign/").status_code == 403  # only the session's clinician
    signed = client.post(f"{url}sign/").json()
    assert signed["status"] == "signed" and len(signed["content_hash"]) == 64
    assert client.patch(url, {"sections": {"plan": "x"}}, format="json").status_code == 409
    assert AuditEvent.objects.filter(action="sign", object_id=signed["id"]).exists()

    fhir = client.get(f"{url}fhir/")
    document = DocumentReference.model_validate(fhir.json())
    assert document.docStatus == "final" and document.type.coding[0].code == "11506-3"
    data = document.content[0].attachment.data
    text = (data if isinstance(data, bytes) else base64.b64decode(data)).decode()
    assert "PLAN" in text and "Review medication with the psychiatrist." in text
    pdf = client.get(f"{url}pdf/")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-1.4") and pdf.content.rstrip().endswith(b"%%EOF")

    amended = client.post(
        f"{url}amend/",
        {"reason": "Added missed referral", "sections": {"plan": plan + " Refer to the sleep clinic."}},
        format="json",
    )
    assert amended.status_code == 201 and amended.json()["version"] == 2 and amended.json()["status"] == "draft"
    versions = client.get(f"{url}versions/").json()
    assert [(v["version"], v["status"]) for v in versions] == [(1, "signed"), (2, "draft")]
    client.post(f"{url}sign/")
    assert DocumentReference.model_validate(client.get(f"{url}fhir/").json()).docStatus == "amended"


def test_session_validation(personas, as_user):
    client = as_user(personas.clinician)
    bad = client.post(
        base(personas),
        {
            "started_at": timezone.now().isoformat(),
            "modality": "telepathy",
            "ended_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        },
        format="json",
    )
    assert bad.status_code == 400 and {"modality", "ended_at"} & set(bad.json()["error"]["fields"])
    assert as_user(personas.patient).get(base(personas)).status_code == 404  # staff routes: a patient gets 404


def test_a_stereo_recording_is_attributed_by_channel(personas, as_user, django_capture_on_commit_callbacks):
    client = as_user(personas.clinician)
    sid = new_session(client, personas)
    with django_capture_on_commit_callbacks(execute=True):
        item = client.post(
            f"{base(personas)}{sid}/inputs/",
            {"kind": "recording", "audio": upload("session-stereo.m4a")},
            format="multipart",
        ).json()
    transcript = client.get(f"{base(personas)}{sid}/inputs/{item['id']}/transcript/").json()
    assert [u["speaker"] for u in transcript] == ["clinician", "patient"]
    assert "last week" in transcript[0]["text"].lower() and "without me" in transcript[1]["text"].lower()
    subjective = sections(client.get(f"{base(personas)}{sid}/note/").json())["subjective"]["sentences"]
    assert any("without me" in s["text"] for s in subjective)


# When each voice speaks in tests/fixtures/audio/dialogue.m4a (seconds): the clinician's three turns.
CLINICIAN_TURNS = [(0.0, 1.6), (6.4, 9.4), (13.3, 16.2)]


def expected_role(start: float) -> str:
    return "clinician" if any(a - 0.3 <= start < b for a, b in CLINICIAN_TURNS) else "patient"


def test_a_mono_recording_is_attributed_by_voice_with_analytics_beside_the_draft(
    personas, as_user, django_capture_on_commit_callbacks
):
    client = as_user(personas.clinician)
    sid = new_session(client, personas)
    with django_capture_on_commit_callbacks(execute=True):
        item = client.post(
            f"{base(personas)}{sid}/inputs/", {"kind": "recording", "audio": upload("dialogue.m4a")}, format="multipart"
        ).json()
    url = f"{base(personas)}{sid}/inputs/{item['id']}/"
    transcript = client.get(f"{url}transcript/").json()
    correct = sum(u["speaker"] == expected_role(u["start"]) for u in transcript)
    assert correct / len(transcript) >= 0.8, [(u["speaker"], u["start"]) for u in transcript]
    note = client.get(f"{base(personas)}{sid}/note/").json()
    plan = sections(note)["plan"]["sentences"]
    assert any(s["source"] == "interventions" and "Cognitive restructuring" in s["text"] for s in plan)
    analytics = client.get(f"{base(personas)}{sid}/analytics/").json()[0]
    assert 0.2 < analytics["clinician_share"] < 0.6 and analytics["interventions"] == ["Cognitive restructuring"]
    assert analytics["tone"][0]["utterances"] >= 2 and "sadness" in analytics["tone"][0]["emotions"]
    assert analytics["patient_speech"]["features"]["words_per_minute"] > 60
    assert "longest_monologue_seconds" in analytics and "silences" in analytics
    assert "clinician_share" not in json.dumps(note["sections"])  # analytics never go into the note
    relabelled = client.post(f"{url}speakers/", {"labels": {"0": "patient"}}, format="json")
    assert relabelled.status_code == 200 and relabelled.json()[0]["speaker"] == "patient"
    assert client.post(f"{url}speakers/", {"labels": {"99": "patient"}}, format="json").status_code == 400


class _FakeLLM:
    """An OpenAI-compatible endpoint on loopback that records what it was sent."""

    def __init__(self, answer: dict):
        import http.server
        import threading

        self.requests: list[dict] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                payload = json.dumps({"choices": [{"message": {"role": "assistant", "content": json.dumps(answer)}}]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def test_the_llm_engine_never_sees_identifiers_and_flags_unsupported_sentences(
    personas, as_user, settings, django_capture_on_commit_callbacks
):
    personas.patient_profile.date_of_birth = dt.date(1990, 2, 3)
    personas.patient_profile.save()
    answer = {
        "sections": {
            "subjective": [
                {"text": "[PATIENT] reported that work has been overwhelming and sleep is poor.", "evidence": ["u0"]}
            ],
            "objective": [{"text": "Mental status examination was within normal limits.", "evidence": []}],
            "plan": [{"text": "Homework: one pleasant activity each evening.", "evidence": ["u4"]}],
        }
    }
    fake = _FakeLLM(answer)
    settings.NOTES_LLM_URL, settings.NOTES_LLM_MODEL, settings.NOTES_LLM_API_KEY = fake.url, "local-model", "k"
    try:
        client = as_user(personas.clinician)
        sid = new_session(client, personas)
        text = (
            SUMMARY + " Robin Quill's sister Morgan Quill (+44 7700 900123) came along. Robin was born on "
            "1990-02-03. Dr. Ada Byrne will review."
        )
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"{base(personas)}{sid}/inputs/", {"kind": "typed", "text": text}, format="json")
        response = client.post(f"{base(personas)}{sid}/note/draft/", {"engine": "llm"}, format="json")
        assert response.status_code == 200, response.json()
    finally:
        fake.close()
    sent = json.dumps(fake.requests)
    for identifier in ("Robin", "Quill", "Morgan", "7700 900123", "1990-02-03", "Ada Byrne"):
        assert identifier not in sent
    assert "[PATIENT]" in sent and fake.requests[0]["auth"] == "Bearer k"
    note = response.json()
    by_key = sections(note)
    assert by_key["subjective"]["sentences"][0]["source"] == "llm"
    assert by_key["objective"]["sentences"][0]["source"] == "llm_unsupported"  # nobody observed that
    assert note["provenance"]["llm"]["unsupported_sentences"] == 1
    assert (
        note["provenance"]["engine"] == "openai-compatible" and note["provenance"]["versions"]["model"] == "local-model"
    )


def test_the_llm_engine_needs_configuration(personas, as_user, django_capture_on_commit_callbacks):
    client = as_user(personas.clinician)
    sid = new_session(client, personas)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{base(personas)}{sid}/inputs/", {"kind": "typed", "text": SUMMARY}, format="json")
    refused = client.post(f"{base(personas)}{sid}/note/draft/", {"engine": "llm"}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "llm_not_configured"


def test_a_practice_template_can_be_added_and_used(personas, as_user, django_capture_on_commit_callbacks):
    definition = {
        "key": "brief",
        "title": "Brief",
        "sections": [
            {"key": "story", "title": "What they said", "guidance": "", "sources": ["patient_statements", "themes"]},
            {"key": "next", "title": "Next", "guidance": "", "sources": ["homework", "next_steps"]},
        ],
    }
    admin = as_user(personas.admin)
    created = admin.post("/api/v1/practice/note-templates/", {"definition": definition}, format="json")
    assert created.status_code == 201 and created.json()["version"] == 1
    bad = admin.post("/api/v1/practice/note-templates/", {"definition": {**definition, "key": "soap"}}, format="json")
    assert bad.status_code == 400
    broken = {**definition, "key": "broken", "sections": [{"key": "x", "title": "X", "sources": ["vibes"]}]}
    assert admin.post("/api/v1/practice/note-templates/", {"definition": broken}, format="json").status_code == 400
    assert (
        as_user(personas.clinician)
        .post("/api/v1/practice/note-templates/", {"definition": definition}, format="json")
        .status_code
        == 403
    )
    client = as_user(personas.clinician)
    assert {"soap", "brief"} <= {t["key"] for t in client.get("/api/v1/practice/note-templates/").json()}
    sid = new_session(client, personas, template="brief")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{base(personas)}{sid}/inputs/", {"kind": "typed", "text": SUMMARY}, format="json")
    note = client.get(f"{base(personas)}{sid}/note/").json()
    assert [s["key"] for s in note["sections"]] == ["story", "next"]
    assert any(s["text"].startswith("Homework:") for s in sections(note)["next"]["sentences"])
    other = as_user(personas.outsider)
    assert "brief" not in {t["key"] for t in other.get("/api/v1/practice/note-templates/").json()}


def test_long_recordings_are_processed_in_chunks_with_progress():
    from apps.notes.recording import audio_chunks, transcribe_recording
    from ml.transcription import get_transcriber
    from tests.apps.journals.factories import AUDIO

    data = (AUDIO / "dialogue.m4a").read_bytes()
    chunks = list(audio_chunks(data, stereo=False, chunk_seconds=8))
    assert [offset for offset, _ in chunks] == [0.0, 8.0, 16.0] and max(c.shape[-1] for _, c in chunks) == 8 * 16000
    progress = []
    result = transcribe_recording(data, get_transcriber(), 2, progress.append)
    assert progress == [pytest.approx(19.2, abs=0.1)] and result.method == "voice_clusters"
    starts = [u["start"] for u in result.utterances]
    assert starts == sorted(starts) and result.patient_speech
