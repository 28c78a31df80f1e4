"""What kind of statement a sentence of a session is, and the whole sentence it is.

The note's sections follow from who said something and what kind of statement it is, not from keywords
alone: the patient's report (Subjective), the clinician's observation of the patient in the room or a
score (Objective), the clinician's formulation (Assessment), an agreed action, homework, the next
appointment or an action decided against (Plan). A typed summary's explicit headings ("Homework:",
"Plan:", "Next session…", "Assessment:") decide before anything else.

Evidence is whole sentences of whole turns: a transcriber's fragments of one speaker are joined first
(``ml.session_risk.assemble_turns``), and nothing is clipped, so a negation ("we won't refer you"), a
third party ("my sister is on lithium") or a decision against stays in the quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ml.session_risk import ENDS_SENTENCE, ends_in_fragment
from ml.text import split_sentences

# Statement kinds.
REPORT, OBSERVATION, SCORE, FORMULATION = "report", "observation", "score", "formulation"
HOMEWORK, NEXT_STEPS, DECIDED_AGAINST, INTERVENTION = "homework", "next_steps", "decided_against", "intervention"
RESPONSE, GOAL, QUESTION, OTHER = "response", "goal", "question", "other"
ACTION = "action"  # something agreed in the session: "let's update your safety plan", "we agreed…"

HEADINGS = [
    (HOMEWORK, re.compile(r"^\s*(homework|hw|between[- ]session tasks?|tasks?)\s*[:\-–]", re.I)),
    (NEXT_STEPS, re.compile(r"^\s*(plan|next steps?|follow[- ]?up|referrals?)\s*[:\-–]", re.I)),
    (
        NEXT_STEPS,
        re.compile(r"^\s*(next (session|appointment|meeting|visit)|see (her|him|them|client) (next|on))\b", re.I),
    ),
    (FORMULATION, re.compile(r"^\s*(assessment|formulation|impression|clinical impression)\s*[:\-–]", re.I)),
    (INTERVENTION, re.compile(r"^\s*(interventions?|techniques?|in session)\s*[:\-–]", re.I)),
    (
        OBSERVATION,
        re.compile(r"^\s*(objective|observed|observations?|mse|mental state|presentation|affect)\s*[:\-–]", re.I),
    ),
    (
        REPORT,
        re.compile(
            r"^\s*(subjective|presenting|reports?|history|reasons? for living|protective factors?)\s*[:\-–]", re.I
        ),
    ),
]
# The clinician describing the patient as they are in the room (or a summary doing so).
OBSERVED = re.compile(
    r"\b(you|you're|you are) (seem|seemed|look|looked|appear|appeared|sound)\b|"
    r"\b(i notice|i noticed|i can see) (that )?(you|your)\b|"
    r"\byou're (making|speaking|smiling|holding|sitting|fidgeting|breathing|tearful|crying|shaking)\b|"
    r"\byour (speech|breathing|voice|eye contact|posture|hands) (is|was|are|were|got|seems?|has)\b|"
    r"^\s*(appeared|appears|presented|presents|observed|was observed|looked|seemed)\b|"
    r"^\s*(speech|affect|eye contact|mood appeared|breathing|voice)\b|"
    r"\b(good|poor|fleeting|reduced) eye contact\b|\btearful\b|"
    r"\b(holding|rubbing|covering|touching|picking at|wringing|clenching|tapping) your (sleeves?|hands?|arms?|"
    r"wrists?|face|jaw|fists?|foot|feet|fingers)\b",
    re.I,
)
INSTRUMENT = re.compile(
    r"\b((phq|gad|pcl|core)([- ]?(9|nine|7|seven|5|five|10|ten))?|isi|insomnia severity index|ors|srs|audit|epds|"
    r"wsas|k10)\b",
    re.I,
)
NUMBER = re.compile(
    r"\b(\d{1,3}|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty(?:\s?[- ]\s?(?:one|two|three|four|five|six|seven|eight|nine))?)\b",
    re.I,
)
WORD_NUMBERS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
}
FORMULATED = re.compile(
    r"\b((it )?sounds like|i think|i wonder (if|whether)|i'?m wondering (if|whether)|it seems (to me|like|that|as if)|"
    r"what i'?m hearing|my (sense|impression) is|(this|that) (keeps|maintains|is keeping)|formulation|"
    r"the pattern (is|seems)|(are|is) feeding (each other|into)|vicious (circle|cycle)|"
    r"keeps? (the|your|it|this|that)( \w+)? going)\b",
    re.I,
)
# A typed summary's observation written without a subject ("Hands shaking, appears very tired.",
# "Sitting on edge of chair, tapping foot."), or with the client as the one observed.
SUMMARY_OBSERVED = re.compile(
    r"^\W*(\w+ )?(shaking|trembling|tapping|fidgeting|sitting|slumped|pacing|yawning|crying|tearful|restless|"
    r"agitated|dishevelled|unkempt|flat|tense|guarded)\b|"
    r"^\W*(the )?(client|patient|pt|she|he|they) "
    r"(appeared|appears|presented|presents|looked|looks|seemed|was observed)\b|"
    r",\s*(appears|appeared|looks|looked|presents|presented)\b",
    re.I,
)
# A typed summary's report of what the client did or said ("Client completed exposure: …"): a report,
# even when it names a technique.
SUMMARY_REPORTED = re.compile(
    r"^\W*(the )?(client|patient|pt|she|he|they) (also )?(reports?|reported|completed|did|managed|tried|said|says|"
    r"describes?|described|went|spoke|attended|practi[sc]ed)\b",
    re.I,
)
# Actions decided against: the decision, not the action, is the fact.
AGAINST = re.compile(
    r"\b(won't|will not|not going to|decided against|decided not to|agreed not to|agreed we won't|no need to|"
    r"hold off on|holding off|not (to )?(start|refer|change|increase|tell|inform))\b|\bwill not be\b",
    re.I,
)
ACTION_WORDS = re.compile(
    r"\b(refer\w*|medication|start|session|sessions|tell|inform\w*|change|increase|joint|couples|psychiatr\w*|"
    r"employer|doctor|gp|prescri\w*|frequency|admission|blockers?)\b",
    re.I,
)
AGREED = re.compile(
    r"^\W*(?:(?:so|okay|ok|right|now|and),?\s+)*(let's|let us|we'll|we will|we agreed|we've agreed|i'll|i will|"
    r"shall we|we're going to|we are going to|agreed)\b",
    re.I,
)
THIRD_PARTY = re.compile(
    r"\b(he|she|they|his|her|their|my (partner|husband|wife|boyfriend|girlfriend|sister|brother|mum|mom|mother|dad|"
    r"father|friend|flatmate|roommate|boss|manager|son|daughter|colleague|neighbour)|partner|flatmate|husband|wife)\b",
    re.I,
)
NON_ALCOHOLIC = re.compile(r"\b(water|tea|coffee|juice|squash|something to drink|drink something|soft drink)\b", re.I)


@dataclass(frozen=True)
class Unit:
    """One whole sentence of one speaker's turn, with the utterances it came from."""

    speaker: str
    text: str
    indices: tuple[int, ...]
    start: float | None
    end: float | None
    heading: str | None = None  # kind carried from a typed heading earlier in the same line


