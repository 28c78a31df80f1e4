"""Risk screening of a whole session input: who said it, in whose voice, and what came just before.

``ml.risk`` scores one piece of text. A session is not one piece of text: the transcriber cuts a
sentence in two ("I've never thought | about killing myself"), the clinician asks screening questions
that contain the very words the detector looks for, a patient's "yes" only means something after the
question, and a clinician's typed summary speaks about the patient in the third person ("denies SI",
"she reports thoughts that everyone would be better off without her"). This module turns utterances
into what the detector should read, and nothing else:

- Consecutive utterances of one speaker form a turn; a segment that does not end a sentence is joined
  to the next, so a denial split by the transcriber stays a denial.
- The clinician's speech is never scored as the patient's risk. Questions addressed to the other
  person ("have you thought about killing yourself?") are skipped wherever they appear (typed
  transcripts, or crosstalk putting them on the patient's channel), and a patient-side utterance that
  duplicates what the clinician said at the same moment is crosstalk unless it is in the first person
  (the patient's own words leaking onto the clinician's microphone make the same duplicate).
- When the speaker labels are a machine's guess (voice clusters), first-person statements in turns
  labelled as the clinician's are screened too: a wrong label must not hide a disclosure.
- An affirmative answer ("yes, most nights") to a risk question carries the question's level.
- Clinician-written text is read in the writer's voice: denials ("denies SI", "no thoughts of
  self-harm") are recorded as denials, reports ("patient reports…") are rephrased in the first person
  before scoring, and the patient's quoted words are scored as they are.
- A pet or a person as a reason for living ("I couldn't leave my dog") is a protective factor, not a
  plan: that clause is set aside before a plan is scored.

Every finding names the utterances it rests on (indices and times), never their text; everything set
aside is returned with its reason so a clinician can see what was considered.

Languages (issue 19): the screen reads the input's language. English as above; Spanish with its own
risk rules (the ``assess`` given is the Spanish one) and Spanish speaker cues (questions to "tú/usted",
first person, "niega…" denials, "refiere que…" reports). An answer to a Spanish question is scored on
its own words only: the question is not rephrased as a statement. Other languages are not screened
here: the caller records "not analysed: language" (``LANGUAGES`` lists what is).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ml import risk_review
from ml.risk import RANK, load_lexicon, max_level
from ml.risk_review import ALERT, REVIEW
from ml.text import FIRST_PERSON, PEOPLE, split_sentences

VERSION = "session-risk-1.4"
# The risk lexicon's figures of speech ("I'd rather die than…"): risk words inside one name nothing
# (``risk_review.names_risk``).
IDIOMS = tuple(re.compile(p, re.I) for p in load_lexicon("en")["idioms"])
LANGUAGES = frozenset({"en", "es"})
CLINICIAN, PATIENT, SUMMARY = "clinician", "patient", "summary"
RISK_LEVELS = (*risk_review.IDEATION, "plan_or_intent", "self_harm")
# A clinician's judgement that the risk is raised, in a typed or dictated summary: "risk of suicide is currently
# high", "risk judged raised from baseline", "moderate risk". ("Risk low", "not raised" are not.)
RISK_JUDGED_RAISED = re.compile(
    r"\brisk\b(?:(?! not\b| no\b| low\b)[^.;?!]){0,45}?\b(?:is|was|remains|judged|assessed|considered|rated|felt|as|"
    r"currently|now|has)\s+(?:(?:currently|now|to be|as|still|significantly|somewhat|clearly|been|gone up,?)\s+){0,3}"
    r"(?:high|elevated|raised|significant|increased|imminent|moderate|medium|up)\b|"
    r"\b(?:high|elevated|raised|significant|increased|moderate|medium|imminent)\s+(?:suicide\s+|suicidal\s+)?risk\b",
    re.I,
)
OTHER_RISKS = re.compile(
    r"\b(?:relapse|falls?|infection|weight|pressure sores?|default\w*|harm to others|violence)\b", re.I
)


def judged_raised(text: str) -> bool:
    """Whether a summary line judges the patient's risk (of suicide or self-harm) raised."""
    return any(not OTHER_RISKS.search(m.group(0)) for m in RISK_JUDGED_RAISED.finditer(text))


