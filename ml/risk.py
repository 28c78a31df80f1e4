"""Suicide and self-harm language: rules and a curated lexicon first, a learned stage second.

Levels (in increasing order of concern): none, history, passive_ideation, active_ideation,
plan_or_intent, self_harm. The higher level wins, per sentence and per entry. Recall comes first:
a missed "my kids would be fine without me" is the worst failure this product can have. The rules
catch explicit statements; the learned stage (ml.risk_learned: a small calibrated network over the
encoder's embeddings of each sentence, its clause windows and its neighbouring sentences, with the
rules' reading as context, trained on ml/eval_data/v2 and two independent writers' v3 sentences)
adds the indirect wording, plans without risk words and buried clauses, with thresholds chosen on
held-out sentences from other writers and the development set.

Negation and time are read as scope (ml.risk_scope), not presence: a negation suppresses a rule
only when it governs the risk in its own clause and is not the risk itself ("I'd be fine if I just
didn't wake up"), and not when the writer retracts it ("…, but that wasn't true", or in the next
sentence); a time marker makes a match history only in its own clause, unless a recurrence marker
("again", "came back") is there too.

Every finding carries its span and what fired: a rule id, or the learned stage with its calibrated
score and the nearest training sentences at its level. Suppressed rule matches (denied, idiomatic,
about someone else) are returned too, so a clinician can see what was considered and why it was not
raised. Decision support, not diagnosis.

Languages (issue 19): each language has its own lexicon file and scope patterns. English runs the
rules and the learned stage; Spanish (``risk_lexicon_es.json``) runs its rules only, on lower-cased,
accent-folded text, because the sentence encoder and the learned stage's training set are English.
A text in a language without a lexicon is never run through another language's rules: callers
record it as not screened (``NOT_SCREENED``).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml import risk_scope
from ml.risk_learned import LearnedRiskStage, RuleReading
from ml.risk_scope import Scope
from ml.text import (
    FIRST_PERSON,
    NEGATION_CLAUSE_BREAK,
    Encoder,
    Span,
    TokenStates,
    clause_around,
    fold_accents,
    get_encoder,
    literals_union,
    lowered,
    required_literals,
    split_sentences,
    without_ignorecase,
)

DATA = Path(__file__).resolve().parent / "data"
DETECTOR_VERSION = "risk-3.0"
LEVELS = ("none", "history", "passive_ideation", "active_ideation", "plan_or_intent", "self_harm")
# The level of a text that was not screened (its language has no lexicon): never "none", so a reader
# cannot take it for a screened entry without risk language.
NOT_SCREENED = "not_screened"
LEXICONS = {"en": "risk_lexicon.json", "es": "risk_lexicon_es.json"}


@functools.cache
def load_lexicon(language: str = "en") -> dict:
    """The risk lexicon of ``language`` (``LEXICONS``), read once per process."""
    return json.loads((DATA / LEXICONS[language]).read_text(encoding="utf-8"))


RANK = {level: i for i, level in enumerate(LEVELS)}
DELIBERATE = re.compile(
    r"\b(on purpose|deliberately|intentionally|wasn'?t an accident|to feel|so i'?d (stop|feel)"
    # a benign cause given as a cover story: "told my mum the cuts were from the brambles, they weren't"
    r"|told|i said|i say|i tell|pretend\w*|believed me|lie|lied|lying|cover(ed)? (story|up)"
    r"|not (really )?from (?!me\b)|(they|it|these|those)('re|'s| were| was| are| is)? ?n'?o?t"
    r"|(?<!not )from me|i did (them|it|that))\b",
    re.I,
)
OTHER_SUBJECTS = frozenset(
    "he she they he's she's they're he'd she'd they'd friend brother sister mum mom dad cousin uncle aunt colleague "
    "character patient girl boy man woman kid someone classmate student teenager son daughter partner husband "
    "wife neighbour neighbor grandson granddaughter grandpa grandma grandad granny nan niece nephew flatmate housemate "
    "she's he's".split()
)
RECIPIENT_LEAD = frozenset({"for", "to", "with"})
# Rules that match topic words ("suicide", "self-harm"), which also turn up in forms, lectures and
# articles; the other rules need first-person wording and are never treated as discussion.
DISCUSSABLE_RULES = frozenset(
    {
        "self_harm.term",
        "active.suicidal",
        "active.considered",
        "active.want_to_die",
        "active.suicide_term",
        "passive.want_to_die",
    }
)
OTHER_REFLEXIVE = re.compile(
    r"\b(himself|herself|themselves|themself|his (own )?life|her (own )?life|their (own )?lives?)\b", re.I
)
ENGLISH_SCOPE = Scope(
    clause_break=risk_scope.CLAUSE_BREAK,
    denial_clause_break=NEGATION_CLAUSE_BREAK,
    negative_risk=risk_scope.NEGATIVE_RISK,
    retraction=risk_scope.RETRACTION,
    past=risk_scope.PAST,
    recurrence=risk_scope.RECURRENCE,
    # "back" as in "it's back", not a movement ("climbed back over", "walked back home")
    later_recurrence=re.compile(r"\b(again|still|back(?! (over|down|up|home|out|off|onto|into)\b))\b", re.I),
    progress=risk_scope.PROGRESS,
    first_person=FIRST_PERSON,
    first_person_reflexive=re.compile(r"\bmyself|\bmy (own )?life\b", re.I),
    other_reflexive=OTHER_REFLEXIVE,
    discussion_first_person=re.compile(r"\b(i|i'm|i've|my)\b.{0,20}\b(feel|felt|want|keep|been|thought)", re.I),
    deliberate=DELIBERATE,
    other_subjects=OTHER_SUBJECTS,
    self_words=frozenset({"i", "i'm", "i've", "i'd"}),
    time_break=risk_scope.TIME_BREAK,
    present_turn=risk_scope.PRESENT_TURN,
)


def _lexicon_scope(lexicon: dict) -> Scope:
    """Another language's scope patterns, from its lexicon file."""

    def rx(key: str) -> re.Pattern:
        return re.compile(lexicon[key], re.I)

    return Scope(
        clause_break=rx("clause_break"),
        denial_clause_break=rx("denial_clause_break"),
        negative_risk=rx("negative_risk"),
        retraction=rx("retraction"),
        past=rx("past_scope"),
        recurrence=rx("recurrence"),
        later_recurrence=rx("later_recurrence"),
        progress=rx("progress"),
        first_person=rx("first_person"),
        first_person_reflexive=rx("first_person_reflexive"),
        other_reflexive=rx("other_reflexive"),
        discussion_first_person=rx("discussion_first_person"),
        deliberate=rx("deliberate"),
        other_subjects=frozenset(lexicon["other_subjects"].split()),
        self_words=frozenset(lexicon["self_words"].split()),
    )


