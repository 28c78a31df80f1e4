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
from dataclasses import dataclass, field, replace
from pathlib import Path

from ml import note_statements as statements

DATA = Path(__file__).resolve().parent / "data"
ENGINE = "interlude-evidence-drafter"
ENGINE_VERSION = "1.0"
NOT_DISCUSSED = "Not discussed."


@dataclass(frozen=True)
class Utterance:
    index: int
    speaker: str  # clinician | patient | other | unknown
    text: str
    start: float | None = None  # seconds into the recording (None for typed text)
    end: float | None = None
    line: int | None = None  # a typed summary's line (its headings speak for the rest of the line)


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
    # A clinician-review item (source ``risk_review``): {level, reason, utterances, detector source, score}.
    review: dict | None = None


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
        "observations",
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
    """The whole sentence, never clipped: a cut can remove what made it untrue of the patient."""
    return text.strip().rstrip(".")


def _evidence(u) -> tuple[Evidence, ...]:
    return tuple(Evidence("utterance", str(i), u.start, u.end) for i in u.indices)


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


def _stored_scores(records: Sequence[Record]) -> dict[str, tuple[int, Record]]:
    out = {}
    for record in records:
        score = statements.spoken_score(record.text, stored=True)
        if score is not None:
            out[score[0]] = (score[1], record)
    return out


# Why a finding waits for the clinician rather than alerting (``ml.risk_review``), as the draft says it.
REVIEW_REASONS = {
    "clarified": "the patient said no when asked about it at this level",
    "learned_weak_ordinary_turn": "a weak learned-stage plan reading of an answer to a question not about risk",
    "learned_elliptical_answer": "the learned stage's reading of a short answer to a question not about risk",
    "learned_clinician_prose": "the learned stage's reading of the clinician's own formulation, observation or plan",
    "learned_weak_summary_plan": "a weak learned-stage plan reading, with no means, method or time, in the summary",
    "clinician_called_it_a_saying": "the learned stage's reading of quoted words the clinician called a saying",
    "learned_in_denying_answer": "the learned stage's reading of the patient's own \u201cno\u201d to a risk question",
    "learned_without_risk_words": "a learned-stage reading naming nothing of risk, which the clinician did not take up",
    "learned_question_without_risk_words": "an answer read at the level of a question that names nothing of risk",
}


def _utterance_before(utterances: Sequence[Utterance], index: int) -> Utterance | None:
    """The utterance just before the one with ``index``, in the order given."""
    previous = None
    for u in utterances:
        if u.index == index:
            return previous
        previous = u
    return None


def _reply_to_proposal(units, kinds, n: int, most: int = 2) -> tuple[object | None, list[int]]:
    """The patient's reply to the clinician's proposal at ``n``, and the clinician's sentences between them
    (at most ``most``, none of them another question): "Could we cut it down to once a day? Maybe one call with
    your mum in the evening." "Once a day. That'll be hard, but I'll try." """
    between: list[int] = []
    for k in range(n + 1, min(len(units), n + 2 + most)):
        if units[k].speaker == "patient":
            return units[k], between
        if units[k].speaker != "clinician" or kinds[k] == statements.QUESTION or units[k].text.rstrip().endswith("?"):
            return None, []
        between.append(k)
    return None, []


def _said_before_in_turn(units, n: int, most: int = 2) -> list[int]:
    """The speaker's sentences just before ``n`` in the same turn (at most ``most``)."""
    out: list[int] = []
    k = n - 1
    while k >= 0 and units[k].speaker == units[n].speaker and len(out) < most:
        if len(units[k].text.split()) > 2:  # not "Yeah." or "Okay, fine."
            out.insert(0, k)
        k -= 1
    return out


def _patient_turn_text(units, k: int, most: int = 3) -> str:
    """The patient's sentences from ``k`` on, up to the next speaker (at most ``most``)."""
    parts = []
    while k < len(units) and units[k].speaker == "patient" and len(parts) < most:
        parts.append(units[k].text)
        k += 1
    return " ".join(parts)