SECOND_PERSON = re.compile(r"\b(you|your|yours|yourself|you're|you've|you'd|you'll)\b", re.I)
# Someone whose experience a clause states: the writer's "I", or the patient in the third person.
PERSON = re.compile(
    r"\b(i|i'm|i've|i'd|i'll|me|my|myself|mine|patient|client|pt|she|he|they|her|him|them|his|their)\b", re.I
)
ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)]*\s*$")
AFFIRMATIVE = re.compile(
    r"^\W*(yes|yeah|yep|yup|ya|mm+[- ]?hmm+|uh[- ]?huh|i have|i do|i did|i am|i was|i've had|i've thought about it|"
    r"i have thought about it|i think about it|sometimes|occasionally|often|a little|a bit|kind of|sort of|"
    r"at times|every day|most (days|nights)|some (days|nights)|a few times|once or twice|once|twice|honestly,? yes|"
    r"i guess|probably|definitely|all the time|quite a lot|lately)\b",
    re.I,
)
NEGATIVE_START = re.compile(r"^\W*(no|nope|never|not really|not at all|i haven't|i don't|i didn't|nah)\b", re.I)
# The clinician's report of what the patient said or denied.
DENIAL = re.compile(
    r"\b(denie[sd]|denying|negative for|no (current |active |passive |recent |ongoing |previous |prior |past )?"
    r"(suicidal|si\b|thoughts?|ideation|plan|intent|self[- ]?harm|sh\b|history|hx\b|attempts?|overdoses?|od\b)|"
    r"did not (report|endorse|disclose|describe)|does not (report|endorse)|doesn't (report|endorse)|"
    r"not (reporting|endorsing)|nil (si|suicidal|self[- ]?harm|sh\b|hx\b)|never (attempted|self[- ]?harmed)|"
    # a gloss that says what it is not: "'thought I was going to die' = fear of the heart giving out, not SI"
    r"\bnot (si|sh|suicidal (?:ideation|thoughts?|intent)|self[- ]?harm)\b)",
    re.I,
)
REPORT = re.compile(
    r"^\s*(?:(?:the )?(?:patient|client|pt|she|he|they|[A-Z][a-z]+)\s+)?(?:also\s+)?"
    r"(?:reports?|reported|endorses|endorsed|disclosed|discloses|describes|described|admits|admitted|said|says|stated|states|expressed|expresses|acknowledged|"
    r"acknowledges|shared|mentioned|voiced|notes|noted|spoke of|talked about|is having|has had|has been having)\b"
    r"(?:\s+that)?\s*(?P<content>.+)$",
    re.I,
)
# An answer this short, with no one in the first person, that takes up the question's own words ("She must
# be about nine weeks old now." -> "Nine weeks on Friday.") says nothing without it: the learned stage's
# reading of it alone is not the patient's. One that brings its own words ("Not here anymore.") is read.
ELLIPTICAL_WORDS = 6
# The denying words of such a report, removed to read what was denied.
DENYING = re.compile(
    r"\b(denie[sd]|denying|negative for|nil|no|not|did not|does not|doesn't|report|endorse|disclose|describe)\b", re.I
)
CLAUSE_BREAK = re.compile(r";|\s+but\s+|,?\s+however,?\s+|,?\s+although\s+|,?\s+though\s+|,?\s+whereas\s+", re.I)
QUOTED = re.compile(r"[\"“]([^\"”]{3,})[\"”]")
ABBREVIATIONS = [
    (re.compile(r"\bpassive SI\b"), "passive suicidal ideation"),
    (re.compile(r"\bactive SI\b"), "active suicidal ideation"),
    (re.compile(r"\bSI\b"), "suicidal ideation"),
    (re.compile(r"\bNSSI\b|\bSH\b|\bDSH\b"), "self-harm"),
    (re.compile(r"\bOD\b|\bO/D\b"), "overdose"),
]
# "without plan or intent", "no plan": a qualifier of the ideation before it, not a denial of it.
NO_PLAN_QUALIFIER = re.compile(
    r",?\s*\b(with(out)?|no|nil|denies|denied)\s+(a\s+|any\s+|current\s+)?(plan|intent)(\s+(or|and|/)\s+(plan|intent))?\b",
    re.I,
)
# Clinical shorthand a summary uses and speech does not; the detector is tuned on speech.
CLINICAL_TERMS = [
    ("plan_or_intent", re.compile(r"\b(suicid\w* plan|plan to (kill|end)|with (a )?plan|intent to (act|die))\b", re.I)),
    (
        "self_harm",
        re.compile(
            r"\b(self[- ]?harm\w*|cutting|cut (her|him|them)sel(f|ves)|burn\w* (her|him|them)sel(f|ves))\b", re.I
        ),
    ),
    (
        "passive_ideation",
        re.compile(
            r"\b(passive (suicidal )?(ideation|thoughts?)|thoughts of (death|dying|being dead|not being here)|"
            r"death wish|wish(es|ed)? (to be dead|to die|(s?he|they) (was|were) dead|not to wake up))",
            re.I,
        ),
    ),
    (
        "active_ideation",
        re.compile(
            r"\b(active suicidal|suicidal (ideation|thoughts?)|"
            r"thoughts of (suicide|killing|ending (her|his|their) life))",
            re.I,
        ),
    ),
]
PASSIVE_TERM = next(pattern for level, pattern in CLINICAL_TERMS if level == "passive_ideation")
PAST = re.compile(r"\b(history of|hx of|previous|prior|years ago|in (19|20)\d\d|as a teenager|in the past)\b", re.I)
# Reasons for living: a pet, a child, someone who needs the patient. Protective, never a plan.
REASON_FOR_LIVING = re.compile(
    r"\b(my|the|our|his|her) (dog|cat|pet|puppy|kitten|horse|rabbit|bird|kids?|children|son|daughter|baby)\b|"
    r"\b(couldn't|could not|can't|cannot|wouldn't|would never|won't) (leave|do that to) \w+|\bneeds? me\b|"
    r"\b(reason|reasons) (to live|for living|to stay|i keep going)\b|\bkeeps? me going\b",
    re.I,
)
# A clinician's verdict that quoted words were a figure of speech, written right after them.
CALLED_A_SAYING = re.compile(
    r"[\s,;:=(–-]*(?:(?:(?:which|this|that|it)\s+)?(?:is|was)\s+|=\s*|i\.e\.?\s+)?(?:just\s+|only\s+)?(?:a|an)?\s*"
    r"(?:saying|idiom|figure of speech|expression|turn of phrase|joke|hyperbole|manner of speaking|"
    r"not (?:meant )?literal(?:ly)?|not literal)\b",
    re.I,
)
# The clinician's gloss of quoted words, saying what the patient meant: '"want it all to stop" = wants a break
# from driving', 'on direct questioning clarified she meant escaping noise and people'. The clinician who heard
# the words confirms or dismisses a learned reading of them (a rules reading still alerts).
GLOSSED = re.compile(
    r"[\"”]\s*(?:=|i\.e\.?|meaning)\s*(?!.*\b(?:suicid|kill|die|dead|end (?:his|her|their) life)\w*)\w+|"
    r"\b(?:clarified|explained|confirmed|said) (?:that )?(?:she|he|they|the patient|pt|client) (?:meant|means)\b(?! "
    r"(?:it|that)\b)",
    re.I,
)
PLAN_DETAIL = re.compile(
    r"\b(pills?|tablets?|overdose|rope|hang|bridge|jump|gun|knife|blade|razor|tonight|tomorrow|this week|"
    r"when|how i|wrote|note|saved|stockpil\w*|bought|method|date)\b",
    re.I,
)
# A summary clause about someone else ("Her mother takes zopiclone…", "Cousin's past self-harm…"), not a
# relative telling about the patient ("Mother reports…", "Sister found her…").
RELATIVE_SUBJECT = re.compile(
    rf"^\W*(?:(?:her|his|their|the|pt'?s|client'?s|patient'?s)\s+)?(?:{PEOPLE})(?:'s|’s)?\b(?!\s+(?:\w+\s+)?(?:"
    r"reports?|reported|said|says|states?|stated|found|finds|noticed|saw|sees|worried|worries|concerned|called|"
    r"rang|phoned|brought|told|tells|heard|fears?|feared|discovered|disclosed))",
    re.I,
)
_QUESTION_TO_STATEMENT = [
    (re.compile(r"^\W*(?:(?:so|and|okay|ok|now|um|well),?\s+)*", re.I), ""),
    (re.compile(r"^(?:have|has) you\b", re.I), "I have"),
    (re.compile(r"^(?:do|did) you\b", re.I), "I"),
    (re.compile(r"^are you\b", re.I), "I am"),
    (re.compile(r"^were you\b", re.I), "I was"),
    (re.compile(r"^would you\b", re.I), "I would"),
    (re.compile(r"^(?:is|was) there\b", re.I), "there is"),
    (re.compile(r"^any\b", re.I), "I have had"),
    (re.compile(r"\byourself\b", re.I), "myself"),
    (re.compile(r"\byour\b", re.I), "my"),
    (re.compile(r"\byou've\b", re.I), "I've"),
    (re.compile(r"\byou're\b", re.I), "I'm"),
    (re.compile(r"\byou\b", re.I), "I"),
]
# A verb after a subject made "I" agrees with it ("she worries she is" -> "I worry I am"): the learned stage
# was trained on how people speak of themselves, and "I worries I is" reads to it as something else.
_AGREE = {
    "is": "am",
    "isn't": "am not",
    "are": "am",
    "aren't": "am not",
    "were": "was",
    "has": "have",
    "hasn't": "haven't",
    "does": "do",
    "doesn't": "don't",
}
_NOT_A_VERB = frozenset(
    "always sometimes perhaps thus nevertheless nonetheless regardless as its this was wasn't has less unless "
    "also yes".split()
)


