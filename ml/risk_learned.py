"""The learned risk stage: a small calibrated network over the sentence encoder's embeddings of each
sentence and its clause windows, with the context around it: the whole sentence, the previous and
next sentence of the entry, what the rules stage found or suppressed in that sentence, the scope of
negation, time and subject (ml.risk_scope), and the similarity to the nearest training sentences.

Nothing is encoded twice: a clause window's embedding is the mean of the token states the
pipeline's single forward pass already produced for its sentence (``Encoder.encode_with_tokens``),
and the neighbouring sentences are rows of the same batch. The network (two ReLU layers, plain
numpy at inference) has three outputs, a ladder: ``risk`` (any risk, history included) → ``alert``
(passive ideation and above) → ``level`` (which alert level). It was trained (``python -m
ml.train_risk``) with the row's label on the best unit of the row (multiple-instance learning: a
harmless entry teaches every unit, a risk entry its most alarming one), on sentences from more than
one writer; the binary heads are Platt-calibrated on out-of-writer predictions (a writer's
sentences scored by a model trained without them), and the thresholds are chosen there and on the
development set, so a score reads as a probability on wording the stage has not seen. A finding
names its stage, score, span and the nearest training sentences at its level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ml import one_blas_thread
from ml.risk_scope import FEATURES, clause_windows, scope_features
from ml.text import Span, TokenStates

MODEL_FILE = Path(__file__).resolve().parent / "data" / "risk_learned.npz"
DIM = 384
LEVELS = ("none", "history", "passive_ideation", "active_ideation", "plan_or_intent", "self_harm")
ALERT_LEVELS = LEVELS[2:]
BANK_LEVELS = LEVELS
RULE_REASONS = ("denied", "idiom", "third_person", "discussion", "accidental", "ending_other")
NEIGHBOURS = 3
# per unit: embedding, scope flags, whether it is a clause window rather than the whole sentence
UNIT_FEATURES = DIM + len(FEATURES) + 1
# the unit's context: its sentence, the previous and next sentence (zeros at the edges, and flags
# saying whether they exist), the rules' level in the sentence (one-hot) and why rules were held
CONTEXT_FEATURES = 3 * DIM + 2 + len(LEVELS) + len(RULE_REASONS)
# then the mean similarity of its NEIGHBOURS nearest training sentences per level, and the margin
# of the nearest alert level over the nearest harmless ones
FEATURE_COUNT = UNIT_FEATURES + CONTEXT_FEATURES + len(BANK_LEVELS) + 1
LAYERS = ("w1", "b1", "w2", "b2", "w3", "b3")


@dataclass(frozen=True)
class Unit:
    sentence: int  # index into the analysed sentences
    start: int  # offsets in the analysed text
    end: int
    kind: str  # sentence | clause


@dataclass(frozen=True)
class RuleReading:
    """What the rules stage made of one sentence: its level and why matches were held back."""

    level: str = "none"
    reasons: frozenset[str] = frozenset()


@dataclass(frozen=True)
class LearnedCall:
    """The learned stage's reading of one sentence (its best unit)."""

    level: str  # none | history | an alert level
    alert: float  # calibrated probability of alert-level risk, best unit
    risk: float  # calibrated probability of any risk (history included), best unit
    start: int
    end: int
    kind: str
    embedding: np.ndarray = field(compare=False, repr=False)


def units(sentences: Sequence[Span], embeddings: np.ndarray, tokens: Sequence[TokenStates] | None):
    """The units of every sentence (the sentence, and its clause windows when token states are
    given) and their feature rows. A unit's retraction flag reads the rest of its sentence and the
    next sentence ("I said no. That wasn't true.")."""
    found: list[Unit] = []
    rows: list[np.ndarray] = []
    for i, sentence in enumerate(sentences):
        following = sentences[i + 1].text if i + 1 < len(sentences) else ""
        found.append(Unit(i, sentence.start, sentence.end, "sentence"))
        rows.append(_row(embeddings[i], scope_features(sentence.text, following), 0.0))
        if tokens is None:
            continue
        for window in clause_windows(sentence.text):
            pooled = tokens[i].pool(window.start, window.end)
            if pooled is None:
                continue
            clause = sentence.text[window.start : window.end]
            rest = sentence.text[window.end :] + " " + following
            found.append(Unit(i, sentence.start + window.start, sentence.start + window.end, "clause"))
            rows.append(_row(pooled, scope_features(clause, rest), 1.0))
    matrix = np.vstack(rows).astype(np.float32) if rows else np.zeros((0, UNIT_FEATURES), np.float32)
    return found, matrix


