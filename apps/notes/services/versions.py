"""A note's versions: the clinician edits a draft, signs it, and amends a signed note as a new version."""

from __future__ import annotations

import hashlib
import json
import re

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.services import AuditAction, audit_log
from apps.core.errors import Conflict, Forbidden, ServiceError
from apps.notes.models import Note, NoteStatus
from apps.notes.services.risk_review import pending_review_items
from apps.notes.services.sessions import CATEGORY, _require_clinician
from ml.text import split_sentences


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
        note.sections = _edited_sections(note.sections, sections)
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


def note_content_hash(note: Note) -> str:
    canonical = json.dumps(
        {
            "session": str(note.session_id),
            "version": note.version,
            "template": note.template_key,
            "sections": note.sections,
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
    pending = pending_review_items(note)
    if pending:
        raise Conflict(
            f"{len(pending)} possible risk item(s) in the draft need your review: confirm or dismiss each before "
            "signing.",
            code="risk_review_pending",
        )
    with transaction.atomic():
        note.status, note.signed_by, note.signed_at = NoteStatus.SIGNED, actor, timezone.now()
        note.content_hash = note_content_hash(note)
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
            sections=_edited_sections(note.sections, sections),
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


def note_version_choose(*, actor: User, note: Note) -> Note:
    """Make an earlier version (the live draft beside the refined one, say) the current draft: it is
    copied as a new latest version naming the version it came from, so the history stays whole and
    "the latest version is current" holds everywhere. A signed note is amended instead."""
    _require_clinician(actor)
    with transaction.atomic():
        latest = Note.objects.select_for_update().filter(session=note.session).order_by("-version").first()
        if latest.status == NoteStatus.SIGNED:
            raise Conflict("The note is signed; amend it instead.", code="signed")
        if latest.pk == note.pk:
            raise Conflict("This version is already the current one.", code="already_current")
        provenance = {k: v for k, v in note.provenance.items() if k not in ("chosen_from", "chosen_by", "chosen_at")}
        chosen = Note.objects.create(
            session=note.session,
            version=latest.version + 1,
            template_key=note.template_key,
            template_version=note.template_version,
            sections=note.sections,
            provenance={
                **provenance,
                "chosen_from": note.version,
                "chosen_by": str(actor.pk),
                "chosen_at": timezone.now().isoformat(),
            },
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="note",
            object_id=chosen.pk,
            patient_id=note.session.patient_id,
            data_category=CATEGORY,
            detail={
                "chosen_version": note.version,
                "replaces_version": latest.version,
                "version": chosen.version,
                "pass": note.provenance.get("pass", ""),
            },
        )
    return chosen
