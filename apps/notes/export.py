"""Exports of signed notes: FHIR R4 DocumentReference and a plain PDF (drafts are never exported)."""

from __future__ import annotations

import base64
import textwrap

from django.conf import settings

from apps.core.pdf import build, paginate
from apps.notes.models import Note

LOINC = "http://loinc.org"


def note_text(note: Note) -> str:
    lines = [
        f"{note.session.get_modality_display()} session, {note.session.started_at:%d %b %Y %H:%M} UTC",
        f"Template: {note.template_key.upper()} v{note.template_version}; note version {note.version}",
        "",
    ]
    for section in note.sections:
        lines.append(section["title"].upper())
        body = " ".join(s["text"] for s in section["sentences"]) or "Not discussed."
        lines.extend(textwrap.wrap(body, 95) or [""])
        lines.append("")
    if note.amendment_reason:
        lines.append(f"Amendment (reason: {note.amendment_reason})")
    lines.append(
        f"Signed by {note.signed_by.display_name or note.signed_by.username} at "
        f"{note.signed_at:%d %b %Y %H:%M} UTC; content hash {note.content_hash}"
    )
    return "\n".join(lines)


def document_reference(note: Note) -> dict:
    text = note_text(note).encode()
    return {
        "resourceType": "DocumentReference",
        "id": str(note.pk),
        "status": "current",
        "docStatus": "amended" if note.amendment_reason else "final",
        "type": {"coding": [{"system": LOINC, "code": "11506-3", "display": "Progress note"}]},
        "category": [
            {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
                        "code": "clinical-note",
                        "display": "Clinical Note",
                    }
                ]
            }
        ],
        "subject": {"reference": f"Patient/{note.session.patient_id}"},
        "date": note.signed_at.isoformat(),
        "author": [{"reference": f"Practitioner/{note.signed_by_id}"}],
        "authenticator": {"reference": f"Practitioner/{note.signed_by_id}"},
        "description": f"{note.template_key.upper()} note, version {note.version}",
        "content": [
            {
                "attachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "language": "en",
                    "data": base64.b64encode(text).decode(),
                    "hash": base64.b64encode(bytes.fromhex(note.content_hash)[:20]).decode(),
                    "title": f"Session note v{note.version}",
                    "url": f"{settings.PUBLIC_BASE_URL}/api/v1/notes/{note.pk}",
                }
            }
        ],
        "context": {
            "period": {
                "start": note.session.started_at.isoformat(),
                **({"end": note.session.ended_at.isoformat()} if note.session.ended_at else {}),
            }
        },
    }


def pdf(note: Note) -> bytes:
    """The signed note as a plain text PDF headed with the patient's name (see ``apps.core.pdf``)."""
    title = f"Session note: {note.session.patient.full_name}"
    return build(paginate([title, "", *note_text(note).split("\n")]), title=title)