def rule_matrix(rules: Sequence[RuleReading] | None, count: int) -> np.ndarray:
    """One row per sentence: the rules' level one-hot, then a flag per suppression reason."""
    out = np.zeros((count, len(LEVELS) + len(RULE_REASONS)), np.float32)
    out[:, 0] = 1.0
    for i, reading in enumerate(rules or ()):
        out[i, 0] = 0.0
        out[i, LEVELS.index(reading.level)] = 1.0
        for reason in reading.reasons:
            if reason in RULE_REASONS:
                out[i, len(LEVELS) + RULE_REASONS.index(reason)] = 1.0
    return out


def context_features(sentence_of_unit: np.ndarray, embeddings: np.ndarray, rules: np.ndarray) -> np.ndarray:
    """Per unit: its sentence's embedding, the previous and next sentence's (zeros at the edges),
    whether those exist, and its sentence's rule reading."""
    count = len(embeddings)
    padded = np.vstack([np.zeros((1, DIM), np.float32), embeddings, np.zeros((1, DIM), np.float32)])
    index = sentence_of_unit.astype(int)
    return np.hstack(
        [
            embeddings[index],
            padded[index],
            padded[index + 2],
            (index > 0).astype(np.float32)[:, None],
            (index < count - 1).astype(np.float32)[:, None],
            rules[index],
        ]
    ).astype(np.float32)


def alone(context: np.ndarray) -> np.ndarray:
    """``context_features`` rows as if each sentence were the entry's only one (no neighbours)."""
    out = context.copy()
    out[:, DIM : 3 * DIM + 2] = 0.0
    return out


def neighbour_features(
    embeddings: np.ndarray,
    bank: np.ndarray,
    bank_levels: np.ndarray,
    excluded: np.ndarray | None = None,
    bank_t: np.ndarray | None = None,
    bounds: np.ndarray | None = None,
) -> np.ndarray:
    """Per row of ``embeddings``: the mean similarity of its NEIGHBOURS nearest bank sentences at
    each level (BANK_LEVELS order), then the best alert level's minus the harmless one's.
    ``excluded`` (rows x bank) hides bank sentences, so a training unit never sees its own seed.
    ``bank_t``: the bank already transposed and contiguous (the stage's, made at load): the same products, a
    third of the time for the one to three units of a single sentence (no transposed copy per call).
    ``bounds``: where each level starts in a bank ordered by level (``level_bounds``, the stage's, made at
    load), so a call does not check the order again."""
    similarity = embeddings @ (bank.T if bank_t is None else bank_t)
    if excluded is not None:
        similarity = np.where(excluded, -1.0, similarity)
    # a bank ordered by level (the stage's, at load) is read in slices, not copied out level by level
    if bounds is None:
        bounds = level_bounds(bank_levels)
    ordered = bounds is not False
    table = np.zeros((len(embeddings), len(BANK_LEVELS)), similarity.dtype)
    for index in range(len(BANK_LEVELS)):
        if ordered:
            at_level = similarity[:, bounds[index] : bounds[index + 1]]
        else:
            at_level = similarity[:, bank_levels == index]
        width = at_level.shape[1]
        k = min(NEIGHBOURS, width)
        if not k:
            continue
        # the k largest, ascending, as a full sort's tail would give them (same values, same order,
        # so the same mean: numpy's mean of these is their sum, then divided) without sorting the
        # whole bank per unit
        top = np.partition(at_level, width - k, axis=1)[:, -k:]
        top.sort(axis=1)
        table[:, index] = top.sum(axis=1) / k
    margin = table[:, 2:].max(axis=1, keepdims=True) - table[:, :1]
    return np.hstack([table, margin]).astype(np.float32)


def level_bounds(bank_levels: np.ndarray):
    """Where each level starts and ends in a bank ordered by level, or False when it is not ordered."""
    if not bool(np.all(bank_levels[1:] >= bank_levels[:-1])):
        return False
    return np.searchsorted(bank_levels, np.arange(len(BANK_LEVELS) + 1))


def _row(embedding: np.ndarray, scope: list[float], is_clause: float) -> np.ndarray:
    return np.concatenate([embedding, np.asarray(scope, dtype=np.float32), [is_clause]])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


