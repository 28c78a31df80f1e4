"""Clinician-review items in a draft note: risk language the screen kept but did not alert on.

``ml.risk_review`` decides which session findings page the care team now and which wait for the session's
clinician (a weak learned-stage plan reading of an ordinary turn, a short answer that only takes up the
question, an ambiguous statement the patient clarified with a "no" at a matching level). The draft shows
each one first in its risk section, and the note's provenance lists them (level, reason, utterance refs:
no PHI). Invariants:

- A note with a review item still ``pending`` cannot be signed (``note_sign`` refuses).
- Confirming raises the risk signal the screen held back, at the item's level, naming the clinician as
  present (so they are not paged for their own session; the care team is, per policy). Dismissing
  records who dismissed it and why. Both are audited and neither deletes the item.
- Redrafting keeps the decisions already made on the same items.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.alerts.services import risk_signal_record
from apps.audit.services import AuditAction, audit_log
from apps.core.errors import Conflict, Forbidden, ServiceError
from apps.insights.services import SIGNAL_LEVELS
from apps.notes.models import Note, NoteStatus
from apps.notes.services.sessions import CATEGORY

PENDING, CONFIRMED, DISMISSED = "pending", "confirmed", "dismissed"
DECISIONS = {"confirm": CONFIRMED, "dismiss": DISMISSED}


def _key(item: dict) -> tuple:
    return item["level"], item["reason"], tuple(item["utterances"])


def review_items_from_sections(sections: list[dict], previous: list[dict] | None = None) -> list[dict]:
    """The draft's review items (from its ``risk_review`` sentences), numbered, each ``pending`` unless
    ``previous`` (the last draft's items) already holds a decision on the same item."""
    decided = {_key(p): p for p in previous or [] if p.get("state", PENDING) != PENDING}
    items = []
    for section in sections:
        for sentence in section["sentences"]:
            review = sentence.get("review")
            if not review:
                continue
            item = {
                "id": len(items) + 1,
                "level": review["level"],
                "reason": review["reason"],
                "utterances": list(review["utterances"]),
                "detector": review.get("detector", ""),
                "score": review.get("score"),
                "state": PENDING,
            }
            earlier = decided.get(_key(item))
            if earlier is not None:
                item.update(
                    {k: earlier[k] for k in ("state", "decided_by", "decided_at", "reason_given") if k in earlier}
                )
            items.append(item)
    return items


def review_items_with_text(note: Note) -> list[dict]:
    """The note's review items, each with the draft sentence that shows it (items are numbered in the order
    of those sentences; one the clinician has edited away keeps its level and reason)."""
    shown = [s["text"] for section in note.sections for s in section["sentences"] if s.get("review")]
    items = (note.provenance or {}).get("risk_review", [])
    return [{**item, "text": shown[item["id"] - 1] if item["id"] <= len(shown) else ""} for item in items]


def pending_review_items(note: Note) -> list[dict]:
    return [i for i in (note.provenance or {}).get("risk_review", []) if i.get("state", PENDING) == PENDING]


def note_risk_review_decide(*, actor: User, note: Note, item_id: int, decision: str, reason: str = "") -> Note:
    """Confirm (raise the alert) or dismiss one review item of a draft note; only the session's clinician."""
    if actor.pk != note.session.clinician_id:
        raise Forbidden("Only the session's clinician can review its risk items.")
    if note.status == NoteStatus.SIGNED:
        raise Conflict("The note is signed.", code="signed")
    if decision not in DECISIONS:
        raise ServiceError("Decide 'confirm' or 'dismiss'.", code="invalid", field="decision")
    with transaction.atomic():
        note = Note.objects.select_for_update().select_related("session").get(pk=note.pk)
        items = list(note.provenance.get("risk_review", []))
        item = next((i for i in items if i["id"] == item_id), None)
        if item is None:
            raise ServiceError("No such review item.", code="not_found", field="item")
        if item.get("state", PENDING) != PENDING:
            raise Conflict("This item has been decided.", code="already_decided")
        item.update(
            state=DECISIONS[decision],
            decided_by=str(actor.pk),
            decided_at=timezone.now().isoformat(),
            **({"reason_given": reason[:500]} if reason else {}),
        )
        note.provenance = {**note.provenance, "risk_review": items}
        note.save(update_fields=["provenance"])
        session = note.session
        if decision == "confirm" and item["level"] in SIGNAL_LEVELS:
            risk_signal_record(
                patient_id=session.patient_id,
                source_type="note_risk_review",
                source_id=f"{note.pk}:{item['id']}",
                kind=f"risk_language_{item['level']}",
                level=SIGNAL_LEVELS[item["level"]],
                occurred_at=session.started_at,
                evidence={
                    "basis": "clinician_confirmed",
                    "review_reason": item["reason"],
                    "detector": item.get("detector", ""),
                    "utterances": item["utterances"],
                    "session_id": str(session.pk),
                    "note_id": str(note.pk),
                    "clinician_present": str(session.clinician_id),
                },
            )
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="note",
            object_id=note.pk,
            patient_id=session.patient_id,
            data_category=CATEGORY,
            detail={"risk_review": item["id"], "decision": DECISIONS[decision], "level": item["level"]},
        )
    return note