def _risk_sentences(utterances: Sequence[Utterance], screen) -> dict[str, list[DraftSentence]]:
    """The note's risk statements are the alert path's own findings (``ml.session_risk``), quoted whole:
    ``risk`` for those that alert, ``risk_review`` for those the clinician must confirm or dismiss before
    signing (each carries its ``review`` item; none is dropped)."""
    by_index = {u.index: u for u in utterances}
    out: dict[str, list[DraftSentence]] = {"risk": [], "risk_review": []}
    seen = set()
    ordered = sorted(screen.findings, key=lambda f: f.tier != "alert")  # an alert wins over a review item
    for finding in ordered:
        key = (finding.level, finding.utterances)
        if key in seen or finding.level == "none":
            continue
        seen.add(key)
        quoted = _quote(" ".join(by_index[i].text.strip() for i in finding.utterances if i in by_index))
        label = finding.level.replace("_", " ")
        if finding.basis == "answer_to_question":
            label += ", an answer to the clinician's question"
        elif finding.basis == "unconfirmed_speaker":
            label += ", speaker not confirmed"
        before = _utterance_before(utterances, finding.utterances[0]) if finding.utterances else None
        if (
            before is not None
            and before.speaker == "clinician"
            and statements.answers_about_someone(quoted, before.text)
        ):
            # "How is your sister getting on?" "She's okay. She's on those anti-sickness tablets…": whose they are
            label += f", asked \u201c{_quote(before.text)}?\u201d".replace("??", "?")
        evidence = tuple(Evidence("utterance", str(i), finding.start, finding.end) for i in finding.utterances)
        if finding.tier == "alert":
            out["risk"].append(DraftSentence(f"Risk language ({label}): \u201c{quoted}\u201d.", "risk", evidence))
            continue
        item = {
            "level": finding.level,
            "reason": finding.review_reason,
            "utterances": list(finding.utterances),
            "detector": finding.source,
            "score": finding.score,
        }
        out["risk_review"].append(review_sentence(item, label, quoted, evidence))
    return out


def review_sentence(item: dict, label: str, quoted: str, evidence: tuple[Evidence, ...]) -> DraftSentence:
    """The draft's sentence for one clinician-review item (``ml.risk_review``), carrying the item."""
    why = REVIEW_REASONS.get(item["reason"], item["reason"].replace("_", " "))
    return DraftSentence(
        f"Clinician review needed before signing: possible risk language ({label}; not alerted: {why}): "
        f"\u201c{quoted}\u201d. Confirm to raise an alert, or dismiss.",
        "risk_review",
        evidence,
        item,
    )


def with_review_items(template: dict, draft: Draft, review: Sequence[DraftSentence]) -> Draft:
    """``draft`` with ``review`` sentences first in the first section that holds risk statements."""
    if not review:
        return draft
    at = next((i for i, spec in enumerate(template["sections"]) if "risk" in spec["sources"]), 0)
    sections = list(draft.sections)
    sections[at] = DraftSection(sections[at].key, sections[at].title, (*review, *sections[at].sentences))
    return Draft(
        draft.template, draft.template_version, tuple(sections), draft.engine, draft.engine_version, draft.versions
    )


def _answers(unit, previous) -> bool:
    """Whether ``unit`` is a patient's elliptical answer to the clinician's question just before it
    ("Fifty milligrams, since August." to "Are you still taking the sertraline?"): such an answer is
    quoted with its question, which says what it is about."""
    if previous is None or unit.speaker != "patient" or previous.speaker != "clinician":
        return False
    if not previous.text.rstrip().endswith("?"):
        return False
    # "How's your sister doing?" "She's okay. She's on those anti-sickness tablets…": who "she" is, is the question's
    return statements.is_elliptical(unit.text) or statements.answers_about_someone(unit.text, previous.text)


