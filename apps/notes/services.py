"""Sessions, their inputs, evidence-linked drafts, and signing and amending notes."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts.models import ConsentKind, PatientProfile, User
from apps.accounts.services.consent import consent_is_granted
from apps.audit.services import AuditAction, audit_log
from apps.checkins.models import QuestionnaireResponse
from apps.core.audio import audio_storage
from apps.core.audio import probe as audio
from apps.core.errors import Conflict, Forbidden, Invalid, ServiceError
from apps.core.jobs import enqueue_on_commit
from apps.insights.services import may_analyse
from apps.notes.models import ClinicalSession, InputKind, InputStatus, Note, NoteStatus, SessionInput
from ml import notes as drafting
from ml.session_risk import typed_utterances
from ml.text import split_sentences

CATEGORY = "session_note"
MAX_RECORDING_MINUTES = 120


def _require_clinician(actor: User) -> None:
    if not actor.is_care_staff:
        raise Forbidden("Only the care team can do this.")


def templates_for(practice_id) -> dict[str, dict]:
    """Built-in templates and the practice's own (the newest version of each key wins)."""
    from apps.notes.models import NoteTemplate

    templates = {t["key"]: t for t in drafting.builtin_templates()}
    for row in NoteTemplate.objects.filter(practice_id=practice_id).order_by("key", "version"):
        templates[row.key] = {**row.definition, "key": row.key, "version": row.version}
    return templates


def note_template_publish(*, actor: User, definition: dict):

    from apps.notes.models import NoteTemplate

    if not actor.is_practice_admin:
        raise Forbidden("Only practice admins can add templates.")
    problems = drafting.validate_template(definition)
    if definition.get("key") in {t["key"] for t in drafting.builtin_templates()}:
        problems.append("this key is a built-in template; choose another")
    if problems:
        raise Invalid({"definition": problems})
    with transaction.atomic():
        latest = NoteTemplate.objects.filter(practice_id=actor.practice_id, key=definition["key"]).aggregate(
            v=Max("version")
        )["v"]
        row = NoteTemplate.objects.create(
            practice_id=actor.practice_id, key=definition["key"], version=(latest or 0) + 1, definition=definition
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="note_template",
            object_id=row.pk,
            detail={"key": row.key, "version": row.version},
        )
    return row


def session_create(*, actor: User, patient: PatientProfile, **fields) -> ClinicalSession:
    _require_clinician(actor)
    if fields.get("template_key") and fields["template_key"] not in templates_for(patient.practice_id):
        raise ServiceError("Unknown note template.", code="invalid", field="template_key")
    with transaction.atomic():
        session = ClinicalSession.objects.create(patient=patient, clinician=actor, **fields)
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="clinical_session",
            object_id=session.pk,
            patient_id=patient.pk,
            data_category=CATEGORY,
        )
    return session


def _enqueue(input_id) -> None:
    enqueue_on_commit("notes.process_input", input_id=str(input_id))


def input_add_typed(*, actor: User, session: ClinicalSession, text: str) -> SessionInput:
    _require_clinician(actor)
    # A typed transcript ("Clinician: …" / "Patient: …" lines) keeps its speakers; prose is the
    # clinician's own summary. Either way it is risk-screened in ``processing``.
    utterances = typed_utterances(text)
    labelled = any(u["speaker"] != "summary" for u in utterances)
    with transaction.atomic():
        item = SessionInput.objects.create(
            session=session,
            kind=InputKind.TYPED,
            status=InputStatus.DRAFTING,
            utterances=json.dumps(utterances),
            transcription={"attribution": "typed_labels"} if labelled else {},
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="session_input",
            object_id=item.pk,
            patient_id=session.patient_id,
            data_category=CATEGORY,
            detail={"kind": "typed"},
        )
        _enqueue(item.pk)
    return item


def input_add_audio(*, actor: User, session: ClinicalSession, kind: str, audio_file: UploadedFile) -> SessionInput:
    """A recording needs the patient's current consent to session recording; dictation never does."""
    _require_clinician(actor)
    if kind == InputKind.RECORDING and not consent_is_granted(
        patient_id=session.patient_id, kind=ConsentKind.SESSION_RECORDING
    ):
        raise Conflict(
            "The patient has not consented to session recording. Dictate or type a summary instead.",
            code="consent_required",
            field="audio",
        )
    minutes = MAX_RECORDING_MINUTES if kind == InputKind.RECORDING else settings.JOURNAL_MAX_AUDIO_MINUTES
    with (
        audio.accepted_audio(
            audio_file,
            max_bytes=settings.JOURNAL_MAX_UPLOAD_MB * 1024 * 1024 * (8 if kind == InputKind.RECORDING else 1),
            max_seconds=minutes * 60,
            name=lambda info: (
                f"{session.patient.practice_id}/{session.patient_id}/sessions/{session.pk}.{info.container}.enc"
            ),
            storage=audio_storage(),
        ) as (name, info),
        transaction.atomic(),
    ):
        item = SessionInput.objects.create(
            session=session,
            kind=kind,
            status=InputStatus.QUEUED,
            audio_name=name,
            audio_format=info.container,
            audio_seconds=info.seconds,
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="session_input",
            object_id=item.pk,
            patient_id=session.patient_id,
            data_category=CATEGORY,
            detail={"kind": kind, "seconds": info.seconds},
        )
        _enqueue(item.pk)
    return item