def _get(u, name, default=None):
    return u.get(name, default) if isinstance(u, dict) else getattr(u, name, default)


# A sentence that is only a count ("Three.", "3.") means nothing on its own: it answers a question, and
# the speaker's next sentence says what it counts ("3. All of them in the supermarket."), so the two stay
# one sentence of evidence. (A bare "No." is left alone: joined, it could read as negating what follows.)
BARE_COUNT = re.compile(rf"^\W*(?:{NUMBER.pattern})\W*$", re.I)


def _joined_bare_counts(spans: list) -> list[tuple[int, int, str]]:
    """(start, end, text) of ``split_sentences`` spans, each bare count joined with the sentence after it."""
    out: list[tuple[int, int, str]] = []
    pending = None
    for span in spans:
        if pending is not None:
            out.append((pending.start, span.end, f"{pending.text} {span.text}"))
            pending = None
        elif BARE_COUNT.match(span.text):
            pending = span
        else:
            out.append((span.start, span.end, span.text))
    if pending is not None:
        out.append((pending.start, pending.end, pending.text))
    return out


def sentence_units(utterances: Sequence) -> list[Unit]:
    """Whole sentences of whole turns: one speaker's consecutive segments are joined where a segment
    does not end a sentence (or ends in a clause whose verb still wants its object: "I never
    thought."), then split into sentences; each keeps the utterances it spans."""
    units: list[Unit] = []
    run: list = []

    def flush():
        if not run:
            return
        speaker = _get(run[0], "speaker")
        text, pieces = "", []  # (offset in text, utterance)
        for u in run:
            piece = str(_get(u, "text", "")).strip()
            if not piece:
                continue
            if text and (not ENDS_SENTENCE.search(text) or piece[:1].islower() or ends_in_fragment(text)):
                text = text.rstrip().rstrip(".,") + " "
            elif text:
                text += " "
            pieces.append((len(text), u))
            text += piece
        heading = None
        for start, end, sentence in _joined_bare_counts(split_sentences(text)):
            covered = [u for offset, u in pieces if offset < end and offset + len(str(_get(u, "text"))) > start]
            covered = covered or [pieces[-1][1]]
            starts = [_get(u, "start") for u in covered if _get(u, "start") is not None]
            ends = [_get(u, "end") for u in covered if _get(u, "end") is not None]
            own = heading_kind(sentence)
            if speaker == "summary" and own is not None:
                heading = own
            units.append(
                Unit(
                    speaker,
                    sentence.strip(),
                    tuple(int(_get(u, "index")) for u in covered),
                    min(starts) if starts else None,
                    max(ends) if ends else None,
                    heading if speaker == "summary" and own is None else None,
                )
            )
        run.clear()

    for u in utterances:
        if run and (_get(u, "speaker") != _get(run[-1], "speaker") or _get(u, "speaker") == "summary"):
            flush()
        run.append(u)
    flush()
    return units