# Saying what will be done, not how things are: "Today let's write a safety plan together…"
PROPOSES_DOING = re.compile(
    r"\b(?:let'?s|let us|we'?ll|we will|i'?ll|i will|i'?d like|we'?re going to|shall we)\b", re.I
)
REFERS_BACK_IN_QUESTION = re.compile(r"\b(?:it|that|this|they|them|those|these|there)\b", re.I)
# Said to acknowledge, not to say what a question is about: "Thank you for telling me.", "That sounds exhausting."
ACKNOWLEDGES = re.compile(
    r"^\W*(?:(?:and|so|okay|ok|right|well|oh),?\s+)*(?:thank(?:s| you)\b|i'?m (?:so |really )?sorry\b|sorry\b|"
    r"that (?:sounds|must|'s a lot|is a lot|'s hard|'s tough|'s really)|"
    r"that's (?:a lot|hard|tough|really|fine|okay|ok|good|great|understandable)|"
    r"it sounds (?:really |so )?(?:hard|tough|difficult|exhausting|awful|upsetting)|of course\b|i see\b|"
    r"fair enough\b|(?:okay|ok|right|good|great|alright)\W*$)",
    re.I,
)


def _with_what_it_refers_to(question, before):
    """The question, read with the clinician's sentence before it in the same turn when the question is short
    and says what it asks about only by a pronoun ("How much do you believe it right now?")."""
    if (
        before.speaker != question.speaker
        or before.text.rstrip().endswith("?")
        or ACKNOWLEDGES.match(before.text)
        or len(question.text.split()) > 10
        or not REFERS_BACK_IN_QUESTION.search(question.text)
    ):
        return question
    return replace(
        question, text=f"{before.text} {question.text}", indices=tuple(sorted({*before.indices, *question.indices}))
    )


def _follows_question(unit, previous) -> bool:
    """Whether ``unit`` is a patient's answer (of any length) to the clinician's question just before it
    (a request for a rating is one even where the transcriber ended it with a full stop)."""
    return (
        previous is not None
        and unit.speaker == "patient"
        and previous.speaker == "clinician"
        and (previous.text.rstrip().endswith("?") or statements.asks_for_rating(previous.text))
    )


# The clinician's statements quoted as one when said over consecutive sentences of a turn: (section source,
# the note's label).
_CLINICIAN_RUNS = {
    statements.FORMULATION: ("clinician_assessment", "Clinician: {}."),
    statements.OBSERVATION: ("observations", "Observed: {}."),
    statements.HOMEWORK: ("homework", "Homework: {}."),
}


def _clinician_sentence(kind: str, quotes: Sequence[str], ev: tuple[Evidence, ...]) -> DraftSentence:
    source, label = _CLINICIAN_RUNS[kind]
    return DraftSentence(label.format(". ".join(quotes)), source, ev)


def _report_sentence(quotes: Sequence[str], asked, ev: tuple[Evidence, ...]) -> DraftSentence:
    said = ". ".join(quotes)
    if asked is not None:
        text = f"Patient, asked \u201c{_quote(asked.text)}?\u201d: \u201c{said}\u201d.".replace("??", "?")
    else:
        text = f"Patient reported: \u201c{said}\u201d."
    return DraftSentence(text, "patient_statements", ev)


def _score_sentence(u, quote: str, asked, stored, ev) -> DraftSentence:
    """A score or rating said in the session, labelled with its instrument and value, and set against
    the stored score of the same instrument when they differ (both shown)."""
    named = statements.spoken_score(u.text)
    if named is None and asked is not None:
        named = statements.spoken_score(f"{asked.text} {u.text}")
    heard = statements.misheard_score(u.text, list(stored)) if named is None else None
    if heard is not None:
        named = heard[:2]
        quote = f"{quote}; the instrument heard as \u201c{heard[2]}\u201d"
    rating = None if named is not None else statements.spoken_rating(u.text, asked=asked.text if asked else "")
    if u.speaker == "summary":
        label = "Score in the clinician's summary"
    elif u.speaker == "patient":
        label = "Stated by the patient"
    else:
        label = "Stated in session"
    option = statements.item_answer(u.text, asked.text if asked else "") if not (named or rating) else None
    name, value = named or rating or (("questionnaire item", option) if option else ("score", None))
    shown = f"{name} {value}" if value is not None else name
    said = f"asked \u201c{_quote(asked.text)}?\u201d, answered \u201c{quote}\u201d" if asked else f"\u201c{quote}\u201d"
    said = said.replace("??", "?")
    if u.speaker == "summary":
        sentence = f"{label}: {quote}."
    else:
        sentence = f"{label}: {shown} ({said})."
    if named is not None and name in stored and stored[name][0] != value:
        sentence += (
            f" This differs from the stored {name} score ({stored[name][1].text}); both are shown, "
            "check which is current."
        )
    return DraftSentence(sentence, "measures", ev)