def _agree(word: str) -> str:
    low = word.lower()
    if low in _AGREE:
        return _AGREE[low]
    if low in _NOT_A_VERB or not low.isalpha() or len(low) < 4:
        return word
    if low.endswith("ies"):
        return word[:-3] + "y"  # worries, denies, tries
    if low.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return word[:-2]  # wishes, misses, goes
    if low.endswith("s") and not low.endswith(("ss", "us", "is")):
        return word[:-1]  # feels, thinks, reports, says
    return word


def _subject_to_i(match: re.Match) -> str:
    verb = match.group("verb")
    return "I" if verb is None else f"I {_agree(verb)}"


_OWNS_NOTHING = (
    r"(?=\s*(?:[.,;:!?)\"”]|$|\s+(?:and|or|but|to|at|in|on|if|when|as|so|because|too|again|now|then|anymore|"
    r"any more|either|though|yet)\b))"
)


def _third_to_first_rules(pronoun: str | None) -> list:
    """The rewrites for a summary whose patient is ``pronoun`` ("she", "he"), or for either when not known:
    then "he" in a summary about a woman (her husband, her son) is left as someone else."""
    subject = {"she": "she", "he": "he"}.get(pronoun or "", "she|he")
    reflexive = {"she": "herself", "he": "himself"}.get(pronoun or "", "herself|himself")
    object_ = {"she": "her", "he": "him"}.get(pronoun or "", "her|him")
    possessive = {"she": "her", "he": "his"}.get(pronoun or "", "her|his")
    return [
        (re.compile(r"^(?:the )?(?:patient|client|pt)\b(?: (?P<verb>[\w']+))?", re.I), _subject_to_i),
        (re.compile(rf"^(?:{subject}|they)\b(?: (?P<verb>[\w']+))?", re.I), _subject_to_i),
        (re.compile(rf"\b(?:{reflexive}|themselves|themself)\b", re.I), "myself"),
        (
            # "without her" is her; "for her kids" is her kids' (below): "her" only where nothing it owns follows
            re.compile(rf"\b(?:without|about|of|for) (?:{object_}|them)\b{_OWNS_NOTHING}", re.I),
            lambda m: m.group(0).rsplit(" ", 1)[0] + " me",
        ),
        # "offered her some", "told her that": the object, not the possessive
        (
            re.compile(
                rf"\b(?:{object_}) (?=(?:some|a|an|the|that|this|to|and|if|when|up|back|down|off|out|over|again|"
                r"too)\b)",
                re.I,
            ),
            "me ",
        ),
        (re.compile(rf"\b(?:{possessive}|their) (?=\w)", re.I), "my "),
        (re.compile(rf"\b(?:{subject}) (?P<verb>[\w']+)", re.I), _subject_to_i),
    ]


_THIRD_TO_FIRST = _third_to_first_rules(None)
_THIRD_TO_FIRST_BY = {pronoun: _third_to_first_rules(pronoun) for pronoun in ("she", "he")}
# A summary's sentences that open with "She …" and none with "He …" are about a woman (and the other way).
_OPENING_PRONOUN = re.compile(r"(?:^|[.!?]\s+)\s*(?P<p>she|he)\b", re.I | re.M)


def patient_pronoun(sentences: Sequence[str]) -> str | None:
    """ "she" or "he" when the summary's sentences open with only one of them, else None (both rewritten)."""
    found = {m["p"].lower() for text in sentences for m in _OPENING_PRONOUN.finditer(text)}
    return next(iter(found)) if len(found) == 1 else None


# Spanish speaker cues (the same roles as the English ones above).
SECOND_PERSON_ES = re.compile(
    r"\b(tú|tu|tus|te|ti|contigo|usted|ustedes|has|estás|eres|tienes|piensas|sientes|quieres|"
    r"\w+(?:arte|erte|irte))\b",
    re.I,
)
FIRST_PERSON_ES = re.compile(
    r"\b(yo|me|mi|mis|mí|conmigo|he|estoy|soy|tengo|quiero|siento|pienso|\w+(?:arme|erme|irme))\b", re.I
)
PERSON_ES = re.compile(r"\b(yo|me|mi|mis|paciente|cliente|ella|él|ellos|su|sus|se)\b", re.I)
AFFIRMATIVE_ES = re.compile(
    r"^\W*(sí|si|claro|a veces|de vez en cuando|todos los días|casi todos los días|algunas noches|un poco|"
    r"muchas veces|lo he pensado|he pensado)\b",
    re.I,
)
NEGATIVE_START_ES = re.compile(r"^\W*(no|nunca|jamás|para nada)\b", re.I)
DENIAL_ES = re.compile(
    r"\b(niega|negó|niegan|sin (ideación|ideas|pensamientos|plan|intención|autolesiones)|"
    r"no (refiere|reporta|presenta|manifiesta|expresa) (ideación|ideas|pensamientos|plan|intención|autolesiones))",
    re.I,
)
REPORT_ES = re.compile(
    r"^\s*(?:(?:el|la) (?:paciente|cliente)\s+|(?:ella|él)\s+)?(?:también\s+)?"
    r"(?:refiere|refirió|relata|relató|reporta|reportó|dice|dijo|expresa|expresó|comenta|comentó|menciona|mencionó|"
    r"admite|admitió|describe|describió|manifiesta|manifestó|cuenta|contó)\b(?:\s+que)?\s*(?P<content>.+)$",
    re.I,
)
CLAUSE_BREAK_ES = re.compile(r";|\s+pero\s+|,?\s+sin embargo,?\s+|,?\s+aunque\s+|,?\s+mientras que\s+", re.I)
_THIRD_TO_FIRST_ES = [
    (re.compile(r"\b(\w+[aeií]r)se\b", re.I), r"\1me"),
    (re.compile(r"\bse\b", re.I), "me"),
    (re.compile(r"\bsus\b", re.I), "mis"),
    (re.compile(r"\bsu\b", re.I), "mi"),
]