@dataclass(frozen=True)
class RiskFinding:
    level: str
    start: int  # the sentence span in the analysed text
    end: int
    method: str  # rule | learned
    source: str  # rule id, or "learned:<unit>" (the sentence, or a clause window of it)
    score: float  # 1.0 for rules, the calibrated probability for the learned stage
    nearest: tuple[str, ...] = ()  # learned: the nearest training sentences at this level


@dataclass(frozen=True)
class RiskSuppressed:
    start: int
    end: int
    source: str
    reason: str  # denied | idiom | third_person | discussion | accidental


@dataclass(frozen=True)
class RiskResult:
    level: str
    findings: tuple[RiskFinding, ...]
    suppressed: tuple[RiskSuppressed, ...]
    version: str
    language: str = "en"


def max_level(levels: Sequence[str]) -> str:
    return max(levels, key=RANK.__getitem__, default="none")


def rule_reading(hits: Sequence[RiskFinding], held: Sequence[RiskSuppressed]) -> RuleReading:
    """The rules' reading of a sentence as the learned stage reads it (its level, why matches were held)."""
    return RuleReading(max_level([f.level for f in hits]), frozenset(s.reason for s in held))


def _expand(pattern: str, fragments: dict[str, str]) -> str:
    """A rule's pattern with the lexicon's shared ``fragments`` put in where it names them
    ("{{not_for_occasion}}"): one guard, written once, for every rule that needs it."""
    for name, text in fragments.items():
        pattern = pattern.replace("{{" + name + "}}", text)
    if "{{" in pattern:
        raise ValueError(f"the lexicon names a fragment it does not define: {pattern[pattern.index('{{') :][:40]}")
    return pattern


