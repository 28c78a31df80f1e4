"""The learned trigger stage: a multinomial logistic model over what the trigger pipeline already
computes for each sentence (issue 15).

Features per sentence: the sentence encoder's embedding (the pipeline's single forward pass; nothing
is encoded again), the similarity stage's score per category and whether a keyword of the category
counts in the sentence (after negation and "resolved" scope). The classes are the taxonomy's
categories plus "no theme", so a sentence about nothing in particular takes its probability mass
away from every category. Every category whose probability reaches ``threshold`` is recorded (two
themes can both pass), or ``keyword_threshold`` when one of its keywords counts in the sentence;
below both the stage abstains. One-vs-rest heads (Platt-calibrated) were tried first and ranked the
categories worse on the development set (recorded top-1 0.68 against about 0.72 at coverage 0.90).
The thresholds are chosen on the development set by ``python -m ml.train_triggers`` and stored with
the weights. A learned finding names the nearest training sentences of its category, so a clinician
can see why it was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

MODEL_FILE = Path(__file__).resolve().parent / "data" / "triggers_learned.npz"
NEAREST = 2  # training sentences named as evidence for a learned finding


@dataclass(frozen=True)
class LearnedTriggers:
    version: str
    categories: tuple[str, ...]
    weights: np.ndarray  # (categories + 1, features): the last row is "no theme"
    bias: np.ndarray  # (categories + 1,)
    threshold: float
    keyword_threshold: float
    bank: np.ndarray  # (examples, dimensions): embeddings of training sentences
    bank_labels: np.ndarray  # (examples,) index into categories
    bank_texts: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {key: i for i, key in enumerate(self.categories)})

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Probability per (sentence, category), categories in ``self.categories`` order (the
        "no theme" class is left out, so a row sums to at most 1)."""
        decision = features @ self.weights.T + self.bias
        decision = np.exp(decision - decision.max(axis=1, keepdims=True))
        return (decision / decision.sum(axis=1, keepdims=True))[:, : len(self.categories)]

    def nearest(self, embedding: np.ndarray, category: str, k: int = NEAREST) -> tuple[tuple[str, float], ...]:
        """The training sentences of ``category`` most similar to this sentence, with their similarity."""
        rows = np.flatnonzero(self.bank_labels == self.index[category])
        if not len(rows):
            return ()
        similarity = self.bank[rows] @ embedding
        best = np.argsort(similarity)[::-1][:k]
        return tuple((self.bank_texts[rows[i]], round(float(similarity[i]), 3)) for i in best)


def features(embeddings: np.ndarray, semantic: np.ndarray, keyword: np.ndarray) -> np.ndarray:
    """One row per sentence: embedding, similarity score per category, counted keyword per category."""
    return np.hstack([embeddings, semantic, keyword]).astype(np.float32)


def save(path: Path, model: LearnedTriggers) -> None:
    np.savez_compressed(
        path,
        version=np.array(model.version),
        categories=np.array(model.categories),
        weights=model.weights.astype(np.float32),
        bias=model.bias.astype(np.float32),
        thresholds=np.array([model.threshold, model.keyword_threshold], dtype=np.float32),
        bank=model.bank.astype(np.float16),
        bank_labels=model.bank_labels.astype(np.int16),
        bank_texts=np.array(model.bank_texts),
    )


@cache
def load(path: Path = MODEL_FILE) -> LearnedTriggers | None:
    """The stored stage, read once per process (None when it has not been trained)."""
    if not path.exists():
        return None
    with np.load(path) as data:
        threshold, keyword_threshold = (float(v) for v in data["thresholds"])
        return LearnedTriggers(
            version=str(data["version"]),
            categories=tuple(str(c) for c in data["categories"]),
            weights=data["weights"],
            bias=data["bias"],
            threshold=threshold,
            keyword_threshold=keyword_threshold,
            bank=data["bank"].astype(np.float32),
            bank_labels=data["bank_labels"].astype(np.int64),
            bank_texts=tuple(str(t) for t in data["bank_texts"]),
        )