@dataclass(frozen=True)
class Voice:
    """One language's speaker cues."""

    second_person: re.Pattern
    first_person: re.Pattern
    person: re.Pattern
    affirmative: re.Pattern
    negative_start: re.Pattern
    denial: re.Pattern
    report: re.Pattern
    clause_break: re.Pattern
    english: bool


VOICES = {
    "en": Voice(SECOND_PERSON, FIRST_PERSON, PERSON, AFFIRMATIVE, NEGATIVE_START, DENIAL, REPORT, CLAUSE_BREAK, True),
    "es": Voice(
        SECOND_PERSON_ES,
        FIRST_PERSON_ES,
        PERSON_ES,
        AFFIRMATIVE_ES,
        NEGATIVE_START_ES,
        DENIAL_ES,
        REPORT_ES,
        CLAUSE_BREAK_ES,
        False,
    ),
}


def spanish_third_to_first(clause: str) -> str:
    """ "quiere quitarse la vida" -> "quiere quitarme la vida" (the Spanish rules read the first person)."""
    text = clause.strip()
    for pattern, replacement in _THIRD_TO_FIRST_ES:
        text = pattern.sub(replacement, text)
    return text


# A sentence the transcriber ended where the speaker only paused: a short clause whose verb still wants
# its object ("I've never thought." | "about killing myself"). Read with what follows, so a denial split
# this way stays a denial; a clause with its object is left alone.
FRAGMENT = re.compile(
    r"(?:(?<=^)|(?<=[.!?]\s))(?P<frag>(?:\S+\s+){0,4}?(?:thought|considered|wanted|tried|meant|planned|imagined))"
    r"\.\s+(?=\S)",
    re.I,
)


FRAGMENT_END = re.compile(
    r"(?:^|[.!?]\s)(?:\S+\s+){0,5}?(?:thought|considered|wanted|tried|meant|planned|imagined)\.\s*$", re.I
)


def ends_in_fragment(text: str) -> bool:
    """Whether ``text`` ends with such a fragment (the next segment of the same speaker continues it)."""
    return FRAGMENT_END.search(text) is not None


def mend_fragments(text: str) -> str:
    """ "I never thought. I'm out killing myself." -> "I never thought i'm out killing myself." """
    return FRAGMENT.sub(lambda m: m["frag"] + " " if len(m["frag"].split()) <= 6 else m[0], text)


Assess = Callable[[str], Any]  # text -> ml.risk.RiskResult (level, findings, suppressed)


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    indices: tuple[int, ...]
    start: float | None
    end: float | None


@dataclass(frozen=True)
class SessionFinding:
    level: str
    utterances: tuple[int, ...]
    start: float | None
    end: float | None
    source: str  # the detector's rule or exemplar id
    # patient_speech | unconfirmed_speaker | answer_to_question | clinician_report | quoted_in_summary |
    # quoted_called_saying
    basis: str
    tier: str = ALERT  # alert: a risk signal now | review: the session clinician confirms or dismisses it
    review_reason: str = ""  # why it waits for review (``ml.risk_review``)
    score: float = 1.0  # the learned stage's calibrated score; 1.0 for rules


@dataclass(frozen=True)
class SessionSuppressed:
    utterances: tuple[int, ...]
    reason: str  # clinician_speech | question_to_other | crosstalk | denied | reported_denial | reason_for_living …
    source: str = ""


@dataclass(frozen=True)
class SessionScreen:
    level: str
    findings: tuple[SessionFinding, ...]
    suppressed: tuple[SessionSuppressed, ...]
    version: str = VERSION

    def by_level(self) -> dict[str, list[SessionFinding]]:
        """The findings that alert, by level (review items are ``review_items``)."""
        out: dict[str, list[SessionFinding]] = {}
        for f in self.findings:
            if f.tier == ALERT:
                out.setdefault(f.level, []).append(f)
        return out

    def review_items(self) -> list[SessionFinding]:
        """Findings that wait for the session clinician to confirm or dismiss them (never dropped)."""
        return [f for f in self.findings if f.tier == REVIEW and f.level != "none"]


@dataclass(frozen=True)
class _Found:
    """A finding before its tier is decided: the text that was scored and the turn's position."""

    level: str
    turn: Turn
    position: int
    source: str
    basis: str
    text: str
    question: str = ""  # for an answer read at its question's level: the question


def _get(u: Any, name: str, default=None):
    return u.get(name, default) if isinstance(u, dict) else getattr(u, name, default)


def _join(previous: str, following: str) -> str:
    """Join two transcriber segments of one speaker. A segment that does not end a sentence, or one
    followed by a lower-case continuation, is the same sentence."""
    previous, following = previous.rstrip(), following.strip()
    if not previous:
        return following
    if ENDS_SENTENCE.search(previous) and not following[:1].islower():
        return f"{previous} {following}"
    return f"{previous.rstrip('.,')} {following}"


def channel_labels_confirm(utterances: Sequence[Any]) -> bool:
    """Channel labels (a two-microphone recording, clinician left) say who spoke only once the patient's
    channel has heard someone: with a dead second input, or a one-channel device heard on the left only,
    every word is on the clinician's channel, and screening that as confirmed clinician speech would
    set a disclosure aside. Until then the labels are read as a guess."""
    return any(_get(u, "speaker", "") == PATIENT for u in utterances)


def assemble_turns(utterances: Sequence[Any]) -> list[Turn]:
    """Consecutive utterances of one speaker, as one turn (its utterance indices and time range)."""
    turns: list[Turn] = []
    for u in utterances:
        speaker, text = _get(u, "speaker", "unknown"), str(_get(u, "text", "")).strip()
        if not text:
            continue
        index, start, end = int(_get(u, "index")), _get(u, "start"), _get(u, "end")
        if turns and turns[-1].speaker == speaker and speaker != SUMMARY:
            last = turns[-1]
            turns[-1] = Turn(
                speaker,
                _join(last.text, text),
                (*last.indices, index),
                last.start if last.start is not None else start,
                end,
            )
        else:
            turns.append(Turn(speaker, text, (index,), start, end))
    return turns