SOURCE_KEYS = (
    "patient_statements",
    "themes",
    "measures",
    "observations",
    "risk",
    "clinician_assessment",
    "interventions",
    "homework",
    "next_steps",
    "goals",
    "patient_response",
    "summary_statements",
    "risk_review",
)


def gather(
    utterances: Sequence[Utterance],
    records: Sequence[Record],
    analysis=None,
    cues: Cues | None = None,
    *,
    speakers_confirmed: bool = True,
    risk=None,
) -> dict[str, list[DraftSentence]]:
    """Evidence sentences per source, from whole sentences classified by speaker and statement kind
    (``ml.note_statements``). ``analysis`` is an optional callable text -> ml.analysis.TextAnalysis
    (themes from the patient's words; risk through the same session screen as the alert path, with
    ``risk``, a callable text -> ml.risk.RiskResult, when given: cheaper than a full analysis)."""
    cues = cues or Cues()
    out: dict[str, list[DraftSentence]] = {k: [] for k in SOURCE_KEYS}
    units = statements.sentence_units(utterances)
    stored = _stored_scores(records)
    kinds = [statements.kind_of(u, cues) for u in units]
    rejected = statements.options_decided_against(
        [u.text for u, kind in zip(units, kinds, strict=True) if kind == statements.DECIDED_AGAINST]
    )
    seen: set[str] = set()
    reports = []  # what the patient said, or the summary reports of them: where themes come from
    previous = None  # the unit before, for question -> answer and plan context
    plan_under_way = False  # the clinician's last statement set homework or an agreed action
    formulating = False  # the clinician's last sentence, with no one speaking since, was a formulation
    told: dict | None = None  # the patient's report being quoted, while their turn goes on reporting
    run: dict | None = None  # the clinician's formulation, observation or homework, while their turn goes on with it
    observing = False  # the clinician announced what they noticed ("I noticed something while we talked.")
    last_clinician_kind = None  # the kind of the clinician's last sentence, for a patient's commitment after it
    folded: set[int] = set()  # clinician sentences quoted inside an agreed proposal's sentence
    rating_asked = None  # the clinician's last request for a rating in this session
    recapped = False  # this sentence is the clinician going over the ratings just given
    for n, (u, kind) in enumerate(zip(units, kinds, strict=True)):
        asked = previous if _answers(u, previous) else None
        question = previous if _follows_question(u, previous) else None
        if question is not None and n >= 2:
            # "…you rated the belief that your worrying is uncontrollable at ninety percent. How much do you
            # believe it now?": a short question about "it" is quoted with the sentence that says what "it" is.
            question = _with_what_it_refers_to(question, units[n - 2])
            asked = question if asked is not None else None
        previous = u
        if n in folded:
            continue
        reply = units[n + 1] if n + 1 < len(units) and units[n + 1].speaker == "patient" else None
        then: list[int] = []  # the clinician's sentences between a proposal and the patient's reply to it
        if u.speaker == "patient" and kind == statements.QUESTION and question is not None:
            if not statements.ASKS_BACK.match(u.text):
                kind = statements.REPORT  # "Maybe twenty, thirty times a day?": an unsure answer, not a question
                asked = question if statements.is_elliptical(u.text) else asked
        proposes = (
            statements.PROPOSAL.search(u.text)
            or statements.APPOINTMENT_ASK.search(u.text)
            or statements.REQUEST_ACTION.search(u.text)
        )
        if u.speaker == "clinician" and kind == statements.QUESTION and proposes:
            reply, then = _reply_to_proposal(units, kinds, n)
        answer = _patient_turn_text(units, n + 1 + len(then)) if reply is not None else ""  # the reply's whole turn
        if u.speaker == "clinician" and kind == statements.QUESTION and reply is not None:
            if proposes and statements.DECLINES.match(reply.text):
                kind = statements.DECIDED_AGAINST
            elif proposes and (statements.AFFIRMS.match(reply.text) or statements.ACCEPTS.search(answer)):
                kind = statements.ACTION  # "Would you be okay if I spoke to your GP…?" "Yes."
                folded.update(then)  # "Could we cut it down to once a day? Maybe one call with your mum…"
        if u.speaker == "clinician":
            if (
                kind == statements.OTHER
                and plan_under_way
                and (statements.is_instruction(u.text) or statements.is_plan_item(u.text))
            ):
                # "And in the corridor, take your headphones out." after homework; "Same time every day,
                # seven o'clock." after "Let's make a sleep plan."
                kind = statements.HOMEWORK
            elif kind == statements.OTHER and statements.ORDINAL.match(u.text) and statements.is_plan_item(u.text):
                kind = statements.HOMEWORK  # "First, the attention switching exercise twice a day."
            elif kind == statements.OTHER and statements.ANNOUNCED.match(u.text):
                kind = statements.FORMULATION  # "So here's how I'm seeing it. <the reading>", joined as one
            elif (
                (kind == statements.OTHER or (kind == statements.INTERVENTION and not PROPOSES_DOING.search(u.text)))
                and formulating
                and not statements.ABOUT_SOMEONE.match(u.text)
                and not statements.is_instruction(u.text)
            ):
                # "Here's how I understand it. <formulation>. <more of it>": a formulation goes on over the
                # sentences of the clinician's turn that are nothing else and are not about someone else.
                kind = statements.FORMULATION
            elif (
                kind == statements.OTHER
                and observing
                and not statements.ABOUT_SOMEONE.match(u.text)
                and not statements.is_instruction(u.text)
            ):
                # "I noticed something while we were talking. Twice you reached up towards your eyebrow…"
                kind = statements.OBSERVATION
            plan_under_way = kind in (statements.HOMEWORK, statements.ACTION) or (
                plan_under_way and kind in (statements.OTHER, statements.INTERVENTION)
            )
            formulating = kind == statements.FORMULATION or (statements.ASKS_TO_FORMULATE.search(u.text) is not None)
            observing = kind == statements.OBSERVATION  # "I can see some marks on your arm. A couple look fresh."
            recapped = kind == statements.OTHER and rating_asked is not None and statements.recaps_ratings(u.text)
            if recapped:
                kind = statements.SCORE  # "…from seventy-five down to thirty-five."
            if statements.asks_for_rating(u.text) or (
                kind == statements.QUESTION and statements.RATING_ASK.search(u.text) is not None
            ):
                rating_asked = u
            last_clinician_kind = kind
        else:
            recapped = False
            formulating = observing = False
            if (
                u.speaker == "patient"
                and kind == statements.REPORT
                and last_clinician_kind in (statements.HOMEWORK, statements.ACTION, statements.NEXT_STEPS)
                and statements.COMMITMENT.match(u.text)
            ):
                kind = statements.ACTION  # "I'll tell Karen." after "I'd like you to tell Karen tonight"
            if u.speaker == "patient":
                last_clinician_kind = None
        if kind not in (statements.SCORE, statements.DECIDED_AGAINST, statements.HOMEWORK, statements.NEXT_STEPS) and (
            statements.misheard_score(u.text, list(stored)) is not None
        ):
            kind = statements.SCORE
        rating = statements.spoken_rating(u.text, asked=question.text) if question is not None else None
        if rating is not None and statements.RATING_ASK.search(question.text):
            kind, asked = statements.SCORE, question  # a rating asked for, whatever the answer's length
        if question is not None and statements.item_answer(u.text, question.text) is not None:
            kind, asked = (
                statements.SCORE,
                question,
            )  # "Over the last two weeks, how often…?" "More than half the days."
        if kind in (statements.REPORT, statements.RESPONSE) and u.speaker in ("patient", "summary"):
            reports.append(u)
        text = statements.strip_heading(u.text) if u.speaker == "summary" else u.text
        quote = _quote(text)
        # The same words said twice are quoted once, unless they answer a different question ("Yeah." to "Did
        # you take the diazepam?" is not the "Yeah." said to the question before).
        key = quote.lower() if asked is None else f"{quote.lower()}\n{asked.text.lower()}"
        if not quote or key in seen:
            continue
        seen.add(key)
        ev = _evidence(u)
        if asked is not None:
            ev = _evidence(asked) + ev
        if kind == statements.DECIDED_AGAINST and quote.endswith("?") and reply is not None:
            sentence = f"Declined by the patient: \u201c{quote}\u201d (patient: \u201c{_quote(reply.text)}\u201d)."
            out["next_steps"].append(DraftSentence(sentence, "next_steps", ev + _evidence(reply)))
        elif kind == statements.DECIDED_AGAINST:
            out["next_steps"].append(DraftSentence(f"Decided against: \u201c{quote}\u201d.", "next_steps", ev))
        elif kind in _CLINICIAN_RUNS and u.speaker == "clinician":
            # One statement said over several sentences of a turn ("They keep you feeling safe. But they stop
            # you finding out… So they keep the fear going.") is quoted whole, as the patient's reports are.
            source, _ = _CLINICIAN_RUNS[kind]
            if run is not None and run["kind"] == kind and run["until"] == n - 1:
                run["quotes"].append(quote)
                run["ev"] += tuple(e for e in ev if e not in run["ev"])
            else:
                run = {"kind": kind, "quotes": [quote], "ev": ev, "at": len(out[source])}
                out[source].append(None)
            run["until"] = n
            out[source][run["at"]] = _clinician_sentence(kind, run["quotes"], run["ev"])
        elif kind == statements.HOMEWORK:
            out["homework"].append(DraftSentence(f"Homework: {quote}.", "homework", ev))
        elif kind == statements.NEXT_STEPS:
            out["next_steps"].append(DraftSentence(f"Next steps: {quote}.", "next_steps", ev))
        elif kind == statements.ACTION and u.speaker == "patient":
            before = _said_before_in_turn(units, n) if statements.REFERS_ONWARD.search(u.text) else []
            said = " ".join([*(units[k].text for k in before), f"{quote}."]).rstrip(".")
            ev = tuple(e for k in before for e in _evidence(units[k])) + ev
            out["next_steps"].append(DraftSentence(f"Patient agreed: \u201c{said}\u201d.", "next_steps", ev))
        elif kind == statements.ACTION and quote.endswith("?") and reply is not None:
            if n >= 1 and units[n - 1].speaker == u.speaker and kinds[n - 1] == statements.OTHER:
                # "I'd like to let your GP know about the cutting. Would you be okay with me doing that?"
                quote = _quote(_with_what_it_refers_to(u, units[n - 1]).text)
            for k in then:
                quote = f"{quote} {_quote(units[k].text)}."
                ev = ev + _evidence(units[k])
            ev = ev + _evidence(reply)
            label = "Next appointment agreed" if statements.is_appointment(u.text) else "Agreed"
            sentence = f"{label}: {quote} (patient: \u201c{_quote(answer)}\u201d)."
            out["next_steps"].append(DraftSentence(sentence, "next_steps", ev))
        elif kind == statements.ACTION:
            end = "" if quote.endswith("?") else "."
            label = "Next appointment agreed" if statements.is_appointment(u.text) else "Agreed"
            out["next_steps"].append(DraftSentence(f"{label}: {quote}{end}", "next_steps", ev))
        elif kind == statements.SCORE and recapped:
            # what was rated is in the request: "…how confident are you, from nought to ten?" … "From two to six."
            sentence = f"Ratings in session: \u201c{quote}\u201d (asked \u201c{_quote(rating_asked.text)}\u201d)."
            sentence = sentence.replace("?\u201d)", "\u201d)").replace("??", "?")
            out["measures"].append(DraftSentence(sentence, "measures", ev))
        elif (
            kind == statements.SCORE
            and u.speaker == "patient"
            and statements.spoken_score(u.text) is None
            and (statements.rating_looks_back(u.text, asked.text if asked is not None else ""))
        ):
            sentence = _score_sentence(u, quote, asked, stored, ev)
            text = sentence.text.replace("Stated by the patient:", "Patient's rating, looking back:", 1)
            out["patient_statements"].append(DraftSentence(text, "patient_statements", ev))
        elif kind == statements.SCORE:
            out["measures"].append(_score_sentence(u, quote, asked, stored, ev))
        elif kind == statements.OBSERVATION:
            out["observations"].append(DraftSentence(f"Observed: {quote}.", "observations", ev))
        elif kind == statements.FORMULATION:
            out["clinician_assessment"].append(DraftSentence(f"Clinician: {quote}.", "clinician_assessment", ev))
        elif kind == statements.INTERVENTION:
            found = cues.intervention(u.text)
            text = f"Intervention: {found[1]} (\u201c{quote}\u201d)." if found else f"Intervention: {quote}."
            out["interventions"].append(DraftSentence(text, "interventions", ev))
        elif kind == statements.GOAL:
            out["goals"].append(DraftSentence(f"Goal discussed: {quote}.", "goals", ev))
        elif kind == statements.RESPONSE:
            out["patient_response"].append(DraftSentence(f"Patient: \u201c{quote}\u201d.", "patient_response", ev))
        elif kind == statements.HYPOTHETICAL:
            out["patient_statements"].append(
                DraftSentence(f"Patient wondered (not a report): \u201c{quote}\u201d.", "patient_statements", ev)
            )
        elif kind == statements.REPORT and u.speaker == "summary":
            out["summary_statements"].append(DraftSentence(f"{quote}.", "summary_statements", ev))
        elif kind == statements.REPORT and statements.mentions_any(u.text, rejected):
            out["patient_statements"].append(
                DraftSentence(
                    f"Patient, on an option decided against in this session: \u201c{quote}\u201d.",
                    "patient_statements",
                    ev,
                )
            )
        elif kind == statements.REPORT and u.speaker == "patient":
            # A turn's reports are quoted together: its sentences explain one another ("I slipped on
            # Saturday, at my cousin's wedding. I had five pints.": the pints are the wedding's).
            if told is not None and told["until"] == n - 1:
                told["quotes"].append(quote)
                told["ev"] += tuple(e for e in ev if e not in told["ev"])
            else:
                told = {"quotes": [quote], "ev": ev, "asked": asked, "at": len(out["patient_statements"])}
                out["patient_statements"].append(None)
            told["until"] = n
            out["patient_statements"][told["at"]] = _report_sentence(told["quotes"], told["asked"], told["ev"])
        elif kind == statements.REPORT:
            out["patient_statements"].append(
                DraftSentence(f"Patient reported: \u201c{quote}\u201d.", "patient_statements", ev)
            )
    if analysis is not None:
        from ml.session_risk import screen_session

        assess = risk or (lambda text: analysis(text).risk)
        screen = screen_session(utterances, assess, speakers_confirmed=speakers_confirmed)
        out.update(_risk_sentences(utterances, screen))
        themes: dict[str, list] = {}
        for u in reports:
            text = as_first_person(u.text) if u.speaker == "summary" else u.text
            for f in analysis(text).triggers:
                if statements.theme_is_about_the_patient(text, f.category, f.start):
                    themes.setdefault(f.category, []).append(u)
        for category, us in sorted(themes.items(), key=lambda kv: -len(kv[1])):
            label = category.replace("_", " ")
            out["themes"].append(
                DraftSentence(
                    f"Theme: {label} ({len(us)} mention{'s' if len(us) > 1 else ''}).",
                    "themes",
                    tuple(e for u in us for e in _evidence(u)),
                )
            )
    for record in records:
        out["measures"].append(
            DraftSentence(f"{record.text} (stored questionnaire).", "measures", (Evidence("record", record.ref),))
        )
    return out