def _records(session: ClinicalSession) -> list[drafting.Record]:
    """Questionnaires since the previous session (or in the 30 days before this one), phrased with change."""
    previous = (
        ClinicalSession.objects.filter(patient=session.patient, started_at__lt=session.started_at)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    since = previous or session.started_at - dt.timedelta(days=30)
    rows = (
        QuestionnaireResponse.objects.filter(
            patient=session.patient,
            occurred_at__gte=since,
            occurred_at__lte=session.started_at + dt.timedelta(hours=12),
        )
        .select_related("instrument")
        .order_by("occurred_at")
    )
    records = []
    for r in rows:
        title = (
            r.instrument.definition["title"].split(" (")[-1].rstrip(")")
            if "(" in r.instrument.definition["title"]
            else r.instrument.title
        )
        text = f"{title} {r.total_score if r.total_score is not None else r.band_label}"
        if r.total_score is not None:
            text += f" ({r.band_label.lower()})"
        change = r.change or {}
        if change.get("delta") is not None:
            direction = "down" if change["delta"] < 0 else "up"
            text += f", {direction} {abs(change['delta'])} from {change['previous_total']}"
            if change.get("reliable_change"):
                text += f" (reliable {change['reliable_change']})"
        text += f" on {r.local_date:%d %b %Y}"
        records.append(drafting.Record(ref=f"questionnaire_response:{r.pk}", text=text))
    return records


def _utterances(session: ClinicalSession) -> list[drafting.Utterance]:
    utterances, index = [], 0
    for item in session.inputs.filter(status__in=[InputStatus.DRAFTING, InputStatus.DONE]).order_by("created_at"):
        for u in json.loads(item.utterances or "[]"):
            utterances.append(drafting.Utterance(index, u["speaker"], u["text"], u["start"], u["end"]))
            index += 1
    return utterances


def _identifiers(session: ClinicalSession) -> dict[str, str]:
    patient = session.patient
    pairs = {patient.full_name: "[PATIENT]", session.clinician.display_name: "[CLINICIAN]"}
    if patient.emergency_contact_name:
        pairs[patient.emergency_contact_name] = "[CONTACT]"
    if patient.emergency_contact_phone:
        pairs[patient.emergency_contact_phone] = "[PHONE]"
    if patient.date_of_birth:
        pairs[patient.date_of_birth.isoformat()] = "[DATE]"
        pairs[f"{patient.date_of_birth:%d %B %Y}"] = "[DATE]"
    return {k: v for k, v in pairs.items() if k}


def draft_generate(*, session: ClinicalSession, engine: str = "default") -> Note | None:
    """(Re)draft the session's note from all its inputs. A signed note is never touched; a draft the
    clinician has edited is kept and a new draft version is added beside it."""
    from ml.analysis import get_analyzer

    analyzer = get_analyzer() if may_analyse(session.patient) else None
    template = templates_for(session.patient.practice_id)[session.template_key]
    report: dict = {}
    if engine == "llm":
        from ml import llm_notes
        from ml.text import get_encoder

        if not (settings.NOTES_LLM_URL and settings.NOTES_LLM_MODEL):
            raise Conflict("No LLM endpoint is configured for this practice.", code="llm_not_configured")
        config = llm_notes.LLMConfig(settings.NOTES_LLM_URL, settings.NOTES_LLM_MODEL, settings.NOTES_LLM_API_KEY)
        draft, report = llm_notes.draft_with_llm(
            config, template, _utterances(session), _records(session), _identifiers(session), get_encoder()
        )
    else:
        from apps.notes.processing import speakers_confirmed

        draft = drafting.draft_note(
            template,
            _utterances(session),
            _records(session),
            analysis=analyzer.analyse if analyzer else None,
            versions=analyzer.versions if analyzer else {},
            speakers_confirmed=all(speakers_confirmed(i) for i in session.inputs.all()),
            risk=analyzer.risk.assess if analyzer else None,
        )
    sections = [
        {
            "key": s.key,
            "title": s.title,
            "sentences": [
                {"text": x.text, "source": x.source, "evidence": [e.__dict__ for e in x.evidence]} for x in s.sentences
            ],
        }
        for s in draft.sections
    ]
    provenance = {
        "engine": draft.engine,
        "engine_version": draft.engine_version,
        "template": draft.template,
        "template_version": draft.template_version,
        "versions": draft.versions,
        "transcription": [i.transcription for i in session.inputs.exclude(transcription={})],
        "drafted_at": timezone.now().isoformat(),
        "edited": False,
        **({"llm": report} if report else {}),
    }
    with transaction.atomic():
        latest = Note.objects.select_for_update().filter(session=session).order_by("-version").first()
        if latest is not None and latest.status == NoteStatus.SIGNED:
            return None
        if latest is not None and not latest.provenance.get("edited"):
            latest.sections, latest.provenance = json.dumps(sections), provenance
            latest.template_key, latest.template_version = draft.template, draft.template_version
            latest.save()
            note = latest
        else:
            note = Note.objects.create(
                session=session,
                version=(latest.version + 1) if latest else 1,
                template_key=draft.template,
                template_version=draft.template_version,
                sections=json.dumps(sections),
                provenance=provenance,
            )
        audit_log(
            actor=None,
            action=AuditAction.AI_PROCESS,
            object_type="note",
            object_id=note.pk,
            patient_id=session.patient_id,
            practice_id=session.patient.practice_id,
            data_category=CATEGORY,
            detail={"job": "note_draft", "engine": draft.engine, "template": draft.template},
        )
    return note


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _edited_sections(old: list[dict], new_text: dict[str, str]) -> list[dict]:
    out = []
    for section in old:
        if section["key"] not in new_text:
            out.append(section)
            continue
        previous = {_norm(s["text"]): s for s in section["sentences"]}
        sentences = []
        for span in split_sentences(new_text[section["key"]]):
            kept = previous.get(_norm(span.text))
            sentences.append(kept or {"text": span.text, "source": "clinician", "evidence": []})
        out.append({**section, "sentences": sentences})
    unknown = set(new_text) - {s["key"] for s in old}
    if unknown:
        raise ServiceError(f"Unknown section(s): {', '.join(sorted(unknown))}.", code="invalid", field="sections")
    return out


def note_edit(*, actor: User, note: Note, sections: dict[str, str]) -> Note:
    """Edit a draft. Sentences that survive keep their evidence; new ones are marked as the clinician's."""
    _require_clinician(actor)
    if note.status == NoteStatus.SIGNED:
        raise Conflict("A signed note cannot be edited; amend it instead.", code="signed")
    with transaction.atomic():
        note.sections = json.dumps(_edited_sections(json.loads(note.sections), sections))
        note.provenance = {
            **note.provenance,
            "edited": True,
            "edited_by": str(actor.pk),
            "edited_at": timezone.now().isoformat(),
        }
        note.save()
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="note",
            object_id=note.pk,
            patient_id=note.session.patient_id,
            data_category=CATEGORY,
            detail={"sections": sorted(sections)},
        )
    return note


