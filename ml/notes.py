"""Offline, evidence-first note drafting: no language model, every sentence cites what it rests on.

Input: the session's utterances (who said what, when), the measures since the last session (as
records), and a template (sections, each with the evidence sources it draws from). Each sentence of
the draft is built from one piece of evidence and carries a pointer to it (an utterance index and
time range, or a record id). A section with no evidence says "Not discussed": the engine never writes
boilerplate nobody observed ("mental status within normal limits").

Typed or dictated summaries are the clinician's own words: their sentences are sorted into sections
by the same cues and kept verbatim, each citing its place in the summary.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ml.text import split_sentences

DATA = Path(__file__).resolve().parent / "data"
ENGINE = "interlude-evidence-drafter"
ENGINE_VERSION = "1.0"
NOT_DISCUSSED = "Not discussed."
MAX_QUOTE_WORDS = 30


@dataclass(frozen=True)
class Utterance:
    index: int
    speaker: str  # clinician | patient | other | unknown
    text: str
    start: float | None = None  # seconds into the recording (None for typed text)
    end: float | None = None


@dataclass(frozen=True)
class Record:
    ref: str  # e.g. "questionnaire_response:<uuid>"
    text: str  # already phrased, e.g. "PHQ-9 12 (moderate), down 6 since 14 Oct (reliable improvement)"


@dataclass(frozen=True)
class Evidence:
    kind: str  # utterance | record
    ref: str  # utterance index or record ref
    start: float | None = None
    end: float | None = None


@dataclass(frozen=True)
class DraftSentence:
    text: str
    source: str  # which evidence source produced it (homework, interventions, measures…)
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class DraftSection:
    key: str
    title: str
    sentences: tuple[DraftSentence, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences) if self.sentences else NOT_DISCUSSED


@dataclass(frozen=True)
class Draft:
    template: str
    template_version: int
    sections: tuple[DraftSection, ...]
    engine: str = ENGINE
    engine_version: str = ENGINE_VERSION
    versions: dict = field(default_factory=dict)


def load_template(key: str) -> dict:
    return json.loads((DATA / "note_templates" / f"{key}.json").read_text())


def builtin_templates() -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((DATA / "note_templates").glob("*.json"))]


SOURCES = frozenset(
    {
        "patient_statements",
        "themes",
        "measures",
        "risk",
        "clinician_assessment",
        "interventions",
        "homework",
        "next_steps",
        "goals",
        "patient_response",
    }
)


def validate_template(definition: dict) -> list[str]:
    """Problems with a practice-defined template (empty when usable)."""
    problems = []
    if not isinstance(definition.get("key"), str) or not definition.get("title"):
        problems.append("needs a 'key' and a 'title'")
    sections = definition.get("sections")
    if not isinstance(sections, list) or not sections:
        return [*problems, "needs a non-empty 'sections' list"]
    keys = [s.get("key") for s in sections if isinstance(s, dict)]
    if len(keys) != len(sections) or len(set(keys)) != len(keys) or not all(keys):
        problems.append("every section needs a unique 'key'")
    for section in sections:
        if isinstance(section, dict):
            unknown = set(section.get("sources", [])) - SOURCES
            if unknown or not section.get("sources"):
                problems.append(f"section {section.get('key')}: sources must be some of {sorted(SOURCES)}")
            if not section.get("title"):
                problems.append(f"section {section.get('key')}: needs a title")
    return problems


class Cues:
    def __init__(self):
        data = json.loads((DATA / "interventions.json").read_text())
        self.version = data["version"]
        self.interventions = {
            key: (spec["label"], [re.compile(p, re.I) for p in spec["patterns"]])
            for key, spec in data["interventions"].items()
        }
        self.lists = {
            name: [re.compile(p, re.I) for p in data[name]]
            for name in ("homework", "next_steps", "clinician_assessment", "goals", "patient_response")
        }

    def intervention(self, text: str) -> tuple[str, str] | None:
        for key, (label, patterns) in self.interventions.items():
            if any(p.search(text) for p in patterns):
                return key, label
        return None

    def matches(self, name: str, text: str) -> bool:
        return any(p.search(text) for p in self.lists[name])


def _quote(text: str) -> str:
    words = text.split()
    clipped = " ".join(words[:MAX_QUOTE_WORDS]) + ("\u2026" if len(words) > MAX_QUOTE_WORDS else "")
    return clipped.strip().rstrip(".")


def _evidence(u: Utterance) -> Evidence:
    return Evidence("utterance", str(u.index), u.start, u.end)


def sentence_units(utterances: Sequence[Utterance]) -> list[Utterance]:
    """Split long turns into sentences (same speaker and index, times kept), so evidence stays precise."""
    units = []
    for u in utterances:
        for span in split_sentences(u.text) or []:
            units.append(Utterance(u.index, u.speaker, span.text, u.start, u.end))
    return units


_THIRD_TO_FIRST = [
    (
        re.compile(
            r"\b(?:the patient|patient|client|she|he)\b(?= (?:said|says|reported|reports|stated|states|feels|"
            r"felt|thinks|thought|described|describes|wishes|wished|wants|wanted|has|had|is|was|would|will|can|"
            r"keeps|kept|cut|tried|hurt|burned))",
            re.I,
        ),
        "I",
    ),
    (re.compile(r"\b(?:herself|himself|themselves)\b", re.I), "myself"),
    (re.compile(r"\bwithout (?:her|him|them)\b", re.I), "without me"),
    (
        re.compile(
            r"\b(?:her|his|their) (kids|children|family|life|own life|partner|husband|wife|arm|arms|wrist|wrists)\b",
            re.I,
        ),
        r"my \1",
    ),
]


def as_first_person(text: str) -> str:
    """Clinicians summarise in the third person ("she feels everyone would be better off without her");
    the detectors read first-person speech, so summary sentences are rephrased before analysis."""
    for pattern, replacement in _THIRD_TO_FIRST:
        text = pattern.sub(replacement, text)
    return text


def gather(
    utterances: Sequence[Utterance], records: Sequence[Record], analysis=None, cues: Cues | None = None
) -> dict[str, list[DraftSentence]]:
    """Evidence sentences per source. ``analysis`` is an optional callable text -> ml.analysis.TextAnalysis
    (triggers, risk) applied to the patient's words."""
    cues = cues or Cues()
    out: dict[str, list[DraftSentence]] = {
        k: []
        for k in (
            "patient_statements",
            "themes",
            "measures",
            "risk",
            "clinician_assessment",
            "interventions",
            "homework",
            "next_steps",
            "goals",
            "patient_response",
            "summary_statements",
        )
    }
    units = sentence_units(utterances)
    seen_interventions: set[str] = set()
    for u in units:
        ev = (_evidence(u),)
        spoken_by_clinician = u.speaker in ("clinician", "summary")  # a summary is the clinician's own words
        if cues.matches("homework", u.text):
            out["homework"].append(DraftSentence(f"Homework: {_quote(u.text)}.", "homework", ev))
            continue
        if cues.matches("next_steps", u.text):
            out["next_steps"].append(DraftSentence(f"Next steps: {_quote(u.text)}.", "next_steps", ev))
            continue
        found = cues.intervention(u.text) if spoken_by_clinician else None
        if found and found[0] not in seen_interventions:
            seen_interventions.add(found[0])
            out["interventions"].append(
                DraftSentence(f"Intervention: {found[1]} (\u201c{_quote(u.text)}\u201d).", "interventions", ev)
            )
            continue
        if spoken_by_clinician and cues.matches("clinician_assessment", u.text):
            out["clinician_assessment"].append(
                DraftSentence(f"Clinician: {_quote(u.text)}.", "clinician_assessment", ev)
            )
        elif cues.matches("goals", u.text):
            out["goals"].append(DraftSentence(f"Goal discussed: {_quote(u.text)}.", "goals", ev))
        elif u.speaker == "patient" and cues.matches("patient_response", u.text):
            out["patient_response"].append(
                DraftSentence(f"Patient: \u201c{_quote(u.text)}\u201d.", "patient_response", ev)
            )
        elif u.speaker == "patient":
            out["patient_statements"].append(
                DraftSentence(f"Patient reported: \u201c{_quote(u.text)}\u201d.", "patient_statements", ev)
            )
        elif u.speaker == "summary":
            out["summary_statements"].append(DraftSentence(f"{_quote(u.text)}.", "summary_statements", ev))
    if analysis is not None:
        themes: dict[str, list[Utterance]] = {}
        for u in units:
            if u.speaker not in ("patient", "summary"):
                continue
            result = analysis(as_first_person(u.text) if u.speaker == "summary" else u.text)
            for f in result.triggers:
                themes.setdefault(f.category, []).append(u)
            if result.risk.level not in ("none", "history"):
                out["risk"].append(
                    DraftSentence(
                        f"Risk language ({result.risk.level.replace('_', ' ')}): \u201c{_quote(u.text)}\u201d.",
                        "risk",
                        (_evidence(u),),
                    )
                )
        for category, us in sorted(themes.items(), key=lambda kv: -len(kv[1])):
            label = category.replace("_", " ")
            out["themes"].append(
                DraftSentence(
                    f"Theme: {label} ({len(us)} mention{'s' if len(us) > 1 else ''}).",
                    "themes",
                    tuple(_evidence(u) for u in us),
                )
            )
    for record in records:
        out["measures"].append(DraftSentence(f"{record.text}.", "measures", (Evidence("record", record.ref),)))
    return out


# Typed or dictated summaries: the clinician's sentences go to sections by their cues.
SUMMARY_FALLBACK = {"soap": "subjective", "dap": "data", "birp": "behavior", "girp": "response"}


def draft_note(
    template: dict,
    utterances: Sequence[Utterance],
    records: Sequence[Record] = (),
    analysis=None,
    versions: dict | None = None,
) -> Draft:
    cues = Cues()
    gathered = gather(utterances, records, analysis, cues)
    used: set[int] = set()
    sections = []
    fallback = SUMMARY_FALLBACK.get(template["key"], template["sections"][0]["key"])
    for spec in template["sections"]:
        sources = list(spec["sources"])
        if spec["key"] == fallback:
            sources.append("summary_statements")
        sentences = []
        for source in sources:
            for sentence in gathered.get(source, []):
                if id(sentence) not in used:
                    used.add(id(sentence))
                    sentences.append(sentence)
        sections.append(DraftSection(spec["key"], spec["title"], tuple(sentences)))
    return Draft(
        template["key"], template["version"], tuple(sections), versions={"cues": cues.version, **(versions or {})}
    )
