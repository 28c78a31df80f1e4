"""Consent: per-version decisions, as easy to decline as to accept, honoured by every feature.

Later features ask ``apps.accounts.selectors.consent_is_granted(patient_id, kind)`` before running; with no decision on
record the answer is *no*.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts.models import ConsentDecision, ConsentDocument, ConsentKind, ConsentRecord, PatientProfile, User
from apps.audit.services import AuditAction, audit_log
from apps.core.errors import ServiceError

DEFAULT_TEXTS: dict[str, tuple[str, str]] = {
    ConsentKind.AI_PROCESSING: (
        "Automated analysis of your journals and check-ins",
        "Interlude can analyse your journal entries and check-ins on your practice's own server to find "
        "patterns, triggers and signs that you may need support sooner. Your care team sees the results "
        "with the evidence behind them. Nothing is sent to outside AI services. You can change this at any "
        "time; declining does not affect your care.",
    ),
    ConsentKind.JOURNAL_SHARING: (
        "Sharing your journals with your care team",
        "Your care team can read the journal entries you choose to share. You decide for each entry; this "
        "setting is the default for new entries. You can change it at any time.",
    ),
    ConsentKind.SESSION_RECORDING: (
        "Recording therapy sessions",
        "Your clinician may record your sessions to help write clinical notes. The recording is encrypted, "
        "kept on your practice's server and deleted once the note is written unless your practice's "
        "retention policy says otherwise. You can change this at any time; declining does not affect your care.",
    ),
}


def consent_documents_publish_defaults(*, practice) -> list[ConsentDocument]:
    docs = []
    for kind, (title, text) in DEFAULT_TEXTS.items():
        doc, _ = ConsentDocument.objects.get_or_create(
            practice=practice, kind=kind, version=1, defaults={"title": title, "text": text}
        )
        docs.append(doc)
    return docs


def consent_document_publish(*, actor: User, kind: str, title: str, text: str) -> ConsentDocument:
    with transaction.atomic():
        latest = (
            ConsentDocument.objects.select_for_update()
            .filter(practice_id=actor.practice_id, kind=kind)
            .aggregate(v=Max("version"))["v"]
        )
        doc = ConsentDocument.objects.create(
            practice_id=actor.practice_id, kind=kind, version=(latest or 0) + 1, title=title, text=text
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="consent_document",
            object_id=doc.pk,
            detail={"kind": kind, "version": doc.version},
        )
    return doc


def consent_decide(*, actor: User, patient: PatientProfile, kind: str, version: int, decision: str) -> ConsentRecord:
    """Record the patient's decision on one version of one consent text."""
    document = ConsentDocument.objects.filter(practice_id=patient.practice_id, kind=kind, version=version).first()
    if document is None:
        raise ServiceError("There is no such version of this consent text.", code="unknown_version", field="version")
    now = timezone.now()
    with transaction.atomic():
        current = (
            ConsentRecord.objects.select_for_update().filter(patient=patient, kind=kind).order_by("-decided_at").first()
        )
        if current is not None and current.decision == ConsentDecision.ACCEPTED and current.revoked_at is None:
            if decision == ConsentDecision.DECLINED:
                current.revoked_at = now
                current.save(update_fields=["revoked_at"])
        record = ConsentRecord.objects.create(
            patient=patient, document=document, kind=kind, decision=decision, decided_at=now
        )
        audit_log(
            actor=actor,
            action=AuditAction.CONSENT,
            object_type="consent_record",
            object_id=record.pk,
            patient_id=patient.pk,
            practice_id=patient.practice_id,
            data_category="consent",
            detail={"kind": kind, "version": version, "decision": decision},
        )
    return record