class RiskRules:
    """The lexicon stage alone (no model): cheap enough to run inside a web request, e.g. to show a
    patient crisis resources the moment they submit a note."""

    def __init__(self, language: str = "en"):
        lexicon = load_lexicon(language)
        self.language = language
        self.version = lexicon["version"]
        self.fold = bool(lexicon.get("fold_accents"))
        self.scope = ENGLISH_SCOPE if language == "en" else _lexicon_scope(lexicon)
        fragments = lexicon.get("fragments", {})
        self.rules = [
            (r["id"], r["level"], re.compile(_expand(r["pattern"], fragments), re.I)) for r in lexicon["rules"]
        ]
        self.past = re.compile(lexicon["past_context"], re.I)
        self.denial = re.compile(lexicon["denial"], re.I)
        self.strong_denial = re.compile(lexicon["strong_denial"], re.I)
        self.discussion = re.compile(lexicon["discussion_context"], re.I)
        self.accidental = re.compile(lexicon["accidental"], re.I)
        self.third_person = re.compile(lexicon["third_person"], re.I)
        self.idioms = [re.compile(p, re.I) for p in lexicon["idioms"]]
        # The same rules and idioms matched case-sensitively on the lower-cased sentence: the same matches at
        # the same offsets (every letter they name is lower case; one that is not keeps IGNORECASE), in 0.6 of
        # the time (IGNORECASE compares character by character; issue 15's text-analysis budget).
        self._cased_rules = [(rule_id, level, without_ignorecase(pattern)) for rule_id, level, pattern in self.rules]
        # and what each of them needs to see before it is worth a search (most sentences match no rule)
        self._needs = [required_literals(pattern) for _, _, pattern in self._cased_rules]
        # every string any rule needs, looked for once per sentence (one ``in`` each, not one per rule naming it)
        self._literals = literals_union(self._needs)
        self._cased_idioms = [without_ignorecase(p) for p in self.idioms]
        # Optional per-language readings (Spanish): every match of a rule is tried, not only the first
        # ("ya no me corto …, ahora me quemo"); rules marked ``guarded`` are not raised where the
        # sentence ends something other than a life (a job, a relationship); someone reported as the
        # speaker ("mi papá dice que …") owns the risk unless the writer speaks between.
        self.all_matches = bool(lexicon.get("all_matches"))
        self.guarded = frozenset(r["id"] for r in lexicon["rules"] if r.get("guarded"))
        self.ending_other = re.compile(lexicon["ending_other"], re.I) if "ending_other" in lexicon else None
        self.reported_other = re.compile(lexicon["reported_other"], re.I) if "reported_other" in lexicon else None
        self.writer_speaks = re.compile(lexicon["writer_speaks"], re.I) if "writer_speaks" in lexicon else None

    def screen(self, text: str) -> str:
        """The highest level the rules find in ``text`` ("none" when nothing fires)."""
        return max_level([f.level for hits, _ in self.read_sentences(split_sentences(text)) for f in hits])

    def read_sentences(self, sentences: Sequence[Span]) -> list[tuple[list[RiskFinding], list[RiskSuppressed]]]:
        """Each sentence's rule findings and held matches, read with the sentences after it (a denial
        taken back in the next sentence; an answer to a question, and what follows the answer)."""
        near = [self._as_neighbour(s.text) for s in sentences] + ["", ""]  # each prepared once, read up to thrice
        readings = [self._rule_findings(s, near[i + 1], near[i + 2]) for i, s in enumerate(sentences)]
        if self.language == "en":
            self._final_neighbours(sentences, readings)
        return readings

    def _final_neighbours(self, sentences: Sequence[Span], readings: list) -> None:
        """``plan.final_neighbour``: a sentence that says when or where the writer goes ("I'm going
        tonight.", "Going up to the bridge after registration.") is a plan when a sentence within two of
        it in the same entry, or the rest of its own sentence, says the going is final (a goodbye, letters
        written, affairs in order, things given away, "I've fed the fish."), and nothing in the entry makes
        it a trip, a move or an appointment. The going must be the writer's, not denied and not past; the
        finality must not be someone else's."""
        texts = [risk_scope.restore_apostrophes(s.text.replace("\u2019", "'")) for s in sentences]
        entry = " ".join(texts)
        if risk_scope.LEAVING_BENIGN.search(entry) or (self.ending_other and self.ending_other.search(entry)):
            return
        for i, (sentence, text) in enumerate(zip(sentences, texts, strict=True)):
            hits, held = readings[i]
            match = risk_scope.LEAVING_WHEN.search(text)
            if match is None or any(f.level == "plan_or_intent" for f in hits):
                continue
            if not self._writer_goes(text, match) or self._historical(text, match.start()):
                continue
            rest = text[: match.start()] + " | " + text[match.end() :]
            around = [texts[j] for j in range(max(0, i - 2), min(len(texts), i + 3)) if j != i] + [rest]
            if any(self._final(t) for t in around):
                hits.append(
                    RiskFinding("plan_or_intent", sentence.start, sentence.end, "rule", "plan.final_neighbour", 1.0)
                )

    def _writer_goes(self, text: str, match: re.Match) -> bool:
        clause_start, _ = clause_around(text, match.start(), self.scope.denial_clause_break)
        before = text[clause_start : match.start()].lower().split()
        if before and before[-1].strip(",.;:!?'\"") not in risk_scope.LEAVING_SUBJECT:
            return False
        denied = self._denied(text, match.start(), match.end(), "")
        return not (denied or self._subject_is_other(text, match.start()))

    def _final(self, text: str) -> bool:
        match = risk_scope.FINALITY.search(text)
        if match is None or self._about_someone_else(text) or self._subject_is_other(text, match.start()):
            return False
        return not self._denied(text, match.start(), match.end(), "")

    # --- rules -------------------------------------------------------------------------------
    def _denied(self, sentence: str, start: int, end: int, following: str, beyond: str = "") -> bool:
        """A denial that governs the match: a negation just before it in its clause ("I'm not
        suicidal", "never wanted to hurt myself") or a strong denial anywhere in the sentence ("not
        once did I"), unless the negation is itself the risk ("no one would miss me", "didn't wake
        up") or the writer takes the denial back later in the sentence or in the next one; or a
        question someone asked the writer that the writer answered no (``_answered_no``)."""
        scope = self.scope
        clause_start, _ = clause_around(sentence, start, scope.denial_clause_break)
        before = sentence[clause_start:start]
        words = before.split()
        near = (
            bool(self.denial.search(" ".join(words[-4:]))) and not self._negation_closed(words[-4:])
        ) or self._denial_through_complement(words)
        if near and scope.negative_risk.search(sentence[clause_start : end + 20]):
            near = False
        if not (
            near or self.strong_denial.search(sentence) or self._answered_no(sentence, start, end, following, beyond)
        ):
            return False
        return not scope.retraction.search(sentence[end:] + " " + following)

    def _negation_closed(self, words: list[str]) -> bool:
        """The last negation before the match is complete and the writer starts again with a subject
        of their own, in speech without punctuation ("I told her I'm okay I'm not | I want to die",
        "no | I want to die"); "I don't think I want to" is not closed (a verb comes between), nor is
        a self-correction ("I wasn't, I mean, …")."""
        if self.language != "en":
            return False
        cleaned = [w.lower().strip(",.;:!?'\"") for w in words]
        last = max((i for i, w in enumerate(cleaned) if self.denial.fullmatch(w)), default=None)
        if last is None or last + 1 >= len(cleaned) or cleaned[last + 1] not in risk_scope.SUBJECT_RESTART:
            return False
        return cleaned[last + 2 : last + 3] != ["mean"]  # "I wasn't, I mean, …" corrects itself

    def _denial_through_complement(self, words: list[str]) -> bool:
        """A negation further back that still governs the match through the words of its complement
        only ("I don't have any plans to | harm myself", "not having any thoughts of | harming
        myself"); any other word between ends its scope ("I don't know why but I want to …")."""
        if self.language != "en":
            return False
        for back in range(1, min(len(words), 8) + 1):
            word = words[-back].lower().strip(",.;:!?'\"")
            if self.denial.fullmatch(word):
                return back > 1
            if word not in risk_scope.DENIAL_COMPLEMENT:
                return False
        return False

    def _answered_no(self, sentence: str, start: int, end: int, following: str, beyond: str) -> bool:
        """The match is inside a question someone asked the writer, and the writer's answer, right
        after it, is no ("The nurse asked if I'd had thoughts of harming myself. Said no and meant
        it."). English only. A retraction after the answer undoes it (here for the sentence after an
        answer given in the next sentence, "… No. I lied though."; in ``_denied`` for the rest)."""
        if self.language != "en":
            return False
        if risk_scope.SELF_QUESTION.match(sentence) and sentence.rstrip().endswith("?"):
            # the writer's own question, answered in the next sentence: "Do I want to die? No."
            return bool(
                following.strip()
                and risk_scope.NEGATIVE_ANSWER.search(following.strip())
                and not self.scope.retraction.search(beyond)
            )
        if risk_scope.TRAILING_NO.match(sentence[end:]):
            return True  # a form read aloud: "thoughts of harming myself, no"
        if not risk_scope.REPORTED_QUESTION.search(sentence[:start]):
            return False
        rest = re.split(r"[.;!?]", sentence[end:], maxsplit=1)[0]
        # the answer starts after the question's clause: "… harming myself, and I said no"
        answer = re.sub(r"^[^,]*?(?:,|\band\b|\bso\b)", "", rest, count=1)
        if answer.strip() and risk_scope.NEGATIVE_ANSWER.search(answer.strip()):
            return True
        return bool(
            following.strip()
            and (
                risk_scope.NEGATIVE_ANSWER.search(following.strip())
                or risk_scope.LATER_NEGATIVE_ANSWER.search(following.strip())
            )
            and not self.scope.retraction.search(beyond)
        )

    def _historical(self, sentence: str, start: int) -> bool:
        """A time marker in the match's own clause (or the clause before it, "years ago, I …") makes
        it history, unless that clause also says it is back ("again", "this week", "came back")."""
        patterns = self.scope
        breaks = patterns.time_break or patterns.clause_break
        parts = risk_scope.clauses(sentence, breaks) or [risk_scope.Window(0, len(sentence))]
        index = next((i for i, c in enumerate(parts) if c.start <= start < c.end), len(parts) - 1)
        own = parts[index]
        scope = sentence[parts[max(0, index - 1)].start : own.end]
        if not (self.past.search(scope) or patterns.past.search(scope)):
            return False
        own_text = sentence[own.start : own.end]
        turn = patterns.present_turn and patterns.present_turn.search(sentence[own.start : start])
        if patterns.recurrence.search(own_text) or turn:
            return False
        later = [sentence[c.start : c.end] for c in parts[index + 1 :]]
        return not any(
            patterns.later_recurrence.search(clause) and not patterns.progress.search(clause) for clause in later
        )

    def _subject_is_other(self, sentence: str, start: int) -> bool:
        """Someone else is the subject just before the match ("she'd been self-harming", "a girl in her
        class keeps talking about wanting to die"). Possessives ("their dad's") do not count."""
        clause_start, _ = clause_around(sentence, start, self.scope.denial_clause_break)
        before = [w.strip(".,!?") for w in sentence[clause_start:start].lower().split()]
        words, offset = before[-7:], max(0, len(before) - 7)
        objects = self._named_objects(before) if self.language == "en" else set()
        others = [i for i, w in enumerate(words) if w in self.scope.other_subjects and offset + i not in objects]
        selves = [i for i, w in enumerate(words) if w in self.scope.self_words]
        if not others or not selves:
            return bool(others)
        # both: the nearest subject governs when it is one, followed by its verb ("I found out my best
        # friend was self-harming"); "letters for my mum and my brother" names objects
        last = others[-1]
        return (
            self.language == "en"
            and last > selves[-1]
            and last + 1 < len(words)
            and words[last + 1] in risk_scope.SUBJECT_VERB
        )

    def _named_objects(self, words: list[str]) -> set[int]:
        """Positions of people named as recipients, not subjects ("letters for my mum and my brother",
        "gave it to my nephew"): after "for", "to" or "with", and those joined to one by "and"."""
        objects: set[int] = set()
        for j, w in enumerate(words):
            if w not in self.scope.other_subjects:
                continue
            lead = words[max(0, j - 2) : j]
            joined = "and" in lead and any(k in objects for k in range(j - 4, j))
            if RECIPIENT_LEAD.intersection(lead) or joined:
                objects.add(j)
        return objects

    def _reported_other(self, sentence: str, start: int) -> bool:
        """Someone else is reported as the speaker or subject before the match ("mi papá dice que …",
        "mi novia tiene …") and the writer does not speak between that and the match."""
        if self.reported_other is None or self.writer_speaks is None:
            return False
        ends = [m.end() for m in self.reported_other.finditer(sentence, 0, start)]
        return bool(ends) and not self.writer_speaks.search(sentence[ends[-1] : start])

    def _about_someone_else(self, sentence: str) -> bool:
        """Risk language about another person ("my friend wants to kill himself") is not the writer's."""
        scope = self.scope
        if scope.other_reflexive.search(sentence) and not scope.first_person_reflexive.search(sentence):
            return True
        return bool(self.third_person.search(sentence)) and not scope.first_person.search(sentence)

    def _as_neighbour(self, text: str) -> str:
        """A sentence as the one before it reads it (``following``, ``beyond``): bare contractions given
        their apostrophes back (English), accents folded (a folding lexicon)."""
        if self.language == "en":
            text = risk_scope.restore_apostrophes(text)
        return fold_accents(text) if self.fold else text

    def _rule_findings(
        self, sentence: Span, following: str = "", beyond: str = ""
    ) -> tuple[list[RiskFinding], list[RiskSuppressed]]:
        """``following``, ``beyond``: the next two sentences, already ``_as_neighbour``."""
        text = sentence.text.replace("\u2019", "'")
        if self.language == "en":
            text = risk_scope.restore_apostrophes(text)
        if self.fold:
            text = fold_accents(text)
        findings, suppressed = [], []
        low = lowered(text)
        if low is not None:
            subject, rules, idioms = low, self._cased_rules, self._cased_idioms
            needs = self._needs
            present = {part for part in self._literals if part in subject}
        else:
            subject, rules, idioms = text, self.rules, self.idioms
            needs = [None] * len(rules)
            present = set()
        idiom_spans = None  # read only once a rule matches (most sentences match none)
        for (rule_id, level, pattern), need in zip(rules, needs, strict=True):
            if need is not None and need.isdisjoint(present):
                continue
            matches = list(pattern.finditer(subject)) if self.all_matches else [pattern.search(subject)]
            for match in matches:
                if match is None:
                    continue
                if idiom_spans is None:
                    idiom_spans = [m.span() for p in idioms for m in p.finditer(subject)]
                held = self._suppression(rule_id, level, text, match, idiom_spans, following, beyond)
                if held is None:
                    break
                suppressed.append(RiskSuppressed(sentence.start, sentence.end, rule_id, held))
            else:
                continue
            if level != "history" and self._historical(text, match.start()):
                level = "history"
            if all(f.level != level for f in findings):  # one finding per level per sentence: the first rule
                findings.append(RiskFinding(level, sentence.start, sentence.end, "rule", rule_id, 1.0))
        return findings, suppressed

    def _suppression(
        self, rule_id: str, level: str, text: str, match: re.Match, idiom_spans: list, following: str, beyond: str = ""
    ) -> str | None:
        """Why a match is not raised (idiom, denied, third person, discussion, accidental, ending
        something other than a life), or None."""
        scope = self.scope
        reason = None
        if any(a < match.end() and match.start() < b for a, b in idiom_spans):
            reason = "idiom"
        elif self._denied(text, match.start(), match.end(), following, beyond):
            reason = "denied"
        elif self._about_someone_else(text) or (
            not scope.first_person.search(match.group(0))
            and (self._subject_is_other(text, match.start()) or self._reported_other(text, match.start()))
        ):
            reason = "third_person"
        elif (
            rule_id in DISCUSSABLE_RULES
            and self.discussion.search(text)
            and not scope.discussion_first_person.search(text)
        ):
            reason = "discussion"
        elif level == "self_harm" and self.accidental.search(text) and not scope.deliberate.search(text):
            reason = "accidental"
        elif rule_id in self.guarded and self.ending_other is not None and self.ending_other.search(text):
            reason = "ending_other"
        return reason


