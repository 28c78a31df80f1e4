"""The patient's export: everything held about them, built in the background, audited, encrypted at
rest, available for a limited time (issue 13)."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from apps.accounts.models import PatientExport
from apps.audit.models import AuditEvent
from apps.plans.services import coping_entry_log, safety_plan_save
from apps.plans.treatment import treatment_plan_save, treatment_plan_sign
from apps.privacy.services.export import patient_exports_expire
from tests.apps.checkins.factories import submit_checkin, submit_phq9
from tests.apps.journals.factories import AUDIO, make_text_entry, upload
from tests.conftest import bearer_client

URL = "/api/v1/me/export/"


def seed(personas, client) -> None:
    patient = personas.patient_profile
    personas.practice.keep_journal_audio = True
    personas.practice.save()
    submit_checkin(patient, mood=3, note="Rough day at the allotment")
    submit_phq9(patient, [2, 2, 1, 1, 1, 1, 1, 1, 1])
    make_text_entry(patient, text="The allotment flooded again")
    client.post(  # an audio entry whose job has not run: the recording is kept, encrypted
        "/api/v1/me/journals/",
        {
            "id": str(uuid.uuid4()),
            "occurred_at": timezone.now().isoformat(),
            "timezone": "UTC",
            "audio": upload("work.wav"),
        },
        format="multipart",
    )
    safety_plan_save(actor=personas.clinician, patient=patient, content={"warning_signs": ["Not sleeping"]})
    plan = treatment_plan_save(actor=personas.clinician, patient=patient, content={"problems": ["Low mood"]})
    treatment_plan_sign(actor=personas.clinician, plan=plan)
    coping_entry_log(
        actor=personas.patient,
        patient=patient,
        id=uuid.uuid4(),
        kind="coping",
        strategy="Walk",
        occurred_at=timezone.now(),
        timezone="UTC",
    )
    bearer_client(personas.clinician).get(f"/api/v1/patients/{patient.pk}/brief/")  # an entry in the access log


def stored_exports() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "journal-audio" / "exports"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_the_patient_downloads_everything_as_json_and_fhir(personas, as_user, django_capture_on_commit_callbacks):
    client = as_user(personas.patient)
    seed(personas, client)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(URL)
    assert started.status_code == 202, started.content
    export_id = started.json()["id"]
    [status] = client.get(URL).json()
    assert (status["id"], status["state"], status["progress"]) == (export_id, "ready", 100)
    assert status["expires_at"]

    response = client.get(f"{URL}{export_id}/download/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = set(archive.namelist())
    expected = {
        "profile.json",
        "checkins.json",
        "questionnaires.json",
        "journals.json",
        "safety_plans.json",
        "treatment_plans.json",
        "coping.json",
        "consents.json",
        "access_log.json",
        "fhir/bundle.json",
    }
    assert expected <= names
    read = lambda name: json.loads(archive.read(name))  # noqa: E731
    assert read("profile.json")["full_name"] == "Robin Quill"
    assert read("checkins.json")[0]["note"] == "Rough day at the allotment"
    assert len(read("questionnaires.json")) == 1
    assert any(j["text"] == "The allotment flooded again" for j in read("journals.json"))
    [audio] = [n for n in names if n.startswith("journal-audio/")]
    assert archive.read(audio) == (AUDIO / "work.wav").read_bytes()
    assert read("safety_plans.json")[0]["content"]["warning_signs"] == ["Not sleeping"]
    assert read("treatment_plans.json")[0]["status"] == "signed"
    assert len(read("consents.json")) == 3
    assert any(e["data_category"] for e in read("access_log.json"))
    bundle = read("fhir/bundle.json")
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert bundle["resourceType"] == "Bundle" and {"Patient", "QuestionnaireResponse", "Observation"} <= set(kinds)

    [stored] = stored_exports()
    assert stored.read_bytes()[:4] == b"ILAE"  # encrypted like audio, not a readable zip
    actions = set(
        AuditEvent.objects.filter(object_type__startswith="patient_export").values_list("action", "object_type")
    )
    assert {("create", "patient_export"), ("create", "patient_export_file"), ("export", "patient_export")} <= actions


def test_only_the_patient_reaches_their_export(personas, as_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export_id = as_user(personas.patient).post(URL).json()["id"]
    download = f"{URL}{export_id}/download/"
    assert as_user(personas.clinician).get(download).status_code in (403, 404)
    assert as_user(personas.outsider_patient_profile.user).get(download).status_code == 404
    assert as_user(personas.outsider_patient_profile.user).get(URL).json() == []


def test_it_expires_and_its_file_is_deleted(personas, as_user, django_capture_on_commit_callbacks):
    client = as_user(personas.patient)
    with django_capture_on_commit_callbacks(execute=True):
        export_id = client.post(URL).json()["id"]
    assert len(stored_exports()) == 1
    PatientExport.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert client.get(f"{URL}{export_id}/download/").status_code == 410
    assert patient_exports_expire() == 1
    assert stored_exports() == [] and PatientExport.objects.get().state == "expired"


def test_one_export_at_a_time(personas, as_user):
    client = as_user(personas.patient)
    assert client.post(URL).status_code == 202  # not run: still queued
    assert client.post(URL).status_code == 409
    assert client.get(URL).json()[0]["state"] == "queued"
