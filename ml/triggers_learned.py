"""The learned trigger stage: a small multi-label network over what the trigger pipeline already
computes for each sentence (issue 15).

Features per sentence: the sentence encoder's embedding (the pipeline's single forward pass; nothing
is encoded again), the similarity stage's score per category, whether a keyword of the category
counts in the sentence, and whether the category's only keywords were negated or resolved ("I
didn't drink"), so the keyword is read with its context. One hidden layer (ReLU; an average of a few
independently trained networks, stored as one wider layer) gives one sigmoid per category: a
category's probability does not take mass from another's, so a two-theme sentence records both, and
a sentence about nothing in particular leaves every category low. The probabilities are
temperature-scaled on the development set. Every category whose probability reaches ``threshold``
is recorded, or ``keyword_threshold`` when one of its keywords counts in the sentence; below both the
stage abstains. Inference is two matrix products per batch of sentences (numpy). The thresholds and
the temperature are chosen by ``python -m ml.train_triggers`` and stored with the weights. A learned
finding names the nearest training sentences of its category, so a clinician can see why it was
recorded.

Version 3.0 also reads the sentence's main clause (``ml.main_clause``: the sentence without its
because/since/when/after clause, pooled from the token states of the same encoder pass): its vector,
its similarity per category and whether a keyword counts inside it, and is trained with a pairwise
loss that puts a two-theme sentence's main theme above the second; on a sentence with no such clause
those columns repeat the sentence's own. Version 3.1 is 3.0's stage trained also on four more
independent writers (I–L, ``ml/eval_data/v5/``). Version 2.0 read the sentence alone.

Version 1.0 was a 17-way softmax (the categories and "no theme") over the embedding, similarity and
counted keywords: a second theme had to share the probability with the first, and a shared word
("a bottle of water") could not be read in its context.
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
    mean: np.ndarray  # (features,): inputs are standardised with the training set's mean and scale
    scale: np.ndarray  # (features,)
    hidden_weights: np.ndarray  # (features, hidden)
    hidden_bias: np.ndarray  # (hidden,)
    weights: np.ndarray  # (hidden, categories)
    bias: np.ndarray  # (categories,)
    temperature: float
    threshold: float
    keyword_threshold: float
    bank: np.ndarray  # (examples, dimensions): embeddings of training sentences
    bank_labels: np.ndarray  # (examples,) index into categories
    bank_texts: tuple[str, ...]
    # 3.0: the inputs also hold the main clause's vector, similarity and counted keywords (ml.main_clause)
    main_clause: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {key: i for i, key in enumerate(self.categories)})
        # per category: its training sentences' rows and embeddings, cut out once for ``nearest``
        rows = {i: np.flatnonzero(self.bank_labels == i) for i in range(len(self.categories))}
        object.__setattr__(self, "_by_category", {i: (r, np.ascontiguousarray(self.bank[r])) for i, r in rows.items()})

    def logits(self, features: np.ndarray) -> np.ndarray:
        """Per (sentence, category), before the temperature; one pass for the whole batch."""
        hidden = np.maximum(((features - self.mean) / self.scale) @ self.hidden_weights + self.hidden_bias, 0.0)
        return hidden @ self.weights + self.bias

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Calibrated probability per (sentence, category), categories in ``self.categories`` order;
        each is independent (a row may have two high, or none)."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(features) / self.temperature, -30.0, 30.0)))

    def nearest(self, embedding: np.ndarray, category: str, k: int = NEAREST) -> tuple[tuple[str, float], ...]:
        """The training sentences of ``category`` most similar to this sentence, with their similarity."""
        rows, vectors = self._by_category[self.index[category]]
        if not len(rows):
            return ()
        similarity = vectors @ embedding
        best = np.argsort(similarity)[::-1][:k]
        return tuple((self.bank_texts[rows[i]], round(float(similarity[i]), 3)) for i in best)


def features(
    embeddings: np.ndarray,
    semantic: np.ndarray,
    keyword: np.ndarray,
    quiet: np.ndarray,
    main: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """One row per sentence: embedding, similarity score per category, counted keyword per category,
    and keyword present but only negated or resolved per category; with ``main`` (the main clause's
    vector, similarity per category and counted keyword per category, the sentence's own when it
    has no because/since/when/after clause), those three after them."""
    parts = [embeddings, semantic, keyword, quiet, *(main or ())]
    return np.hstack(parts).astype(np.float32)


def save(path: Path, model: LearnedTriggers) -> None:
    np.savez_compressed(
        path,
        version=np.array(model.version),
        categories=np.array(model.categories),
        mean=model.mean.astype(np.float32),
        scale=model.scale.astype(np.float32),
        hidden_weights=model.hidden_weights.astype(np.float32),
        hidden_bias=model.hidden_bias.astype(np.float32),
        weights=model.weights.astype(np.float32),
        bias=model.bias.astype(np.float32),
        thresholds=np.array([model.temperature, model.threshold, model.keyword_threshold], dtype=np.float32),
        bank=model.bank.astype(np.float16),
        bank_labels=model.bank_labels.astype(np.int16),
        bank_texts=np.array(model.bank_texts),
        main_clause=np.array(model.main_clause),
    )


@cache
def load(path: Path = MODEL_FILE) -> LearnedTriggers | None:
    """The stored stage, read once per process (None when it has not been trained)."""
    if not path.exists():
        return None
    with np.load(path) as data:
        temperature, threshold, keyword_threshold = (float(v) for v in data["thresholds"])
        return LearnedTriggers(
            version=str(data["version"]),
            categories=tuple(str(c) for c in data["categories"]),
            mean=data["mean"],
            scale=data["scale"],
            hidden_weights=data["hidden_weights"],
            hidden_bias=data["hidden_bias"],
            weights=data["weights"],
            bias=data["bias"],
            temperature=temperature,
            threshold=threshold,
            keyword_threshold=keyword_threshold,
            bank=data["bank"].astype(np.float32),
            bank_labels=data["bank_labels"].astype(np.int64),
            bank_texts=tuple(str(t) for t in data["bank_texts"]),
            main_clause=bool(data["main_clause"]) if "main_clause" in data else False,
        )