class RiskDetector:
    def __init__(self, encoder: Encoder | None = None, learned: LearnedRiskStage | None = None):
        self.encoder = encoder or get_encoder()
        self.rules_stage = RiskRules()
        self.learned = learned or LearnedRiskStage()
        self.version = f"{DETECTOR_VERSION}/{self.rules_stage.version}/{self.learned.version}"
        self.other_languages = {code: RiskRules(code) for code in LEXICONS if code != "en"}

    def version_for(self, language: str) -> str:
        if language == "en":
            return self.version
        return f"{DETECTOR_VERSION}/{self.other_languages[language].version}/rules-only"

    def assess_rules_only(self, sentences: Sequence[Span], language: str) -> RiskResult:
        """A language whose learned stage does not exist (the encoder and its training set are
        English): its own rules, with the same scope handling, and nothing else."""
        rules = self.other_languages[language]
        findings: list[RiskFinding] = []
        suppressed: list[RiskSuppressed] = []
        for hits, held in rules.read_sentences(sentences):
            findings.extend(hits)
            suppressed.extend(held)
        level = max_level([f.level for f in findings])
        return RiskResult(level, tuple(findings), tuple(suppressed), self.version_for(language), language)

    def assess_sentences(
        self, sentences: Sequence[Span], embeddings: np.ndarray, tokens: Sequence[TokenStates] | None = None
    ) -> RiskResult:
        """Rules first; the learned stage adds a finding where it reads a higher level than the
        rules found in that sentence. ``tokens`` (from ``Encoder.encode_with_tokens``) give the
        learned stage clause windows; without them it reads whole sentences only."""
        findings: list[RiskFinding] = []
        suppressed: list[RiskSuppressed] = []
        readings = self.rules_stage.read_sentences(sentences)
        calls = self.learned.read(sentences, embeddings, tokens, [rule_reading(*r) for r in readings])
        for i, sentence in enumerate(sentences):
            rule_hits, rule_suppressed = readings[i]
            findings.extend(rule_hits)
            suppressed.extend(rule_suppressed)
            call = calls[i]
            rule_level = max_level([f.level for f in rule_hits])
            if RANK[call.level] <= RANK[rule_level]:
                continue
            if rule_level == "history" and not self._current_somewhere(sentence.text):
                continue  # the rules scoped this sentence to the past and nothing in it says it is back
            score = call.alert if call.level != "history" else call.risk
            text = sentence.text
            if call.level == "self_harm" and self.rules_stage.accidental.search(text) and not DELIBERATE.search(text):
                suppressed.append(RiskSuppressed(call.start, call.end, f"learned:{call.kind}", "accidental"))
                continue
            findings.append(
                RiskFinding(
                    call.level,
                    call.start,
                    call.end,
                    "learned",
                    f"learned:{call.kind}",
                    round(score, 3),
                    self.learned.nearest(call.embedding, call.level),
                )
            )
        return RiskResult(max_level([f.level for f in findings]), tuple(findings), tuple(suppressed), self.version)

    @staticmethod
    def _current_somewhere(sentence: str) -> bool:
        """A clause that says it is back or still going ("again", "this week"), and is not about
        getting better ("I still think about how far I've come")."""
        clauses = risk_scope.clauses(sentence) or [risk_scope.Window(0, len(sentence))]
        parts = [sentence[c.start : c.end] for c in clauses]
        return any(risk_scope.RECURRENCE.search(p) and not risk_scope.PROGRESS.search(p) for p in parts)

    def assess_many(self, texts: Sequence[str], language: str = "en") -> list[RiskResult]:
        """``assess`` for many texts, with their sentences encoded in shared batches. ``language``
        must have a lexicon (``LEXICONS``); callers check that first."""
        split = [split_sentences(text) for text in texts]
        if language != "en":
            return [self.assess_rules_only(sentences, language) for sentences in split]
        embeddings, tokens = self.encoder.encode_with_tokens([s.text for sentences in split for s in sentences])
        results, offset = [], 0
        for sentences in split:
            end = offset + len(sentences)
            results.append(self.assess_sentences(sentences, embeddings[offset:end], tokens[offset:end]))
            offset = end
        return results

    def assess(self, text: str, language: str = "en") -> RiskResult:
        return self.assess_many([text], language)[0]