TYPED_SPEAKER = re.compile(
    r"^\s*(?P<who>clinician|therapist|counsellor|counselor|psychologist|doctor|dr|me|t|c|th|patient|client|pt|p)"
    r"\s*[:\-–]\s*(?P<text>.+)$",
    re.I,
)
_CLINICIAN_TAGS = {"clinician", "therapist", "counsellor", "counselor", "psychologist", "doctor", "dr", "me", "t", "th"}


ABBREVIATION_END = re.compile(
    r"\b(incl|inc|e\.g|i\.e|approx|esp|etc|vs|cf|min|mins|hr|hrs|wk|wks|yr|yrs|appt|dr|mr|mrs|ms|no|re|w/e)\.$", re.I
)


def typed_utterances(text: str) -> list[dict]:
    """A typed input as utterances. Lines tagged with a speaker ("Clinician: …", "Patient: …", "T:",
    "C:") are a typed transcript and keep their speaker ("C" is the client, as in "T/C" notation);
    everything else is the clinician's own writing (``summary``), one sentence each, with its ``line``
    (a heading such as "HW:" speaks for the rest of its line). A known abbreviation followed by a
    lower-case word ("wake 7am daily incl. weekends") does not end the sentence; any other full stop does,
    so "Denies plan. passive SI most nights." stays two sentences and the denial covers only its own."""
    lines = [line for line in text.splitlines() if line.strip()]
    tagged = [TYPED_SPEAKER.match(line) for line in lines]
    transcript = sum(m is not None for m in tagged) >= 2
    out: list[dict] = []
    for number, (line, match) in enumerate(zip(lines, tagged, strict=True)):
        if transcript and match:
            who = match["who"].lower()
            speaker = CLINICIAN if who in _CLINICIAN_TAGS else PATIENT
            out.append(
                {"index": len(out), "speaker": speaker, "text": match["text"].strip(), "start": None, "end": None}
            )
            continue
        sentences: list[str] = []
        for span in split_sentences(line):
            if sentences and span.text[:1].islower() and ABBREVIATION_END.search(sentences[-1]):
                sentences[-1] = f"{sentences[-1]} {span.text}"
            else:
                sentences.append(span.text)
        for sentence in sentences:
            out.append(
                {"index": len(out), "speaker": SUMMARY, "text": sentence, "start": None, "end": None, "line": number}
            )
    return out


def question_as_statement(question: str) -> str:
    """ "Have you had thoughts of ending your life?" -> "I have had thoughts of ending my life." """
    text = question.strip().rstrip("?").strip()
    for pattern, replacement in _QUESTION_TO_STATEMENT:
        text = pattern.sub(replacement, text)
    return text + "."


def is_question_to_other(sentence: str, voice: Voice | None = None) -> bool:
    """A question about "you" with nothing in the first person: the speaker is asking, not telling."""
    voice = voice or VOICES["en"]
    s = sentence.strip()
    return s.endswith("?") and bool(voice.second_person.search(s)) and not voice.first_person.search(s)


def third_to_first(clause: str, pronoun: str | None = None) -> str:
    """A clinician's third-person clause as the patient would say it; ``pronoun``: the patient's, when
    the summary shows it (``patient_pronoun``), so another person's "he" or "his" stays theirs."""
    text = clause.strip()
    for pattern, replacement in _THIRD_TO_FIRST_BY.get(pronoun or "", _THIRD_TO_FIRST):
        text = pattern.sub(replacement, text)
    if not FIRST_PERSON.search(text):
        text = f"I have had {text[:1].lower()}{text[1:]}"
    return text


def _expand(text: str) -> str:
    for pattern, replacement in ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    return text


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


# Words that carry no meaning of their own in a conversational turn: function words, pronouns, auxiliaries,
# fillers and the verbs of agreeing or hedging. A sentence made only of these ("Yeah, I'd prefer that.",
# "Should I be on that?", "I guess.") says something only through the sentence it answers.
_NO_CONTENT = frozenset(
    """a an the and or but so if then than though also too just really well like um uh er oh ah
    yeah yes yep no nope ok okay right sure fine alright thanks thank please sorry
    i i'm i'd i'll i've me my mine myself you you're you'd you'll your we we're our us he he's him his
    she she's her they they're them their it it's its that that's this these those there there's
    be is am are was were been being do does did have has had having will would shall should can could
    may might must on in at to of for with about from by as into over up out off
    not never ever something anything nothing thing things one some any what which who how why when
    guess think suppose mean know prefer rather maybe perhaps probably sort kind bit lot much very""".split()
)


def _content_words(text: str) -> set[str]:
    return {word.strip("'") for word in _tokens(text)} - _NO_CONTENT


def has_content(sentence: str) -> bool:
    """Whether ``sentence`` has a word of its own meaning (not only function words and agreement)."""
    return any(word.strip("'") not in _NO_CONTENT for word in _tokens(sentence))


def _crosstalk(turn: Turn, clinician_turns: Sequence[Turn]) -> bool:
    """The patient's channel carrying the clinician's words at the same moment."""
    if turn.start is None:
        return False
    words = _tokens(turn.text)
    if len(words) < 3:
        return False
    for c in clinician_turns:
        if c.start is None or c.end is None or c.end + 1.5 < turn.start or c.start - 1.5 > (turn.end or turn.start):
            continue
        overlap = len(words & _tokens(c.text)) / len(words)
        if overlap >= 0.7:
            return True
    return False