def heading_kind(text: str) -> str | None:
    for kind, pattern in HEADINGS:
        if pattern.search(text):
            return kind
    return None


def strip_heading(text: str) -> str:
    """The sentence without its typed heading ("Homework: walk daily" -> "walk daily"); a sentence
    without a known heading is returned as it is."""
    if heading_kind(text) in (None, NEXT_STEPS) or re.match(r"^\s*(reasons?|protective)", text, re.I):
        return text
    return re.sub(r"^\s*[A-Za-z][A-Za-z /-]{0,30}\s*[:\-–]\s+", "", text, count=1)


def spoken_score(text: str) -> tuple[str, int] | None:
    """("PHQ-9", 16) from "You scored sixteen on the PHQ-9" or "PHQ-9 today 16"."""
    instrument = INSTRUMENT.search(text)
    if instrument is None:
        return None
    number = NUMBER.search(text[: instrument.start()] + " " + text[instrument.end() :])
    if number is None:
        return None
    word = " ".join(number.group(0).lower().replace("-", " ").split())
    if word.isdigit():
        value = int(word)
    elif word.startswith("twenty "):
        value = 20 + WORD_NUMBERS[word.split()[1]]
    else:
        value = WORD_NUMBERS[word]
    return canonical_instrument(instrument.group(0)), value


def canonical_instrument(name: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", name.lower()).replace("nine", "9").replace("seven", "7")
    names = {"phq9": "PHQ-9", "phq": "PHQ-9", "gad7": "GAD-7", "gad": "GAD-7", "insomniaseverityindex": "ISI"}
    return names.get(key, name.upper())


def kind_of(unit: Unit, cues) -> str:
    """The statement kind of one sentence. ``cues`` is ``ml.notes.Cues`` (homework, next steps,
    interventions, assessment, goals and response phrases)."""
    text = unit.text
    by_clinician = unit.speaker in ("clinician", "summary")
    if unit.speaker == "summary":
        heading = heading_kind(text)
        if heading is not None and heading != NEXT_STEPS:
            return heading
        if heading == NEXT_STEPS and not (AGAINST.search(text) and ACTION_WORDS.search(text)):
            return NEXT_STEPS
    if by_clinician and AGAINST.search(text) and ACTION_WORDS.search(text):
        return DECIDED_AGAINST
    if by_clinician and cues.matches("homework", text):
        return HOMEWORK
    if by_clinician and cues.matches("next_steps", text):
        return NEXT_STEPS
    if by_clinician and spoken_score(text) is not None:
        return SCORE
    if by_clinician and OBSERVED.search(text) and not FORMULATED.search(text):
        return OBSERVATION
    if unit.speaker == "summary" and SUMMARY_OBSERVED.search(text) and not FORMULATED.search(text):
        return OBSERVATION
    if by_clinician and (cues.matches("clinician_assessment", text) or FORMULATED.search(text)):
        return FORMULATION
    if unit.speaker == "summary" and SUMMARY_REPORTED.search(text):
        return REPORT
    if by_clinician and cues.intervention(text):
        return INTERVENTION
    if by_clinician and AGREED.search(text):
        return ACTION
    if unit.speaker == "summary" and unit.heading is not None:
        return unit.heading
    if unit.speaker == "clinician" and text.rstrip().endswith("?"):
        return QUESTION
    if cues.matches("goals", text):
        return GOAL
    if unit.speaker == "patient" and cues.matches("patient_response", text):
        return RESPONSE
    if unit.speaker in ("patient", "summary", "unknown", "other"):
        return REPORT
    return OTHER


FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|i'll|me|my|myself)\b", re.I)
SUBJECT_I = re.compile(r"\b(i|i'm|i've|i'd|i'll)\b", re.I)


def theme_is_about_the_patient(sentence: str, category: str, start: int) -> bool:
    """A theme needs the patient as its subject: "he drinks every night" is the partner's, and "I carry a
    bottle of water" is not substance use."""
    before = sentence[:start]
    clause = re.split(r"[,;.]|\band\b|\bbut\b", before)[-1]
    if THIRD_PARTY.search(clause) and not SUBJECT_I.search(clause):
        return False  # "my flatmate drinks": "my" names the flatmate, not the speaker, as the subject
    if THIRD_PARTY.search(before) and not FIRST_PERSON.search(sentence):
        return False  # "Partner drinks every night and picks fights when drinking"
    return not (category == "substance_use" and NON_ALCOHOLIC.search(sentence))
