"""Suicide and self-harm language: rules and a curated lexicon first, semantic similarity second.

Levels (in increasing order of concern): none, history, passive_ideation, active_ideation,
plan_or_intent, self_harm. The higher level wins, per sentence and per entry. Recall comes first:
a missed "my kids would be fine without me" is the worst failure this product can have, so the
semantic stage exists to catch indirect wording the rules miss, and negative exemplars (idioms,
hyperbole, other people, denials) keep it from firing on "that exam destroyed me".

Every finding carries the sentence span and what fired (a rule id, or an exemplar with its
similarity). Suppressed matches (denied, idiomatic, about someone else) are returned too, so a
clinician can see what was considered and why it was not raised. Decision support, not diagnosis.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.text import Encoder, Span, clause_around, get_encoder, split_sentences

DATA = Path(__file__).resolve().parent / "data"
DETECTOR_VERSION = "risk-1.2"
LEVELS = ("none", "history", "passive_ideation", "active_ideation", "plan_or_intent", "self_harm")
RANK = {level: i for i, level in enumerate(LEVELS)}
# Semantic stage: similarity a sentence needs to the nearest exemplar of a level, and how much
# closer it must be to that exemplar than to the nearest negative exemplar.
SEMANTIC_THRESHOLD = 0.58
NEGATIVE_MARGIN = 0.02
DENIED_SEMANTIC_THRESHOLD = 0.70  # a sentence with a denial cue needs a much closer match
DELIBERATE = re.compile(
    r"\b(on purpose|deliberately|intentionally|wasn'?t an accident|to feel|so i'?d (stop|feel))\b", re.I
)
OTHER_SUBJECTS = frozenset(
    "he she they he's she's they're he'd she'd they'd friend brother sister mum mom dad cousin uncle aunt colleague "
    "character patient girl boy man woman kid someone classmate student teenager son daughter partner husband "
    "wife".split()
)
# Rules that match topic words ("suicide", "self-harm"), which also turn up in forms, lectures and
# articles; the other rules need first-person wording and are never treated as discussion.
DISCUSSABLE_RULES = frozenset({"self_harm.term", "active.suicidal", "active.considered", "active.want_to_die"})
FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|i'll|me|my|myself|mine)\b", re.I)
OTHER_REFLEXIVE = re.compile(
    r"\b(himself|herself|themselves|themself|his (own )?life|her (own )?life|their (own )?lives?)\b", re.I
)


@dataclass(frozen=True)
class RiskFinding:
    level: str
    start: int  # the sentence span in the analysed text
    end: int
    method: str  # rule | semantic
    source: str  # rule id, or "exemplar:<level>:<index>"
    score: float  # 1.0 for rules, similarity for semantic matches


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


def max_level(levels: Sequence[str]) -> str:
    return max(levels, key=RANK.__getitem__, default="none")


class RiskRules:
    """The lexicon stage alone (no model): cheap enough to run inside a web request, e.g. to show a
    patient crisis resources the moment they submit a note."""

    def __init__(self):
        lexicon = json.loads((DATA / "risk_lexicon.json").read_text())
        self.version = lexicon["version"]
        self.rules = [(r["id"], r["level"], re.compile(r["pattern"], re.I)) for r in lexicon["rules"]]
        self.past = re.compile(lexicon["past_context"], re.I)
        self.denial = re.compile(lexicon["denial"], re.I)
        self.strong_denial = re.compile(lexicon["strong_denial"], re.I)
        self.discussion = re.compile(lexicon["discussion_context"], re.I)
        self.accidental = re.compile(lexicon["accidental"], re.I)
        self.third_person = re.compile(lexicon["third_person"], re.I)
        self.idioms = [re.compile(p, re.I) for p in lexicon["idioms"]]

    def screen(self, text: str) -> str:
        """The highest level the rules find in ``text`` ("none" when nothing fires)."""
        levels = [f.level for s in split_sentences(text) for f in self._rule_findings(s)[0]]
        return max_level(levels)

    # --- rules -------------------------------------------------------------------------------
    def _denied(self, sentence: str, start: int) -> bool:
        """A denial just before the match in its clause ("I'm not suicidal", "never wanted to hurt
        myself"), or a strong denial anywhere in the sentence ("not once did I", "and honestly I haven't")."""
        clause_start, _ = clause_around(sentence, start)
        before = sentence[clause_start:start]
        return bool(self.denial.search(" ".join(before.split()[-4:])) or self.strong_denial.search(sentence))

    def _subject_is_other(self, sentence: str, start: int) -> bool:
        """Someone else is the subject just before the match ("she'd been self-harming", "a girl in her
        class keeps talking about wanting to die"). Possessives ("their dad's") do not count."""
        clause_start, _ = clause_around(sentence, start)
        words = [w.strip(".,!?") for w in sentence[clause_start:start].lower().split()[-7:]]
        return bool(OTHER_SUBJECTS.intersection(words)) and not {"i", "i'm", "i've", "i'd"}.intersection(words)

    def _about_someone_else(self, sentence: str) -> bool:
        """Risk language about another person ("my friend wants to kill himself") is not the writer's."""
        if OTHER_REFLEXIVE.search(sentence) and not re.search(r"\bmyself|\bmy (own )?life\b", sentence, re.I):
            return True
        return bool(self.third_person.search(sentence)) and not FIRST_PERSON.search(sentence)

    def _rule_findings(self, sentence: Span) -> tuple[list[RiskFinding], list[RiskSuppressed]]:
        text = sentence.text.replace("\u2019", "'")
        findings, suppressed = [], []
        idiom_spans = [m.span() for p in self.idioms for m in p.finditer(text)]
        for rule_id, level, pattern in self.rules:
            match = pattern.search(text)
            if not match:
                continue
            reason = None
            if any(a < match.end() and match.start() < b for a, b in idiom_spans):
                reason = "idiom"
            elif self._denied(text, match.start()):
                reason = "denied"
            elif self._about_someone_else(text) or (
                not FIRST_PERSON.search(match.group(0)) and self._subject_is_other(text, match.start())
            ):
                reason = "third_person"
            elif (
                rule_id in DISCUSSABLE_RULES
                and self.discussion.search(text)
                and not re.search(
                    r"\b(i|i'm|i've|my)\b.{0,20}\b(feel|felt|want|"
                    r"keep|been|thought)",
                    text,
                    re.I,
                )
            ):
                reason = "discussion"
            elif level == "self_harm" and self.accidental.search(text) and not DELIBERATE.search(text):
                reason = "accidental"
            if reason is not None:
                suppressed.append(RiskSuppressed(sentence.start, sentence.end, rule_id, reason))
                continue
            if (
                level != "history"
                and self.past.search(text)
                and not re.search(r"\b(again|still|now|today)\b", text, re.I)
            ):
                level = "history"
            if all(f.level != level for f in findings):  # one finding per level per sentence: the first rule
                findings.append(RiskFinding(level, sentence.start, sentence.end, "rule", rule_id, 1.0))
        return findings, suppressed


class RiskDetector:
    def __init__(self, encoder: Encoder | None = None):
        self.encoder = encoder or get_encoder()
        self.rules_stage = RiskRules()
        exemplars = json.loads((DATA / "risk_exemplars.json").read_text())
        self.version = f"{DETECTOR_VERSION}/{self.rules_stage.version}/{exemplars['version']}"
        self.idioms = self.rules_stage.idioms
        self.denial = self.rules_stage.denial
        self.strong_denial = self.rules_stage.strong_denial
        self.accidental = self.rules_stage.accidental
        self._about_someone_else = self.rules_stage._about_someone_else
        self._rule_findings = self.rules_stage._rule_findings
        self.exemplar_ids: list[str] = []
        self.exemplar_levels: list[str] = []
        texts: list[str] = []
        for level, items in exemplars["positive"].items():
            for i, text in enumerate(items):
                self.exemplar_ids.append(f"exemplar:{level}:{i}")
                self.exemplar_levels.append(level)
                texts.append(text)
        self.positive = self.encoder.encode(texts)
        self.negative = self.encoder.encode(exemplars["negative"])

    # --- assessment -----------------------------------------------------------------------------
    def assess_sentences(self, sentences: Sequence[Span], embeddings: np.ndarray) -> RiskResult:
        findings: list[RiskFinding] = []
        suppressed: list[RiskSuppressed] = []
        if sentences:
            positive = embeddings @ self.positive.T
            negative = (embeddings @ self.negative.T).max(axis=1)
        for row, sentence in enumerate(sentences):
            rule_hits, rule_suppressed = self._rule_findings(sentence)
            findings.extend(rule_hits)
            suppressed.extend(rule_suppressed)
            if rule_hits or rule_suppressed:
                continue
            idiom = next((p.pattern for p in self.idioms if p.search(sentence.text)), None)
            best = int(positive[row].argmax())
            similarity = float(positive[row, best])
            if similarity < SEMANTIC_THRESHOLD:
                continue
            if idiom is not None:
                suppressed.append(RiskSuppressed(sentence.start, sentence.end, self.exemplar_ids[best], "idiom"))
                continue
            if float(negative[row]) + NEGATIVE_MARGIN >= similarity:
                continue  # closer to a known non-risk sentence than to any risk exemplar
            if self.strong_denial.search(sentence.text) or (
                self.denial.search(sentence.text) and similarity < DENIED_SEMANTIC_THRESHOLD
            ):
                suppressed.append(RiskSuppressed(sentence.start, sentence.end, self.exemplar_ids[best], "denied"))
                continue
            if self._about_someone_else(sentence.text):
                suppressed.append(RiskSuppressed(sentence.start, sentence.end, self.exemplar_ids[best], "third_person"))
                continue
            if (
                self.exemplar_levels[best] == "self_harm"
                and self.accidental.search(sentence.text)
                and not (DELIBERATE.search(sentence.text))
            ):
                suppressed.append(RiskSuppressed(sentence.start, sentence.end, self.exemplar_ids[best], "accidental"))
                continue
            findings.append(
                RiskFinding(
                    self.exemplar_levels[best],
                    sentence.start,
                    sentence.end,
                    "semantic",
                    self.exemplar_ids[best],
                    round(similarity, 3),
                )
            )
        return RiskResult(max_level([f.level for f in findings]), tuple(findings), tuple(suppressed), self.version)

    def assess_many(self, texts: Sequence[str]) -> list[RiskResult]:
        """``assess`` for many texts, with their sentences encoded in shared batches."""
        split = [split_sentences(text) for text in texts]
        embeddings = self.encoder.encode([s.text for sentences in split for s in sentences])
        results, offset = [], 0
        for sentences in split:
            results.append(self.assess_sentences(sentences, embeddings[offset : offset + len(sentences)]))
            offset += len(sentences)
        return results

    def assess(self, text: str) -> RiskResult:
        sentences = split_sentences(text)
        return self.assess_sentences(sentences, self.encoder.encode([s.text for s in sentences]))