def content_hash(note: Note) -> str:
    canonical = json.dumps(
        {
            "session": str(note.session_id),
            "version": note.version,
            "template": note.template_key,
            "sections": json.loads(note.sections),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def note_sign(*, actor: User, note: Note) -> Note:
    if actor.pk != note.session.clinician_id:
        raise Forbidden("Only the session's clinician can sign its note.")
    if note.status == NoteStatus.SIGNED:
        raise Conflict("Already signed.", code="signed")
    with transaction.atomic():
        note.status, note.signed_by, note.signed_at = NoteStatus.SIGNED, actor, timezone.now()
        note.content_hash = content_hash(note)
        note.save()
        audit_log(
            actor=actor,
            action=AuditAction.SIGN,
            object_type="note",
            object_id=note.pk,
            patient_id=note.session.patient_id,
            data_category=CATEGORY,
            detail={"version": note.version, "content_hash": note.content_hash},
        )
    return note


def note_amend(*, actor: User, note: Note, reason: str, sections: dict[str, str]) -> Note:
    """A new draft version of a signed note, with the reason; the signed version stays as it was."""
    if note.status != NoteStatus.SIGNED:
        raise Conflict("Only a signed note is amended; edit the draft instead.", code="not_signed")
    _require_clinician(actor)
    with transaction.atomic():
        latest = Note.objects.filter(session=note.session).aggregate(v=Max("version"))["v"]
        amended = Note.objects.create(
            session=note.session,
            version=latest + 1,
            template_key=note.template_key,
            template_version=note.template_version,
            sections=json.dumps(_edited_sections(json.loads(note.sections), sections)),
            provenance={**note.provenance, "edited": True, "amends_version": note.version},
            amendment_reason=reason,
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="note",
            object_id=amended.pk,
            patient_id=note.session.patient_id,
            data_category=CATEGORY,
            detail={"amends_version": note.version, "version": amended.version},
        )
    return amended
