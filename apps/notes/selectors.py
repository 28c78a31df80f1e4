"""Reads of a session for the care team: its transcript numbered the way the draft cites it, and the
note's versions with what changed between them."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from apps.notes.models import ClinicalSession, InputStatus, Note, NoteTemplate, SessionInput
from ml import notes as drafting
from ml.session_risk import channel_labels_confirm

# The drafting engine numbers utterances across the session's transcribed inputs in creation order
# (services._utterances); evidence refs are those numbers.
_DRAFTED = (InputStatus.DRAFTING, InputStatus.DONE)


@dataclass
class InputTranscript:
    input: SessionInput
    utterances: list[dict] = field(default_factory=list)  # each with "index" (own) and "ref" (session-wide)


def session_transcripts(*, session: ClinicalSession) -> list[InputTranscript]:
    out, ref = [], 0
    for item in session.inputs.order_by("created_at"):
        utterances = item.utterances
        entry = InputTranscript(input=item)
        for u in utterances:
            if item.status in _DRAFTED:
                entry.utterances.append({**u, "ref": str(ref)})
                ref += 1
            else:
                entry.utterances.append({**u, "ref": None})
        out.append(entry)
    return out


@dataclass(frozen=True)
class SignCheck:
    unedited: list[str]  # sentences the clinician has not written or changed
    without_evidence: list[str]  # sentences citing nothing


def sign_check(*, note: Note) -> SignCheck:
    """What the sign dialog lists: the clinician signs knowing which sentences came from the engine
    unchanged and which cite no evidence."""
    unedited, bare = [], []
    for section in note.sections:
        for s in section["sentences"]:
            if s["source"] != "clinician":
                unedited.append(s["text"])
            if not s.get("evidence"):
                bare.append(s["text"])
    return SignCheck(unedited=unedited, without_evidence=bare)


def note_text(note: Note) -> list[str]:
    return [
        f"{section['title']}: " + (" ".join(s["text"] for s in section["sentences"]) or "Not discussed.")
        for section in note.sections
    ]


def versions_diff(*, older: Note, newer: Note) -> list[str]:
    """A unified diff of the two versions' text, one line per section."""
    return list(
        difflib.unified_diff(
            note_text(older), note_text(newer), f"version {older.version}", f"version {newer.version}", lineterm=""
        )
    )


CONFIRMED_ATTRIBUTION = frozenset({"stereo_channels", "typed_labels"})


def speakers_confirmed(item: SessionInput) -> bool:
    """Speaker labels a person or a microphone decided (stereo channels, a typed transcript, a clinician's
    relabelling), as opposed to a voice-clustering guess."""
    transcription = item.transcription or {}
    if transcription.get("speakers_confirmed"):  # a person decided
        return True
    if transcription.get("attribution") == "stereo_channels":  # a microphone decided, if it heard the patient
        return channel_labels_confirm(item.utterances or [])
    return transcription.get("attribution") in CONFIRMED_ATTRIBUTION


def input_language(item: SessionInput):
    """The language an input's text is in (``ml.language.analysis_language``): the speech model's detected
    language for audio, else the text's own profile when it is clear, else the patient's preferred
    language. The session risk screen and the drafter read it; neither runs English rules on other text."""
    from ml.language import analysis_language

    text = " ".join(str(u.get("text", "")) for u in item.utterances or [])
    return analysis_language(
        text,
        transcript=(item.transcription or {}).get("language"),
        preferred=item.session.patient.preferred_language,
    )


def not_screened_inputs(*, session: ClinicalSession) -> list[dict]:
    """The session's inputs the risk screen did not read, with the language that stopped it (the banner
    "Not risk-screened: language (<code>)" on the session page and the draft)."""
    out = []
    for item in session.inputs.order_by("created_at"):
        screen = (item.transcription or {}).get("risk_screen") or {}
        if screen.get("not_analysed"):
            out.append({"input": item, "language": screen.get("language", ""), "reason": screen["not_analysed"]})
    return out


def note_templates_list(practice_id) -> dict[str, dict]:
    """Built-in templates and the practice's own (the newest version of each key wins)."""
    templates = {t["key"]: t for t in drafting.builtin_templates()}
    for row in NoteTemplate.objects.filter(practice_id=practice_id).order_by("key", "version"):
        templates[row.key] = {**row.definition, "key": row.key, "version": row.version}
    return templates