# Typed or dictated summaries: the clinician's sentences go to sections by their cues.
SUMMARY_FALLBACK = {"soap": "subjective", "dap": "data", "birp": "behavior", "girp": "response"}


def draft_note(
    template: dict,
    utterances: Sequence[Utterance],
    records: Sequence[Record] = (),
    analysis=None,
    versions: dict | None = None,
    *,
    speakers_confirmed: bool = True,
    risk=None,
) -> Draft:
    cues = Cues()
    gathered = gather(utterances, records, analysis, cues, speakers_confirmed=speakers_confirmed, risk=risk)
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
    # Nothing said is dropped because a template (a practice's own, say) names no section for its source: it
    # goes to the template's catch-all section, after what is there.
    left = [
        sentence
        for source, items in gathered.items()
        if source != "risk_review"
        for sentence in items
        if id(sentence) not in used
    ]
    if left:
        at = next(i for i, section in enumerate(sections) if section.key == fallback)
        sections[at] = DraftSection(sections[at].key, sections[at].title, (*sections[at].sentences, *left))
    draft = Draft(
        template["key"], template["version"], tuple(sections), versions={"cues": cues.version, **(versions or {})}
    )
    # Shown first, in the first section that holds risk statements, where the clinician cannot miss it.
    return with_review_items(template, draft, gathered.get("risk_review", []))


