"""Exports of signed notes: FHIR R4 DocumentReference and a plain PDF (drafts are never exported)."""

from __future__ import annotations

import base64
import json
import textwrap

from django.conf import settings

from apps.notes.models import Note

LOINC = "http://loinc.org"


def note_text(note: Note) -> str:
    lines = [
        f"{note.session.get_modality_display()} session, {note.session.started_at:%d %b %Y %H:%M} UTC",
        f"Template: {note.template_key.upper()} v{note.template_version}; note version {note.version}",
        "",
    ]
    for section in json.loads(note.sections):
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


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf(note: Note) -> bytes:
    """A minimal, dependency-free PDF (Helvetica, A4, text pages)."""
    lines = note_text(note).encode("latin-1", "replace").decode("latin-1").split("\n")
    per_page = 60
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    objects: list[bytes] = []
    kids = " ".join(f"{3 + i * 2} 0 R" for i in range(len(pages)))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    font_id = 3 + len(pages) * 2
    for i, page in enumerate(pages):
        stream = "BT /F1 10 Tf 50 800 Td 13 TL " + " ".join(f"({_escape(line)}) '" for line in page) + " ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 {font_id} "
            f"0 R >> >> /Contents {4 + i * 2} 0 R >>".encode()
        )
        data = stream.encode("latin-1")
        objects.append(b"<< /Length " + str(len(data)).encode() + b" >>\nstream\n" + data + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