class SessionRiskScreen:
    def __init__(self, assess: Assess, language: str = "en"):
        """``assess`` scores text in ``language`` (one of ``LANGUAGES``)."""
        if language not in VOICES:
            raise ValueError(f"no session screen for language {language!r}: record it as not analysed")
        self.assess = assess
        self.voice = VOICES[language]

    # --- one sentence -------------------------------------------------------------------------
    def _score(self, text: str) -> tuple[str, str, list[str]]:
        """(level, source, suppression reasons), with a reason-for-living clause set aside for plans."""
        result = self.assess(text)
        level = result.level
        source = result.findings[0].source if result.findings else ""
        for f in result.findings:
            if f.level == level:
                source = f.source
                break
        reasons = [s.reason for s in result.suppressed]
        english = self.voice.english
        if level == "plan_or_intent" and english and REASON_FOR_LIVING.search(text) and not PLAN_DETAIL.search(text):
            kept = [
                p for p in re.split(r",|;|\s+but\s+|\s+because\s+|\s+so\s+", text) if not REASON_FOR_LIVING.search(p)
            ]
            remainder = ", ".join(p.strip() for p in kept if p.strip())
            again = self.assess(remainder) if remainder else None
            level = again.level if again is not None else "none"
            source = again.findings[0].source if again is not None and again.findings else ""
            reasons.append("reason_for_living")
        return level, source, reasons

    def _rules_only(self, text: str) -> tuple[str, str]:
        """The highest level a non-learned finding gives ``text`` (the detector's rules)."""
        rules = [f for f in self.assess(text).findings if not f.source.startswith("learned")]
        if not rules:
            return "none", ""
        level = max_level([f.level for f in rules])
        return level, next(f.source for f in rules if f.level == level)

    # --- the session --------------------------------------------------------------------------
    def screen(self, utterances: Sequence[Any], *, speakers_confirmed: bool) -> SessionScreen:
        voice = self.voice
        turns = assemble_turns(utterances)
        clinician_turns = [t for t in turns if t.speaker == CLINICIAN]
        found: list[_Found] = []
        suppressed: list[SessionSuppressed] = []
        denials: list[tuple[set[str], str]] = []  # a summary's reported denials: (levels denied, clause)
        # (speaker, sentence, turn) in order, for question -> answer context across turns.
        previous: tuple[str, str, Turn] | None = None
        positions = {id(turn): k for k, turn in enumerate(turns)}

        def add(level: str, turn: Turn, source: str, basis: str, text: str, question: str = "") -> None:
            found.append(_Found(level, turn, positions[id(turn)], source, basis, text, question))

        pronoun = patient_pronoun([t.text for t in turns if t.speaker == SUMMARY]) if voice.english else None
        self._kinds = _summary_kinds(utterances) if voice.english and any(t.speaker == SUMMARY for t in turns) else {}
        # The clinician who wrote the summary judged the risk raised ("his risk of suicide is currently high,
        # because he has a plan"): nothing the learned stage read in it waits for review; it all alerts.
        self._judged_raised = voice.english and any(t.speaker == SUMMARY and judged_raised(t.text) for t in turns)
        for turn in turns:
            if turn.speaker == SUMMARY:
                self._screen_summary(turn, add, suppressed, denials, pronoun)
                previous = None
                continue
            crosstalk = turn.speaker != CLINICIAN and _crosstalk(turn, clinician_turns)
            for span in split_sentences(mend_fragments(turn.text)) or []:
                sentence = span.text
                answer_to = None
                if previous is not None and (previous[0] != turn.speaker or not speakers_confirmed):
                    if (
                        is_question_to_other(previous[1], voice)
                        and voice.affirmative.search(sentence)
                        and not voice.negative_start.search(sentence)
                    ):
                        answer_to = previous[1]
                previous = (turn.speaker, sentence, turn)
                if turn.speaker == CLINICIAN and speakers_confirmed:
                    suppressed.append(SessionSuppressed(turn.indices, "clinician_speech"))
                    continue
                if is_question_to_other(sentence, voice):
                    suppressed.append(SessionSuppressed(turn.indices, "question_to_other"))
                    continue
                if crosstalk and not voice.first_person.search(sentence):
                    # The same words on both channels: which microphone heard the original cannot be
                    # told from text, so only what cannot be a self-disclosure is set aside. A
                    # patient's own words leaking onto the clinician's channel must not erase them.
                    suppressed.append(SessionSuppressed(turn.indices, "crosstalk"))
                    continue
                if turn.speaker == CLINICIAN and not voice.first_person.search(sentence):
                    suppressed.append(SessionSuppressed(turn.indices, "clinician_speech"))
                    continue
                level, source, reasons = self._score(sentence)
                scored = sentence
                basis = "patient_speech" if turn.speaker != CLINICIAN else "unconfirmed_speaker"
                learned = source.startswith("learned")
                if basis == "unconfirmed_speaker" and learned and voice.second_person.search(sentence):
                    # A clinician-labelled sentence that speaks to "you" ("I'd like you to call your
                    # neighbour") is most likely the clinician's: the learned stage alone does not make it
                    # the patient's risk. The rules still do (a disclosure in a mislabelled turn says
                    # what it means), and what is set aside is listed.
                    suppressed.append(SessionSuppressed(turn.indices, "clinician_address_learned_only", source))
                    level, source = self._rules_only(sentence)
                elif learned and voice.english and not has_content(sentence):
                    # A turn with no word of its own meaning ("Yeah, I'd prefer that.", "I guess.") cannot
                    # disclose anything by itself; the learned stage's score on it is noise. What it means
                    # comes from the question it answers, which is scored below as the answer; the rules
                    # still apply, and what is set aside is listed.
                    suppressed.append(SessionSuppressed(turn.indices, "no_content_learned_only", source))
                    level, source = self._rules_only(sentence)
                if answer_to is not None and voice.english:
                    asked, asked_source, _ = self._score(question_as_statement(answer_to))
                    if RANK[asked] > RANK[level]:
                        level, source, basis = asked, asked_source, "answer_to_question"
                for reason in reasons:
                    suppressed.append(SessionSuppressed(turn.indices, reason, source))
                if level != "none":
                    add(level, turn, source, basis, scored, answer_to if basis == "answer_to_question" else "")
        findings = self._tiers(found, turns, denials, speakers_confirmed)
        alerting = [f.level for f in findings if f.tier == ALERT]
        return SessionScreen(max_level(alerting), tuple(findings), tuple(suppressed))

    # --- alert or clinician review (``ml.risk_review``) ----------------------------------------
    def _risk_findings(self, text: str) -> list:
        """The findings of ``text`` at a risk level (ideation, plan or intent, self-harm)."""
        return [f for f in self.assess(text).findings if f.level in RISK_LEVELS]

    def _levels(self, text: str) -> set[str]:
        return {f.level for f in self._risk_findings(text)}

    def _reads_risk(self, turn: Turn) -> bool:
        """Whether a clinician turn is about risk (its questions read as the statements they ask for): a rules
        reading, or a learned one of a sentence that names the risk domain ("What goes through your mind when
        you think about touching that handle?" is not about risk, whatever the learned stage reads in it)."""
        for span in split_sentences(turn.text) or []:
            text = question_as_statement(span.text) if span.text.rstrip().endswith("?") else span.text
            for f in self._risk_findings(text):
                if not f.source.startswith("learned") or not self.voice.english or risk_review.names_risk(text, IDIOMS):
                    return True
        return False

    def _tiers(
        self, found: Sequence[_Found], turns: Sequence[Turn], denials: Sequence[tuple[set[str], str]], confirmed: bool
    ) -> list[SessionFinding]:
        out: list[SessionFinding] = []
        answers: dict[int, tuple[set[str], str]] = {}  # a clarifying answer's turn -> what its question asked
        for f in found:
            result = self.assess(f.text)
            score = next(
                (getattr(x, "score", 1.0) for x in result.findings if x.source == f.source and x.level == f.level), 1.0
            )
            reason = None
            if self.voice.english and f.level != "none":
                reason = self._review_reason(f, result, score, turns, denials, answers, confirmed)
            turn = f.turn
            if reason is None:
                out.append(SessionFinding(f.level, turn.indices, turn.start, turn.end, f.source, f.basis, score=score))
                continue
            out.append(
                SessionFinding(f.level, turn.indices, turn.start, turn.end, f.source, f.basis, REVIEW, reason, score)
            )
            if reason != "clarified":
                # The learned reading waits; what the rules read in the same sentence still alerts.
                rules_level, rules_source = self._rules_only(f.text)
                if rules_level != "none":
                    out.append(SessionFinding(rules_level, turn.indices, turn.start, turn.end, rules_source, f.basis))
        return out

    def _review_reason(self, f: _Found, result, score: float, turns, denials, answers, confirmed: bool) -> str | None:
        learned = f.source.startswith("learned")
        if f.basis == "clinician_report":
            named = any(pattern.search(f.text) for _, pattern in CLINICAL_TERMS)  # the clinician's own term
            # Where the clinician judged the risk raised, a denial elsewhere in the summary clarifies nothing
            # and a report naming no risk word is not set aside: what they reported of the patient alerts.
            raised = self._judged_raised
            clarified = any(risk_review.clears(f.level, lv, clause, True) for lv, clause in denials)
            if learned and not named and not raised and clarified:
                return "clarified"
            kinds = set().union(*(self._kinds.get(i, set()) for i in f.turn.indices))
            if (
                learned
                and not named
                and f.level == "plan_or_intent"
                and score < risk_review.WEAK_SCORE
                and not PLAN_DETAIL.search(f.text)
            ):
                return "learned_weak_summary_plan"  # as for a turn answering a question not about risk
            if learned and not named and kinds and kinds <= risk_review.CLINICIAN_PROSE_KINDS:
                # The learned stage reads how people speak of themselves; in the clinician's own formulation,
                # observation or plan ("Sue will come on Sunday to help clear the table") it has nothing to
                # read, and the clinician who wrote it says whether it was meant as risk.
                return "learned_clinician_prose"
            if learned and not named and not raised and not risk_review.names_risk(f.text, IDIOMS):
                # "She still carries mints and a sick bag at all times.": the clinician who wrote the summary
                # named nothing of risk; they confirm or dismiss the learned stage's reading.
                return "learned_without_risk_words"
            return None
        if f.basis == "quoted_called_saying":
            # the patient's words, which the clinician who heard them called a saying: that clinician confirms
            # or dismisses the learned reading; a rules reading of the words still alerts
            return "clinician_called_it_a_saying" if learned else None
        if f.basis == "answer_to_question" and learned and confirmed and self.voice.english:
            if not risk_review.names_risk(f.question, IDIOMS):
                # "Are you still taking the quetiapine at night?" -> "Yeah, every night": the learned stage read
                # the clinician's question as a plan, but it names nothing of the risk domain; the clinician
                # who asked it says whether it was about risk.
                return "learned_question_without_risk_words"
            return None
        if f.basis not in ("patient_speech", "unconfirmed_speaker") or not confirmed:
            return None  # an answer to a risk question, a quote; or speaker labels that are a machine's guess
        spans = [(x.start, x.end) for x in result.findings if x.level == f.level and not x.source.startswith("learned")]
        if risk_review.is_ambiguous(f.text, spans, learned):
            if f.position in answers and not learned:
                asked, question = answers[f.position]
                if risk_review.clears(f.level, asked, question):
                    return "clarified"  # "God, no. I mean I can't keep going into work on no sleep."
            if self._clarified(f, turns, answers):
                return "clarified"
        if not learned:
            return None
        before = turns[f.position - 1] if f.position > 0 else None
        if before is None or before.speaker != CLINICIAN:
            return None
        if self._reads_risk(before):
            if risk_review.is_clarifying_no(f.turn.text):
                # "Have you had thoughts of hurting yourself?" -> "No, never. I just want it to stop being so
                # hard.": the learned stage reads the rest of the patient's "no" as what was asked about. The
                # clinician who asked and heard the no confirms or dismisses it.
                return "learned_in_denying_answer"
            return None
        if (
            len(f.text.split()) <= ELLIPTICAL_WORDS
            and not self.voice.first_person.search(f.text)
            and _content_words(f.text) & _content_words(before.text)
        ):
            return "learned_elliptical_answer"
        if f.level == "plan_or_intent" and score < risk_review.WEAK_SCORE and not PLAN_DETAIL.search(f.text):
            # The learned stage reads timing and objects in ordinary talk as plans; a weak plan reading with
            # no means, method or time in the sentence waits for the clinician who heard it.
            return "learned_weak_ordinary_turn"
        if not risk_review.names_risk(f.text, IDIOMS) and not self._risk_asked_after(f.position, turns):
            # "The urge is massive. I want to run to the sink.", after a question not about risk and before a
            # reply not about risk: no word of the risk domain, and the clinician who heard it did not take it
            # up as risk. That clinician confirms or dismisses it before signing.
            return "learned_without_risk_words"
        return None

    def _risk_asked_after(self, position: int, turns: Sequence[Turn]) -> bool:
        """Whether the clinician's next turn after ``position`` is about risk (the clinician heard risk)."""
        following = next((t for t in turns[position + 1 :] if t.speaker == CLINICIAN), None)
        return following is not None and self._reads_risk(following)

    def _clarified(self, f: _Found, turns: Sequence[Turn], answers: dict[int, tuple[set[str], str]]) -> bool:
        """A clinician question within the next turns, at a level that matches, answered "no"."""
        # A learned reading whose only risk words are a figure of speech ("I'd rather die than be sick in front of
        # people") is ambiguous wording: a "no" to thoughts of ending one's life or of self-harm answers it.
        learned_only = f.source.startswith("learned") and not (
            risk_review.RISK_WORDS.search(f.text) and not risk_review.names_risk(f.text, IDIOMS)
        )
        for k in range(f.position + 1, min(len(turns) - 1, f.position + 4)):
            asking, answer = turns[k], turns[k + 1]
            if asking.speaker != CLINICIAN or answer.speaker != PATIENT:
                continue
            questions = [s.text for s in split_sentences(asking.text) or [] if is_question_to_other(s.text, self.voice)]
            if not questions or not risk_review.is_clarifying_no(answer.text):
                continue
            asked = risk_review.asked_levels(questions[-1], self._levels, question_as_statement)
            # "When you say you wanted to disappear, I'd like to check what you mean … thoughts of ending your
            # life?": a question about that very statement; a "no" to it says what the statement meant.
            about_it = risk_review.ECHOES_STATEMENT.search(asking.text) is not None
            question = questions[-1]
            if risk_review.clears(f.level, asked, question, learned_only) or (
                about_it and risk_review.clears(f.level, asked, question)
            ):
                answers[k + 1] = (asked, questions[-1])
                return True
        return False

    def _denied_levels(self, denied: str) -> set[str]:
        """The levels a summary's reported denial denies, ``denied`` being the clause without its denying
        words. Where the clinician names passive ideation ("denies passive SI", "denies any wish to be
        dead"), their term is the level denied, whatever else the clause denies: the detector reads the
        "suicidal ideation" in "passive suicidal ideation" as the rung above, and a plan denied beside it
        ("denies passive SI and any plan") would leave nothing denied."""
        passive = PASSIVE_TERM.search(denied)
        if passive is None:
            return risk_review.asked_levels(denied, self._levels, third_to_first)
        rest = PASSIVE_TERM.sub(" ", denied)
        return {"passive_ideation"} | risk_review.asked_levels(rest, self._levels, third_to_first)

    def _screen_summary(
        self,
        turn: Turn,
        add,
        suppressed: list[SessionSuppressed],
        denials: list[tuple[set[str], str]],
        pronoun: str | None = None,
    ) -> None:
        """The clinician's own writing (typed or dictated), read in the writer's voice."""
        voice = self.voice
        text = _expand(turn.text) if voice.english else turn.text
        for match in QUOTED.finditer(text):
            quote = match.group(1)
            level, source, _ = self._score(quote)
            if level != "none":
                # the clinician's own verdict on the words, right after them: '"rather die than be in those
                # photos" = a saying, denies SI'
                called = voice.english and (
                    CALLED_A_SAYING.match(text, match.end()) is not None or GLOSSED.search(text) is not None
                )
                add(level, turn, source, "quoted_called_saying" if called else "quoted_in_summary", quote)
        # the quote was read above; what is left keeps a placeholder where it stood, so the frame around it
        # ("said he would … if made to read out in English") is not read as a sentence of its own
        text = QUOTED.sub(" (quote) ", text)
        for clause in voice.clause_break.split(text):
            clause = clause.strip(" ,.")
            if not clause:
                continue
            qualified = NO_PLAN_QUALIFIER.sub("", clause).strip(" ,.") if voice.english else clause
            if not qualified or voice.denial.search(qualified):
                suppressed.append(SessionSuppressed(turn.indices, "reported_denial"))
                if voice.english:
                    denials.append((self._denied_levels(DENYING.sub("", clause)), clause))
                continue
            report = voice.report.match(qualified)
            content = report["content"] if report else qualified
            first = third_to_first(content, pronoun) if voice.english else spanish_third_to_first(content)
            level, source, reasons = self._score(first)
            terms = CLINICAL_TERMS if voice.english else ()
            if voice.english and report is None and RELATIVE_SUBJECT.match(qualified):
                # "Cousin's past self-harm…", "Mother's history of overdose": the clinician's term names
                # someone else's behaviour, not the patient's level. The detector still reads the clause.
                named = any(p.search(qualified) for _, p in terms)
                terms = ()
                lexicon_term = level != "none" and source.endswith(".term")
                if named or lexicon_term:
                    suppressed.append(SessionSuppressed(turn.indices, "term_about_someone_else", source))
                if lexicon_term:
                    # "Cousin's past self-harm became known at her school": the lexicon's bare term names
                    # what someone else did; set aside with its reason, never the patient's level
                    level, source = "none", ""
            term = next((lvl for lvl, pattern in terms if pattern.search(qualified)), None)
            if term is not None:
                term = "history" if PAST.search(qualified) else term
                if RANK[term] > RANK[level] or (level == "active_ideation" and term == "passive_ideation"):
                    # The clinician's own classification ("passive SI") is the level they meant.
                    level, source = term, f"clinical_term:{term}"
            for reason in reasons:
                suppressed.append(SessionSuppressed(turn.indices, reason, source))
            if level != "none" and term is None and source.startswith("learned") and not voice.person.search(content):
                # The learned stage reads how people speak of themselves; a formulation that states no
                # one's experience ("the belief of being useless maintains withdrawal") is the
                # clinician's reasoning. Set aside with its reason, so the clinician still sees it.
                suppressed.append(SessionSuppressed(turn.indices, "formulation_without_person", source))
                continue
            if level != "none":
                add(level, turn, source, "clinician_report", first)


@functools.lru_cache(maxsize=1)
def _cues():
    from ml.notes import Cues  # ml.notes reads this module: imported when first needed

    return Cues()


def _summary_kinds(utterances: Sequence[Any]) -> dict[int, set[str]]:
    """The statement kind (``ml.note_statements``) of each sentence of a typed summary, by utterance index,
    with the summary's headings carried as the note reads them."""
    from ml import note_statements as statements  # it imports this module

    summary = [u for u in utterances if _get(u, "speaker") == SUMMARY]
    kinds: dict[int, set[str]] = {}
    for unit in statements.sentence_units(summary):
        kind = statements.kind_of(unit, _cues())
        for index in unit.indices:
            kinds.setdefault(int(index), set()).add(kind)
    return kinds


def screen_session(
    utterances: Sequence[Any], assess: Assess, *, speakers_confirmed: bool, language: str = "en"
) -> SessionScreen:
    """``language``: the input's language (``LANGUAGES``); ``assess`` must score text in it."""
    return SessionRiskScreen(assess, language).screen(utterances, speakers_confirmed=speakers_confirmed)