NOT_ANALYSED_LANGUAGE = "language"


def _cite(u: Utterance) -> Evidence:
    return Evidence("utterance", str(u.index), u.start, u.end)


def not_drafted_sentences(language: str, utterances: Sequence[Utterance]) -> list[DraftSentence]:
    """What a draft says for inputs in a language the drafter has no rules for (it reads English): that
    the sections were not drafted automatically, then the transcript quoted verbatim, each line citing
    its utterance. No fact is extracted from it."""
    every = tuple(_cite(u) for u in utterances)
    out = [
        DraftSentence(
            f"Not drafted automatically: language ({language}). The drafter reads English only; the sections "
            "below could not be drafted from this input. Its transcript is quoted here: read or listen yourself.",
            "not_analysed_language",
            every,
        )
    ]
    for u in utterances:
        text = u.text.strip()
        if text:
            out.append(DraftSentence(f"Transcript ({language}): \u201c{text}\u201d", "transcript", (_cite(u),)))
    return out


def with_languages_not_drafted(draft: Draft, others: dict[str, Sequence[Utterance]]) -> Draft:
    """``draft`` (from the English inputs, possibly none) with the inputs in other languages added as
    ``not_drafted_sentences`` at the top of the first section; every section left empty says it was not
    drafted for that language rather than "Not discussed"."""
    if not others:
        return draft
    codes = sorted(others)
    first, *rest = draft.sections
    notices = [s for code in codes for s in not_drafted_sentences(code, others[code])]
    every = tuple(_cite(u) for code in codes for u in others[code])
    empty = DraftSentence(
        f"Not drafted automatically: language ({', '.join(codes)}). See the transcript quoted in {first.title}.",
        "not_analysed_language",
        every,
    )
    sections = [DraftSection(first.key, first.title, (*notices, *first.sentences))]
    sections += [s if s.sentences else DraftSection(s.key, s.title, (empty,)) for s in rest]
    versions = {**draft.versions, "not_analysed": NOT_ANALYSED_LANGUAGE, "languages_not_drafted": codes}
    return Draft(draft.template, draft.template_version, tuple(sections), draft.engine, draft.engine_version, versions)
