"""Who is the clinician: a recording's speaker confidence in the API, and the clinician's answer."""

from __future__ import annotations

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.audit.models import AuditEvent
from tests.conftest import require_service
from tests.fixtures.real_voices import PYANNOTE_MISSING, pyannote_sample

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    storages._storages.pop("journal_audio", None)
    yield
    storages._storages.pop("journal_audio", None)


def test_a_call_without_questions_asks_who_is_who_and_a_swap_answers_it(
    personas, as_user, django_capture_on_commit_callbacks
):
    sample = pyannote_sample()
    require_service(sample is not None, PYANNOTE_MISSING)
    client = as_user(personas.clinician)
    sessions = f"/api/v1/patients/{personas.patient_profile.id}/sessions/"
    sid = client.post(sessions, {"started_at": timezone.now().isoformat(), "modality": "phone"}, format="json").json()[
        "id"
    ]
    upload = SimpleUploadedFile("call.wav", sample[0].read_bytes(), content_type="audio/wav")
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post(f"{sessions}{sid}/inputs/", {"kind": "recording", "audio": upload}, format="multipart")
    assert created.status_code == 202
    url = f"{sessions}{sid}/inputs/{created.json()['id']}/"
    detail = client.get(url).json()
    assert detail["status"] == "done"
    speakers = detail["speakers"]
    assert speakers["method"] == "voice_clusters" and speakers["model"] == "resemblyzer/ge2e-lstm-256"
    assert speakers["needs_confirmation"] and speakers["confidence"] <= 0.5 and not speakers["confirmed"]
    before = client.get(f"{url}transcript/").json()
    assert before[0]["words"] and {"word", "start", "end"} <= set(before[0]["words"][0])

    swapped = client.post(f"{url}speakers/", {"swap_roles": True}, format="json")
    assert swapped.status_code == 200
    flip = {"clinician": "patient", "patient": "clinician"}
    assert [u["speaker"] for u in swapped.json()] == [flip.get(u["speaker"], u["speaker"]) for u in before]
    after = client.get(url).json()["speakers"]
    assert after["confirmed"] and not after["needs_confirmation"]
    assert AuditEvent.objects.filter(object_type="session_input", detail__swapped=True).exists()
    assert client.post(f"{url}speakers/", {"swap_roles": "sideways"}, format="json").status_code == 400


def test_other_clinicians_cannot_read_an_inputs_status(personas, as_user):
    client = as_user(personas.clinician)
    sessions = f"/api/v1/patients/{personas.patient_profile.id}/sessions/"
    sid = client.post(sessions, {"started_at": timezone.now().isoformat(), "modality": "video"}, format="json").json()[
        "id"
    ]
    item = client.post(
        f"{sessions}{sid}/inputs/", {"kind": "typed", "text": "Patient reported a calmer week."}, format="json"
    )
    assert item.status_code == 202, item.json()
    url = f"{sessions}{sid}/inputs/{item.json()['id']}/"
    assert client.get(url).json()["speakers"] is None
    for outsider in (personas.unassigned_clinician, personas.outsider):
        assert as_user(outsider).get(url).status_code == 404
