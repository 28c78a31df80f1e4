"""Triggers and protective factors, per sentence, with the exact span.

Two signals are combined: the category's keywords (word-boundary matches, which give the span and
allow negation handling) and semantic similarity of the sentence to the category's example phrases
and description (all-MiniLM-L6-v2). A keyword in a negated or resolved clause ("I didn't drink this
week", "I used to drink") does not count for categories where negation means absence; for sleep,
loneliness and trauma reminders a negated verb often states the problem ("I couldn't sleep") and is
kept. A learned stage (``ml.triggers_learned``, issue 15) reads both signals and the sentence's
embedding, and decides the taxonomy's categories: a calibrated sigmoid per category with an abstain
threshold, so indirect wording ("I set the table for one again") is recorded and a sentence can carry
two themes (it also reads the main clause, so the main clause's theme ranks first: "I've barely
slept since she moved out" → sleep, then relationship); every finding names its stage (``method``),
score, span and, when learned, the nearest training sentences. Categories the stage was not
trained on (a practice's own, a patient's phrases) keep the keyword and similarity rules. The
taxonomy is data (``ml/data/taxonomy.json``); practices add categories, clinicians add
patient-specific triggers (``CustomTrigger``) with a few phrases.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ml.lexical import negated_before, resolved_in_clause
from ml.main_clause import main_clause_vectors
from ml.text import (
    Encoder,
    Span,
    TokenStates,
    fold_accents,
    get_encoder,
    literals_union,
    lowered,
    required_literals,
    split_sentences,
    without_ignorecase,
)
from ml.triggers_learned import LearnedTriggers
from ml.triggers_learned import features as learned_features
from ml.triggers_learned import load as load_learned

TAXONOMY_PATH = Path(__file__).resolve().parent / "data" / "taxonomy.json"
# Other languages' keywords for the same categories (issue 19). The encoder is English, so these
# detectors are keyword-only: a counted keyword is a finding with KEYWORD_ONLY_SCORE.
KEYWORD_TAXONOMIES = {"es": Path(__file__).resolve().parent / "data" / "taxonomy_es.json"}
KEYWORD_ONLY_SCORE = 0.6
DETECTOR_VERSION = "triggers-2.0"
# A counted keyword below the learned stage's keyword threshold is kept from this share of it up.
SECOND_THEME_SHARE = 0.5
KEYWORD_BOOST = 0.22
PRESENT_THRESHOLD = 0.50  # combined score for a finding
SEMANTIC_ONLY_THRESHOLD = 0.55


@dataclass(frozen=True)
class CustomTrigger:
    key: str
    label: str
    phrases: tuple[str, ...]
    kind: str = "patient_trigger"


@dataclass(frozen=True)
class TriggerFinding:
    category: str
    kind: str  # trigger | protective | patient_trigger
    score: float
    start: int  # character offsets in the analysed text
    end: int
    method: str  # keyword+learned | learned | keyword+semantic | semantic | phrase (the stage that recorded it)
    sentence_start: int
    sentence_end: int
    # learned findings: the nearest training sentences of the category and their similarity
    nearest: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Suppressed:
    category: str
    start: int
    end: int
    reason: str  # negated | resolved


@dataclass(frozen=True)
class Evidence:
    """What the detector decides from, per sentence and category (``TriggerDetector.evidence``): the
    similarity score, the first keyword match that counts, the categories whose only keywords were
    negated or resolved, the suppressed matches, and the learned stage's probabilities (None without
    the stage). Computed once, it can be decided under several thresholds (the training sweep)."""

    semantic: np.ndarray
    hits: list[list[re.Match | None]]
    quiet: list[set[str]]
    suppressed: tuple[Suppressed, ...]
    probabilities: np.ndarray | None


@dataclass
class _Category:
    key: str
    kind: str
    negation_means_absent: bool
    pattern: re.Pattern | None
    texts: list[str] = field(default_factory=list)
    vectors: np.ndarray | None = None


def load_taxonomy(extra: dict | None = None) -> dict:
    """The default taxonomy, optionally extended or overridden by a practice's categories."""
    taxonomy = json.loads(TAXONOMY_PATH.read_text())
    if extra:
        taxonomy = {
            **taxonomy,
            "categories": {**taxonomy["categories"], **extra.get("categories", {})},
            "version": f"{taxonomy['version']}+{extra.get('version', 'practice')}",
        }
    return taxonomy


