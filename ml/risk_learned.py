"""The learned risk stage: calibrated logistic heads over the sentence encoder's embeddings of each
sentence and of its clause windows, plus the scope of negation, time and subject (ml.risk_scope).

Nothing is encoded twice: a clause window's embedding is the mean of the token states the
pipeline's single forward pass already produced for its sentence (``Encoder.encode_with_tokens``).
The heads form a ladder: ``risk`` (any risk, history included) → ``alert`` (passive ideation and
above) → ``level`` (which alert level). Each binary head is Platt-calibrated on out-of-fold
training predictions (folds keep a seed's variants together), so its score reads as a probability;
the thresholds are chosen on the development set (``python -m ml.train_risk``) and stored with the
weights. A finding names its stage, score, span and the nearest training sentences at its level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ml.risk_scope import FEATURES, clause_windows, scope_features
from ml.text import Span, TokenStates

MODEL_FILE = Path(__file__).resolve().parent / "data" / "risk_learned.npz"
ALERT_LEVELS = ("passive_ideation", "active_ideation", "plan_or_intent", "self_harm")
BANK_LEVELS = ("none", "history", *ALERT_LEVELS)
NEIGHBOURS = 3
# per unit: embedding, scope flags, whether it is a clause window rather than the whole sentence;
# then the mean similarity of its NEIGHBOURS nearest training sentences per level, and the margin
# of the nearest risk level over the nearest harmless ones
UNIT_FEATURES = 384 + len(FEATURES) + 1
FEATURE_COUNT = UNIT_FEATURES + len(BANK_LEVELS) + 1


@dataclass(frozen=True)
class Unit:
    sentence: int  # index into the analysed sentences
    start: int  # offsets in the analysed text
    end: int
    kind: str  # sentence | clause


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


def neighbour_features(
    embeddings: np.ndarray, bank: np.ndarray, bank_levels: np.ndarray, excluded: np.ndarray | None = None
) -> np.ndarray:
    """Per row of ``embeddings``: the mean similarity of its NEIGHBOURS nearest bank sentences at
    each level (BANK_LEVELS order), then the best alert level's minus the harmless one's.
    ``excluded`` (rows x bank) hides bank sentences, so a training unit never sees its own seed."""
    similarity = embeddings @ bank.T
    if excluded is not None:
        similarity = np.where(excluded, -1.0, similarity)
    columns = []
    for index in range(len(BANK_LEVELS)):
        at_level = similarity[:, bank_levels == index]
        k = min(NEIGHBOURS, at_level.shape[1])
        if not k:
            columns.append(np.zeros(len(embeddings)))
            continue
        # the k largest, ascending, as a full sort's tail would give them (same values, same order,
        # so the same mean) without sorting the whole bank per unit
        top = np.partition(at_level, at_level.shape[1] - k, axis=1)[:, -k:]
        columns.append(np.sort(top, axis=1).mean(axis=1))
    table = np.stack(columns, axis=1)
    margin = table[:, 2:].max(axis=1, keepdims=True) - table[:, :1]
    return np.hstack([table, margin]).astype(np.float32)


def _row(embedding: np.ndarray, scope: list[float], is_clause: float) -> np.ndarray:
    return np.concatenate([embedding, np.asarray(scope, dtype=np.float32), [is_clause]])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


class LearnedRiskStage:
    def __init__(self, path: Path = MODEL_FILE):
        with np.load(path, allow_pickle=False) as data:
            self.version = str(data["version"])
            self.weights = {h: data[f"{h}_w"].astype(np.float32) for h in ("risk", "alert", "level")}
            self.bias = {h: data[f"{h}_b"].astype(np.float32) for h in ("risk", "alert", "level")}
            self.platt = {h: data[f"{h}_platt"].astype(np.float64) for h in ("risk", "alert")}
            self.alert_threshold = float(data["alert_threshold"])
            self.risk_threshold = float(data["risk_threshold"])
            self.example_embeddings = data["example_embeddings"].astype(np.float32)
            self.example_texts = [str(t) for t in data["example_texts"]]
            self.example_levels = [str(t) for t in data["example_levels"]]
        self.bank_levels = np.array([BANK_LEVELS.index(level) for level in self.example_levels])
        # per level: its training sentences' embeddings and texts, for ``nearest`` (read per finding)
        self._by_level: dict[str, tuple[np.ndarray, list[str]]] = {}
        for level in dict.fromkeys(self.example_levels):
            mask = np.array([lv == level for lv in self.example_levels])
            texts = [t for t, keep in zip(self.example_texts, mask, strict=True) if keep]
            self._by_level[level] = (self.example_embeddings[mask], texts)

    def features(self, unit_rows: np.ndarray) -> np.ndarray:
        return np.hstack([unit_rows, neighbour_features(unit_rows[:, :384], self.example_embeddings, self.bank_levels)])

    def scores(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Calibrated any-risk and alert probabilities and the alert-level logits, per unit."""
        out = []
        for head in ("risk", "alert"):
            z = features @ self.weights[head] + self.bias[head]
            a, b = self.platt[head]
            out.append(_sigmoid(a * z + b))
        return out[0], out[1], features @ self.weights["level"].T + self.bias["level"]

    def read(
        self, sentences: Sequence[Span], embeddings: np.ndarray, tokens: Sequence[TokenStates] | None
    ) -> list[LearnedCall]:
        """One call per sentence: its best unit, and the level the thresholds give it."""
        found, unit_rows = units(sentences, embeddings, tokens)
        if not found:
            return []
        features = self.features(unit_rows)
        risk, alert, level_logits = self.scores(features)
        best: dict[int, int] = {}
        top_risk: dict[int, float] = {}
        for u, unit in enumerate(found):
            current = best.get(unit.sentence)
            if current is None or (alert[u], risk[u]) > (alert[current], risk[current]):
                best[unit.sentence] = u
            top_risk[unit.sentence] = max(top_risk.get(unit.sentence, 0.0), float(risk[u]))
        calls = []
        for i in range(len(sentences)):
            u, unit = best[i], found[best[i]]
            if alert[u] >= self.alert_threshold:
                level = ALERT_LEVELS[int(level_logits[u].argmax())]
            elif top_risk[i] >= self.risk_threshold:
                level = "history"
            else:
                level = "none"
            calls.append(
                LearnedCall(level, float(alert[u]), top_risk[i], unit.start, unit.end, unit.kind, features[u, :384])
            )
        return calls

    def nearest(self, embedding: np.ndarray, level: str, k: int = 3) -> tuple[str, ...]:
        """The training sentences at ``level`` nearest to ``embedding`` (the finding's explanation)."""
        if level not in self._by_level:
            return ()
        vectors, texts = self._by_level[level]
        similarity = vectors @ embedding
        return tuple(texts[i] for i in np.argsort(-similarity)[:k])