class LearnedRiskStage:
    def __init__(self, path: Path | None = MODEL_FILE, arrays: dict | None = None, reader=None):
        # the cascade's second stage (ml.risk_reader.RiskReader), or None
        self.reader = reader
        if arrays is None:
            with np.load(path, allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
        self.version = str(arrays["version"])
        self.layers = [arrays[name].astype(np.float32) for name in LAYERS]
        self.mean = arrays["x_mean"].astype(np.float32)
        self.scale = arrays["x_scale"].astype(np.float32)
        self.platt = {h: arrays[f"{h}_platt"].astype(np.float64) for h in ("risk", "alert")}
        self.alert_threshold = float(arrays["alert_threshold"])
        self.risk_threshold = float(arrays["risk_threshold"])
        # the alert score a sentence needs to be raised to each alert level (ALERT_LEVELS order; the
        # level is the level head's pick): chosen per level on held-out sentences where the weights
        # carry them, else ``alert_threshold`` for every level
        per_level = arrays.get("level_thresholds")
        self.level_thresholds = (
            np.full(len(ALERT_LEVELS), self.alert_threshold) if per_level is None else per_level.astype(np.float64)
        )
        # the bank in level order (stable, so each level keeps its own order): ``neighbour_features`` then
        # reads each level as a slice of one product
        levels = np.array([BANK_LEVELS.index(str(level)) for level in arrays["example_levels"]])
        order = np.argsort(levels, kind="stable")
        self.example_embeddings = np.ascontiguousarray(arrays["example_embeddings"][order], dtype=np.float32)
        self.example_texts = [str(arrays["example_texts"][i]) for i in order]
        self.example_levels = [str(arrays["example_levels"][i]) for i in order]
        self.bank_levels = levels[order]
        self._bank_t = np.ascontiguousarray(self.example_embeddings.T)
        self._bounds = level_bounds(self.bank_levels)
        # per level: its training sentences' embeddings and texts, for ``nearest`` (read per finding)
        self._by_level: dict[str, tuple[np.ndarray, list[str]]] = {}
        for level in dict.fromkeys(self.example_levels):
            mask = np.array([lv == level for lv in self.example_levels])
            texts = [t for t, keep in zip(self.example_texts, mask, strict=True) if keep]
            self._by_level[level] = (self.example_embeddings[mask], texts)

    def features(self, unit_rows: np.ndarray, context: np.ndarray, excluded: np.ndarray | None = None) -> np.ndarray:
        bank = neighbour_features(
            unit_rows[:, :DIM],
            self.example_embeddings,
            self.bank_levels,
            excluded,
            bank_t=self._bank_t,
            bounds=self._bounds,
        )
        return np.hstack([unit_rows, context, bank])

    def logits(self, features: np.ndarray) -> np.ndarray:
        """The network's raw outputs per unit: any-risk, alert, then the four alert levels."""
        w1, b1, w2, b2, w3, b3 = self.layers
        hidden = np.maximum((features - self.mean) / self.scale @ w1 + b1, 0.0)
        hidden = np.maximum(hidden @ w2 + b2, 0.0)
        return hidden @ w3 + b3

    def scores(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Calibrated any-risk and alert probabilities and the alert-level logits, per unit."""
        return self.calibrate(self.logits(features))

    def calibrate(self, out: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        calibrated = []
        for column, head in ((0, "risk"), (1, "alert")):
            a, b = self.platt[head]
            calibrated.append(_sigmoid(a * out[:, column] + b))
        return calibrated[0], calibrated[1], out[:, 2:]

    def read(
        self,
        sentences: Sequence[Span],
        embeddings: np.ndarray,
        tokens: Sequence[TokenStates] | None,
        rules: Sequence[RuleReading] | None = None,
    ) -> list[LearnedCall]:
        """One call per sentence: its best unit, and the level the thresholds give it. ``rules``:
        the rules stage's reading of each sentence (context for the network)."""
        found, unit_rows = units(sentences, embeddings, tokens)
        with one_blas_thread():
            return self.read_units(sentences, embeddings, found, unit_rows, rules, tokens)

    def read_units(
        self,
        sentences: Sequence[Span],
        embeddings: np.ndarray,
        found: Sequence[Unit],
        unit_rows: np.ndarray,
        rules: Sequence[RuleReading] | None = None,
        tokens: Sequence[TokenStates] | None = None,
    ) -> list[LearnedCall]:
        """``read`` on units already made (``units``)."""
        if not found:
            return []
        passes = self.unit_logits(sentences, embeddings, found, unit_rows, rules, tokens)
        risk, alert, level_logits = self.calibrate(passes[0])
        if len(passes) > 1:
            risk_alone, alert_alone, logits_alone = self.calibrate(passes[1])
            level_logits = np.where((alert_alone > alert)[:, None], logits_alone, level_logits)
            risk, alert = np.maximum(risk, risk_alone), np.maximum(alert, alert_alone)
        sentence_of_unit = np.fromiter((u.sentence for u in found), dtype=np.int64, count=len(found))
        count = len(sentences)
        # best unit per sentence by (alert, risk); the sentence's any-risk score is its units' maximum
        best = np.full(count, -1)
        top_risk = np.zeros(count)
        for u, i in enumerate(sentence_of_unit):
            if best[i] < 0 or (alert[u], risk[u]) > (alert[best[i]], risk[best[i]]):
                best[i] = u
            top_risk[i] = max(top_risk[i], risk[u])
        calls = []
        for i in range(count):
            u = int(best[i])
            unit = found[u]
            pick = int(level_logits[u].argmax())
            if alert[u] >= self.level_thresholds[pick]:
                level = ALERT_LEVELS[pick]
            elif top_risk[i] >= self.risk_threshold:
                level = "history"
            else:
                level = "none"
            calls.append(
                LearnedCall(
                    level, float(alert[u]), float(top_risk[i]), unit.start, unit.end, unit.kind, unit_rows[u, :DIM]
                )
            )
        return calls

    def unit_logits(
        self,
        sentences: Sequence[Span],
        embeddings: np.ndarray,
        found: Sequence[Unit],
        unit_rows: np.ndarray,
        rules: Sequence[RuleReading] | None = None,
        tokens: Sequence[TokenStates] | None = None,
    ) -> list[np.ndarray]:
        """The raw logits per unit: read in context, then (entries of more than one sentence) read
        alone; with a reader, possibly risky sentences' units carry the mixed logits."""
        sentence_of_unit = np.fromiter((u.sentence for u in found), dtype=np.int64, count=len(found))
        rule_rows = rule_matrix(rules, len(sentences))
        context = context_features(sentence_of_unit, embeddings[: len(sentences)], rule_rows)
        features = self.features(unit_rows, context)
        passes = [self.logits(features)]
        if len(sentences) > 1:
            # the neighbouring sentences may only raise a unit's scores, never lower them below the
            # sentence read alone: a benign neighbour must not dilute an explicit plan ("Work was
            # hard. I've got the tablets counted out for tonight."). Same embeddings, a second pass.
            features[:, UNIT_FEATURES : UNIT_FEATURES + CONTEXT_FEATURES] = alone(context)
            passes.append(self.logits(features))
        if self.reader is not None and tokens and tokens[0].lower is not None:
            passes = self._cascade(passes, sentences, found, sentence_of_unit, unit_rows, rule_rows, tokens)
        return passes

    def _cascade(self, passes, sentences, found, sentence_of_unit, unit_rows, rule_rows, tokens) -> list[np.ndarray]:
        """The reader's second opinion on the units of possibly risky sentences only (a rule read
        something there, or the network's any-risk logit reaches the reader's gate): their logits
        become the mix of the network's and the reader's; every other unit keeps the network's."""
        reader = self.reader
        top = np.max([p[:, 0] for p in passes], axis=0)
        flagged = (rule_rows[:, 0] == 0.0) | rule_rows[:, len(LEVELS) :].any(axis=1)  # a rule hit, or one held
        risky = flagged[sentence_of_unit] | (top >= reader.gate)
        chosen = np.flatnonzero(np.isin(sentence_of_unit, np.unique(sentence_of_unit[risky])))
        if not len(chosen):
            return passes
        read = np.unique(sentence_of_unit[chosen])
        local = np.searchsorted(read, sentence_of_unit[chosen])
        windows = [
            None
            if found[u].kind == "sentence"
            else (
                found[u].start - sentences[found[u].sentence].start,
                found[u].end - sentences[found[u].sentence].start,
            )
            for u in chosen
        ]
        extra = np.hstack([unit_rows[chosen, DIM:UNIT_FEATURES], rule_rows[sentence_of_unit[chosen]]])
        second = reader.logits([tokens[i] for i in read], local, windows, extra)
        out = []
        for p in passes:
            p = p.copy()
            p[chosen] = (1.0 - reader.mix) * p[chosen] + reader.mix * second
            out.append(p)
        return out

    def nearest(self, embedding: np.ndarray, level: str, k: int = 3) -> tuple[str, ...]:
        """The training sentences at ``level`` nearest to ``embedding`` (the finding's explanation)."""
        if level not in self._by_level:
            return ()
        vectors, texts = self._by_level[level]
        with one_blas_thread():
            similarity = vectors @ embedding
        return tuple(texts[i] for i in np.argsort(-similarity)[:k])