@functools.lru_cache(maxsize=1024)
def _cased(pattern: re.Pattern) -> re.Pattern:
    return without_ignorecase(pattern)


@functools.lru_cache(maxsize=1024)
def _needs(pattern: re.Pattern) -> frozenset[str] | None:
    """What a keyword pattern's lower-cased search needs to see before it is worth running."""
    return required_literals(_cased(pattern))


@functools.lru_cache(maxsize=64)
def _literals(needs: tuple[frozenset[str] | None, ...]) -> tuple[str, ...]:
    """Every string some category needs, each looked for once per sentence."""
    return literals_union(needs)


def _keyword_pattern(words: Sequence[str]) -> re.Pattern | None:
    if not words:
        return None
    alternatives = sorted({re.escape(w.lower()) for w in words}, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(alternatives) + r")(?![\w'])", re.I)


class TriggerDetector:
    def __init__(
        self,
        encoder: Encoder | None = None,
        taxonomy: dict | None = None,
        custom: Sequence[CustomTrigger] = (),
        learned: LearnedTriggers | None | bool = True,
    ):
        """``learned``: the stored learned stage (True, read once per process), a given one, or
        False for the keyword and similarity stages alone (what the learned stage is trained on)."""
        self.encoder = encoder or get_encoder()
        self.taxonomy = taxonomy or load_taxonomy()
        self.learned = load_learned() if learned is True else (learned or None)
        self.version = f"{DETECTOR_VERSION}/{self.taxonomy['version']}" + (
            f"/{self.learned.version}" if self.learned else ""
        )
        self.categories: list[_Category] = []
        for key, spec in self.taxonomy["categories"].items():
            self.categories.append(
                _Category(
                    key=key,
                    kind=spec["kind"],
                    negation_means_absent=spec.get("negation_means_absent", True),
                    pattern=_keyword_pattern(spec.get("keywords", [])),
                    texts=[spec["description"], *spec.get("examples", [])],
                )
            )
        for trigger in custom:
            self.categories.append(
                _Category(
                    key=trigger.key,
                    kind=trigger.kind,
                    negation_means_absent=True,
                    pattern=_keyword_pattern(trigger.phrases),
                    texts=list(trigger.phrases),
                )
            )
        self._column = {c.key: i for i, c in enumerate(self.categories)}
        all_texts = [t for c in self.categories for t in c.texts]
        vectors = self.encoder.encode(all_texts)
        offset = 0
        for category in self.categories:
            category.vectors = vectors[offset : offset + len(category.texts)]
            offset += len(category.texts)

    def with_custom(self, custom: Sequence[CustomTrigger]) -> TriggerDetector:
        """A detector that also knows one patient's own triggers; only their phrases are encoded."""
        if not custom:
            return self
        clone = object.__new__(TriggerDetector)
        clone.encoder, clone.taxonomy, clone.version = self.encoder, self.taxonomy, self.version
        clone.learned, clone._column = self.learned, self._column
        extra = [
            _Category(
                key=t.key,
                kind=t.kind,
                negation_means_absent=True,
                pattern=_keyword_pattern(t.phrases),
                texts=list(t.phrases),
            )
            for t in custom
        ]
        vectors = self.encoder.encode([text for c in extra for text in c.texts])
        offset = 0
        for category in extra:
            category.vectors = vectors[offset : offset + len(category.texts)]
            offset += len(category.texts)
        clone.categories = [*self.categories, *extra]
        return clone

    def scores(self, embeddings: np.ndarray) -> np.ndarray:
        """Semantic score per (sentence, category): the best similarity to the category's phrases,
        blended with the mean of its three best (one lucky neighbour should not decide)."""
        bank_t, gather, few = self._phrase_bank()
        # one product against every category's phrases, then each category's three best side by side
        # (a phrase list shorter than the longest is padded with a column that is never among them)
        sims = embeddings @ bank_t
        sims[:, -1] = -np.inf
        grouped = sims[:, gather]
        width = grouped.shape[2]
        top = np.partition(grouped, width - 3, axis=2)[:, :, -3:] if width > 3 else grouped.copy()
        top.sort(axis=2)
        top = top[:, :, -3:]
        # the mean as numpy's ``mean`` computes it (sum, then divide), without its per-call overhead
        out = 0.6 * top[:, :, -1] + 0.4 * (top.sum(axis=2) / 3)
        for col, start, end in few:  # fewer than three phrases: the mean of what there is
            part = np.sort(sims[:, start:end], axis=1)
            out[:, col] = 0.6 * part[:, -1] + 0.4 * (part.sum(axis=1) / part.shape[1])
        return out

    def _phrase_bank(self) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int, int]]]:
        """Every category's phrase vectors side by side (transposed, plus one padding column), where each
        category's columns are, and the categories with fewer than three phrases; made on first use and
        again if a category's vectors are replaced."""
        key = tuple(id(c.vectors) for c in self.categories)
        cached = getattr(self, "_bank_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        vectors = [c.vectors for c in self.categories]
        total = sum(len(v) for v in vectors)
        bank_t = np.zeros((vectors[0].shape[1], total + 1), dtype=vectors[0].dtype)
        width = max(3, max(len(v) for v in vectors))
        gather = np.full((len(vectors), width), total, dtype=np.intp)
        few, offset = [], 0
        for col, block in enumerate(vectors):
            bank_t[:, offset : offset + len(block)] = block.T
            gather[col, : len(block)] = np.arange(offset, offset + len(block))
            if len(block) < 3:
                few.append((col, offset, offset + len(block)))
            offset += len(block)
        built = (np.ascontiguousarray(bank_t), gather, few)
        self._bank_cache = (key, built)
        return built

    def sentence_evidence(
        self, sentences: Sequence[Span], embeddings: np.ndarray, suppressed: list[Suppressed] | None = None
    ) -> tuple[np.ndarray, list[list[re.Match | None]], list[set[str]]]:
        """Per sentence and category: the similarity score, the first keyword match that counts
        (None if none), and which categories had only negated or resolved keywords."""
        semantic = self.scores(embeddings)
        suppressed = [] if suppressed is None else suppressed
        hits: list[list[re.Match | None]] = []
        quiet: list[set[str]] = []
        needs = tuple(None if c.pattern is None else _needs(c.pattern) for c in self.categories)
        literals = _literals(needs)
        for sentence in sentences:
            here: set[str] = set()
            low = lowered(sentence.text)
            # a category none of whose keywords' strings is in the sentence cannot match: not searched
            present = {part for part in literals if part in low} if low is not None else None
            hits.append(
                [
                    None
                    if c.pattern is None or (present is not None and need is not None and need.isdisjoint(present))
                    else self._first_counted_match(c, sentence, suppressed, here, low)
                    for c, need in zip(self.categories, needs, strict=True)
                ]
            )
            quiet.append(here)
        return semantic, hits, quiet

    def learned_features(
        self,
        embeddings: np.ndarray,
        semantic: np.ndarray,
        hits,
        quiet,
        categories: Sequence[str] | None = None,
        main: tuple[np.ndarray, list[list[tuple[int, int]]]] | None = None,
    ) -> np.ndarray:
        """The learned stage's input rows (``ml.triggers_learned.features``), in its categories' order
        (or ``categories``). ``main``: the main clauses' vectors and spans
        (``ml.main_clause.main_clause_vectors``) for a stage that reads them; a keyword counts in the
        main clause when it starts inside one of its spans."""
        categories = categories or self.learned.categories
        columns = [self._column[key] for key in categories]
        shape = (len(hits), len(columns))
        keyword = np.array([[row[c] is not None for c in columns] for row in hits], dtype=np.float32).reshape(shape)
        negated = np.array([[key in here for key in categories] for here in quiet], dtype=np.float32).reshape(shape)
        semantic = semantic[:, columns]
        if main is None:
            return learned_features(embeddings, semantic, keyword, negated)
        vectors, spans = main
        main_semantic, main_keyword = semantic.copy(), keyword.copy()
        split = [row for row, here in enumerate(spans) if here]
        if split:
            main_semantic[split] = self.scores(vectors[split])[:, columns]
        for row in split:
            for j, column in enumerate(columns):
                hit = hits[row][column]
                if hit is not None and not any(a <= hit.start() < z for a, z in spans[row]):
                    main_keyword[row, j] = 0.0
        return learned_features(embeddings, semantic, keyword, negated, (vectors, main_semantic, main_keyword))

    def evidence(
        self, sentences: Sequence[Span], embeddings: np.ndarray, tokens: Sequence[TokenStates] | None = None
    ) -> Evidence:
        """The evidence for ``sentences``. ``tokens`` (``Encoder.encode_with_tokens``, the same pass as
        ``embeddings``) give a main-clause stage its clauses' vectors; without them the sentences are
        encoded again for their token states."""
        suppressed: list[Suppressed] = []
        semantic, hits, quiet = self.sentence_evidence(sentences, embeddings, suppressed)
        probabilities = None
        if self.learned is not None:
            main = None
            if self.learned.main_clause:
                if tokens is None:
                    _, tokens = self.encoder.encode_with_tokens([s.text for s in sentences])
                main = main_clause_vectors(sentences, embeddings, tokens)
            probabilities = self.learned.probabilities(
                self.learned_features(embeddings, semantic, hits, quiet, main=main)
            )
        return Evidence(semantic, hits, quiet, tuple(suppressed), probabilities)

    def detect_sentences(
        self,
        text: str,
        sentences: Sequence[Span],
        embeddings: np.ndarray,
        tokens: Sequence[TokenStates] | None = None,
        evidence: Evidence | None = None,
    ) -> tuple[list[TriggerFinding], list[Suppressed]]:
        """Findings and suppressed keywords for ``sentences`` of ``text``; ``evidence``: computed
        beforehand by ``self.evidence`` (the thresholds are read here, not there)."""
        findings: list[TriggerFinding] = []
        if not sentences:
            return findings, []
        evidence = evidence or self.evidence(sentences, embeddings, tokens)
        semantic, hits, quiet, probabilities = evidence.semantic, evidence.hits, evidence.quiet, evidence.probabilities
        suppressed = list(evidence.suppressed)
        for row, sentence in enumerate(sentences):
            for col, category in enumerate(self.categories):
                hit = hits[row][col]
                probability = (
                    float(probabilities[row, self.learned.index[category.key]])
                    if probabilities is not None and category.key in self.learned.index
                    else None
                )
                if probability is not None:
                    finding = self._learned_finding(
                        category, sentence, hit, probability, embeddings[row], category.key in quiet[row]
                    )
                    if finding is not None:
                        findings.append(finding)
                        continue
                    if hit is None or probability < self.learned.keyword_threshold * SECOND_THEME_SHARE:
                        continue
                    # A counted keyword the learned stage ranks below its threshold but still gives
                    # some weight (often a sentence's second theme: "drinking more to get to sleep")
                    # is recorded as the keyword stage would, scored at the learned probability so it
                    # ranks below the learned findings. A keyword the stage gives almost nothing
                    # ("the post office") is not.
                score = float(semantic[row, col])
                if hit is not None:
                    combined = min(1.0, score + KEYWORD_BOOST)
                    if combined >= PRESENT_THRESHOLD or category.kind == "patient_trigger":
                        method = "phrase" if category.kind == "patient_trigger" else "keyword+semantic"
                        findings.append(
                            TriggerFinding(
                                category.key,
                                category.kind,
                                round(combined if probability is None else probability, 3),
                                sentence.start + hit.start(),
                                sentence.start + hit.end(),
                                method,
                                sentence.start,
                                sentence.end,
                            )
                        )
                elif score >= SEMANTIC_ONLY_THRESHOLD and category.key not in quiet[row]:
                    findings.append(
                        TriggerFinding(
                            category.key,
                            category.kind,
                            round(score, 3),
                            sentence.start,
                            sentence.end,
                            "semantic",
                            sentence.start,
                            sentence.end,
                        )
                    )
        return findings, suppressed

    def _learned_finding(
        self, category: _Category, sentence: Span, hit, probability: float, embedding: np.ndarray, quiet: bool
    ) -> TriggerFinding | None:
        """A taxonomy category the learned stage knows: recorded at its calibrated probability when
        it passes the stage's threshold (the lower keyword threshold when a keyword counts). A
        sentence whose only keyword for the category was negated or resolved records nothing for it.
        The span is the keyword when there is one, else the sentence; the nearest training sentences
        of the category are the evidence."""
        learned = self.learned
        if hit is None and (quiet or probability < learned.threshold):
            return None
        if hit is not None and probability < min(learned.threshold, learned.keyword_threshold):
            return None
        start, end = (
            (sentence.start + hit.start(), sentence.start + hit.end()) if hit else (sentence.start, sentence.end)
        )
        return TriggerFinding(
            category.key,
            category.kind,
            round(probability, 3),
            start,
            end,
            "keyword+learned" if hit else "learned",
            sentence.start,
            sentence.end,
            nearest=learned.nearest(embedding, category.key),
        )

    @staticmethod
    def _first_counted_match(
        category: _Category,
        sentence: Span,
        suppressed: list[Suppressed],
        suppressed_here: set[str],
        low: str | None = None,
    ):
        """The first keyword match that counts; negated or resolved ones are recorded as suppressed.
        ``low``: the sentence lower-cased (same length), matched without IGNORECASE, which is faster
        and finds the same keywords at the same offsets (the keywords are lower case)."""
        found = _cased(category.pattern).finditer(low) if low is not None else category.pattern.finditer(sentence.text)
        for match in found:
            reason = None
            if category.negation_means_absent and negated_before(sentence.text, match.start()):
                reason = "negated"
            elif category.negation_means_absent and resolved_in_clause(sentence.text, match.start()):
                reason = "resolved"
            if reason is None:
                return match
            suppressed.append(
                Suppressed(category.key, sentence.start + match.start(), sentence.start + match.end(), reason)
            )
            suppressed_here.add(category.key)
        return None

    def _encode(self, texts: list[str]) -> tuple[np.ndarray, list[TokenStates] | None]:
        """Embeddings, and token states when the learned stage reads main clauses (one pass)."""
        if self.learned is not None and self.learned.main_clause:
            return self.encoder.encode_with_tokens(texts)
        return self.encoder.encode(texts), None

    def detect(self, text: str) -> tuple[list[TriggerFinding], list[Suppressed]]:
        sentences = split_sentences(text)
        embeddings, tokens = self._encode([s.text for s in sentences])
        return self.detect_sentences(text, sentences, embeddings, tokens)

    def recorded_top1(self, text: str) -> str | None:
        """The best category among the findings this detector records for ``text`` (None: it abstains)."""
        return self.top1_many([text])[0][0]

    def top1(self, text: str) -> str | None:
        """The single best category for a short text, even when nothing passes the thresholds."""
        return self.top1_many([text])[0][1]

    def top1_many(self, texts: Sequence[str]) -> list[tuple[str | None, str]]:
        """Per text: (the best recorded category or None, the best category even below the
        thresholds), with every text's sentences encoded in shared batches."""
        split = [split_sentences(text) or [Span(0, len(text), text)] for text in texts]
        embeddings, tokens = self._encode([s.text for sentences in split for s in sentences])
        out, offset = [], 0
        for text, sentences in zip(texts, split, strict=True):
            vectors = embeddings[offset : offset + len(sentences)]
            evidence = self.evidence(
                sentences, vectors, None if tokens is None else tokens[offset : offset + len(sentences)]
            )
            offset += len(sentences)
            out.append(self.decide_top1(text, sentences, vectors, evidence))
        return out

    def decide_top1(
        self, text: str, sentences: Sequence[Span], vectors: np.ndarray, evidence: Evidence
    ) -> tuple[str | None, str]:
        """(the best recorded category or None, the best category even below the thresholds)."""
        findings, _ = self.detect_sentences(text, sentences, vectors, evidence=evidence)
        recorded = max(findings, key=lambda f: f.score).category if findings else None
        if recorded is not None:
            return recorded, recorded
        if evidence.probabilities is None:
            return None, self.categories[int(evidence.semantic.max(axis=0).argmax())].key
        return None, self.learned.categories[int(evidence.probabilities.max(axis=0).argmax())]


class KeywordTriggerDetector:
    """Triggers for a language the encoder does not read: the category's keywords in that language
    (``ml/data/taxonomy_<language>.json``), with the same negation and "resolved" handling as the
    English keyword stage. The categories' kinds and negation behaviour come from the English
    taxonomy, so both languages record the same categories. Text and keywords are lower-cased and
    accent-folded (one character for one, so spans are the original text's)."""

    def __init__(self, language: str = "es"):
        self.language = language
        spec = json.loads(KEYWORD_TAXONOMIES[language].read_text(encoding="utf-8"))
        base = load_taxonomy()["categories"]
        self.version = f"{DETECTOR_VERSION}/{spec['version']}/keywords-only"
        self.categories = [
            _Category(
                key=key,
                kind=base[key]["kind"],
                negation_means_absent=base[key].get("negation_means_absent", True),
                pattern=_keyword_pattern([fold_accents(w) for w in entry["keywords"]]),
            )
            for key, entry in spec["categories"].items()
        ]

    def detect_sentences(self, text: str, sentences: Sequence[Span]) -> tuple[list[TriggerFinding], list[Suppressed]]:
        findings: list[TriggerFinding] = []
        suppressed: list[Suppressed] = []
        for sentence in sentences:
            folded = Span(sentence.start, sentence.end, fold_accents(sentence.text))
            for category in self.categories:
                for match in category.pattern.finditer(folded.text):
                    reason = None
                    if category.negation_means_absent and negated_before(folded.text, match.start(), self.language):
                        reason = "negated"
                    elif category.negation_means_absent and resolved_in_clause(
                        folded.text, match.start(), self.language
                    ):
                        reason = "resolved"
                    start, end = sentence.start + match.start(), sentence.start + match.end()
                    if reason is not None:
                        suppressed.append(Suppressed(category.key, start, end, reason))
                        continue
                    findings.append(
                        TriggerFinding(
                            category.key,
                            category.kind,
                            KEYWORD_ONLY_SCORE,
                            start,
                            end,
                            "keyword",
                            sentence.start,
                            sentence.end,
                        )
                    )
                    break
        return findings, suppressed

    def top1_many(self, texts: Sequence[str]) -> list[tuple[str | None, str]]:
        """Per text: (the first recorded category or None, the same or "none"): with no semantic
        stage there is nothing below the threshold to force."""
        out = []
        for text in texts:
            findings, _ = self.detect_sentences(text, split_sentences(text) or [Span(0, len(text), text)])
            recorded = min(findings, key=lambda f: f.start).category if findings else None
            out.append((recorded, recorded or "none"))
        return out
