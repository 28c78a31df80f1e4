"""The patient's export: everything held about them as a zip of JSON files plus a FHIR R4 Bundle.

Invariants (tests in tests/apps/privacy/test_export.py):

- Only the patient asks for it (``/api/v1/me/export/``) and only they download it (the door); asking
  is audited (``create`` on ``patient_export``), building it too, and the download is an ``export`` event.
- It is built by a background job (``privacy.build_export`` on the ``ml`` queue: it reads every
  row and the kept audio) that records ``progress``; the zip is stored through the encrypted audio
  storage (AES-256-GCM, as recordings) and deleted ``PATIENT_EXPORT_TTL_HOURS`` after it is ready
  (``accounts.housekeeping`` sweeps expired ones).
- The FHIR Bundle reuses ``apps.checkins.fhir`` (one QuestionnaireResponse and total-score
  Observation per administration).
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import ExportState, PatientExport, PatientProfile, User
from apps.accounts.serializers import ConsentRecordSerializer, PatientSerializer
from apps.audit.selectors import patient_access_log
from apps.audit.services import AuditAction, audit_log
from apps.checkins import fhir
from apps.checkins.models import MoodCheckin, QuestionnaireResponse
from apps.checkins.serializers import MoodCheckinSerializer, QuestionnaireDetailSerializer
from apps.core.audio import audio_storage
from apps.core.errors import Conflict
from apps.core.jobs import enqueue_on_commit
from apps.journals.models import JournalEntry
from apps.journals.serializers import JournalEntrySerializer
from apps.plans.api_safety import CopingSerializer, SafetyPlanSerializer
from apps.plans.api_treatment import TreatmentPlanSerializer
from apps.plans.models import CopingLog, PlanStatus, SafetyPlan, TreatmentPlan

EXPORT_PREFIX = "exports"
PENDING = (ExportState.QUEUED, ExportState.RUNNING)


def patient_export_request(*, actor: User, patient: PatientProfile) -> PatientExport:
    """Queue a new export (one at a time per patient: a second request while one runs is a 409)."""
    if PatientExport.objects.filter(patient=patient, state__in=PENDING).exists():
        raise Conflict("An export is being prepared already.", code="export_running")
    with transaction.atomic():
        export = PatientExport.objects.create(patient=patient, requested_by=actor)
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="patient_export",
            object_id=export.pk,
            patient_id=patient.pk,
            data_category="export",
        )
        enqueue_on_commit("privacy.build_export", export_id=str(export.pk))
    return export


def _progress(export: PatientExport, value: int) -> None:
    export.progress = value
    PatientExport.objects.filter(pk=export.pk).update(progress=value)


def _dump(rows: Any) -> bytes:
    return json.dumps(rows, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()


def _fhir_bundle(patient: PatientProfile, responses: list[QuestionnaireResponse]) -> dict[str, Any]:
    entries = [entry for response in responses for entry in fhir.bundle(response)["entry"]]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": [
            {
                "fullUrl": f"{settings.PUBLIC_BASE_URL}/fhir/Patient/{patient.pk}",
                "resource": {"resourceType": "Patient", "id": str(patient.pk), "name": [{"text": patient.full_name}]},
            },
            *entries,
        ],
    }


def _access_log(patient: PatientProfile) -> list[dict[str, Any]]:
    events = patient_access_log(patient_id=patient.pk, patient_user_id=patient.user_id)
    return [
        {
            "occurred_at": e.occurred_at,
            "who": e.actor_label if e.action != AuditAction.AI_PROCESS else "Interlude (automated)",
            "role": e.actor_role,
            "action": e.action,
            "data_category": e.data_category,
        }
        for e in events.iterator()
    ]


def _files(patient: PatientProfile, export: PatientExport):
    """(name, bytes) for each file of the zip, reporting progress as it goes."""
    yield "profile.json", _dump(PatientSerializer(patient).data)
    yield "checkins.json", _dump(MoodCheckinSerializer(MoodCheckin.objects.filter(patient=patient), many=True).data)
    _progress(export, 20)
    responses = list(QuestionnaireResponse.objects.filter(patient=patient).select_related("instrument"))
    yield "questionnaires.json", _dump(QuestionnaireDetailSerializer(responses, many=True).data)
    yield "fhir/bundle.json", _dump(_fhir_bundle(patient, responses))
    _progress(export, 40)
    entries = list(JournalEntry.objects.filter(patient=patient).order_by("occurred_at"))
    yield "journals.json", _dump(JournalEntrySerializer(entries, many=True).data)
    storage = audio_storage()
    for entry in entries:
        if entry.audio_name and storage.exists(entry.audio_name):
            extension = entry.audio_name.rsplit(".", 1)[-1] if "." in entry.audio_name else "audio"
            yield f"journal-audio/{entry.pk}.{extension}", b"".join(storage.stream(entry.audio_name))
    _progress(export, 70)
    yield "safety_plans.json", _dump(SafetyPlanSerializer(SafetyPlan.objects.filter(patient=patient), many=True).data)
    signed = TreatmentPlan.objects.filter(patient=patient, status=PlanStatus.SIGNED)
    yield "treatment_plans.json", _dump(TreatmentPlanSerializer(signed, many=True).data)
    yield "coping.json", _dump(CopingSerializer(CopingLog.objects.filter(patient=patient), many=True).data)
    yield "consents.json", _dump(ConsentRecordSerializer(patient.consents.order_by("decided_at"), many=True).data)
    yield "access_log.json", _dump(_access_log(patient))
    _progress(export, 90)


def patient_export_build(*, export_id) -> PatientExport | None:
    """The job: build the zip, store it encrypted, mark it ready. Safe to run twice."""
    export = PatientExport.objects.select_related("patient").filter(pk=export_id).first()
    if export is None or export.state not in PENDING:
        return export
    PatientExport.objects.filter(pk=export.pk).update(state=ExportState.RUNNING)
    buffer = io.BytesIO()
    try:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in _files(export.patient, export):
                archive.writestr(name, data)
        name = audio_storage().save(f"{EXPORT_PREFIX}/{export.pk}.zip", ContentFile(buffer.getvalue()))
    except Exception:
        PatientExport.objects.filter(pk=export.pk).update(
            state=ExportState.FAILED, error="the export could not be built"
        )
        raise
    now = timezone.now()
    with transaction.atomic():
        export.state, export.progress, export.storage_key = ExportState.READY, 100, name
        export.size_bytes, export.ready_at = len(buffer.getvalue()), now
        export.expires_at = now + timedelta(hours=settings.PATIENT_EXPORT_TTL_HOURS)
        export.save(update_fields=["state", "progress", "storage_key", "size_bytes", "ready_at", "expires_at"])
        audit_log(
            actor=None,
            action=AuditAction.CREATE,
            object_type="patient_export_file",
            object_id=export.pk,
            patient_id=export.patient_id,
            data_category="export",
            detail={"size_bytes": export.size_bytes},
        )
    return export


def patient_exports_expire(*, now=None) -> int:
    """Delete the files of exports past their time (hourly housekeeping)."""
    now = now or timezone.now()
    storage = audio_storage()
    expired = list(PatientExport.objects.filter(state=ExportState.READY, expires_at__lte=now))
    for export in expired:
        if export.storage_key:
            storage.delete(export.storage_key)
        PatientExport.objects.filter(pk=export.pk).update(state=ExportState.EXPIRED, storage_key="")
    return len(expired)
