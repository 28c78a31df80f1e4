"""Trains the learned trigger stage (ml.triggers_learned) and chooses its thresholds on the development set.

    python -m ml.train_triggers        # writes ml/data/triggers_learned.npz, prints the dev figures
    python -m ml.train_triggers --cache /tmp/trigger-embeddings   # keeps the sentence embeddings between runs

Training rows: ml/eval_data/v2/triggers_train.jsonl (regenerate with
ml/eval_data/v2/generate_triggers.py). A row's categories (main and, for two-theme rows, second)
belong to the row, not to each of its sentences: single-sentence rows train first; then a
multi-sentence row contributes the sentence the first model scores highest for its main category as
the positive and its other sentences as having no theme (multiple-instance learning, two rounds).
Rows whose category is ``none`` train the "no theme" class. The thresholds come from the development
set only: the pair with the best recorded top-1 among those with coverage >= TARGET_COVERAGE. The
blind sets are never read here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from ml.text import Span, get_encoder, split_sentences
from ml.text_evaluation import trigger_metrics
from ml.triggers import TriggerDetector
from ml.triggers_learned import MODEL_FILE, LearnedTriggers, features, save

SETS = Path(__file__).resolve().parent / "eval_data" / "v2"
STAGE_VERSION = "triggers-learned-1.0"
C = 2.0  # of 0.5, 2 and 8, the best dev top-1 at coverage 0.9
TARGET_COVERAGE = 0.90  # the coverage target
THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5)
KEYWORD_THRESHOLDS = (0.05, 0.1, 0.15, 0.2)


def read(name: str) -> list[dict]:
    return [json.loads(line) for line in (SETS / name).read_text().splitlines() if line.strip()]


def encode(texts: list[str], encoder, cache: Path | None) -> np.ndarray:
    """The encoder's embeddings of ``texts``; with ``cache``, kept in a file named by the texts' hash
    and the encoder's version, so retraining does not encode the sets again."""
    if cache is None:
        return encoder.encode(texts)
    key = hashlib.sha1("\n".join([encoder.model_version, *texts]).encode(), usedforsecurity=False).hexdigest()
    path = cache / f"{key[:16]}.npy"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, encoder.encode(texts))
    return np.load(path)


def featurise(rows: list[dict], detector: TriggerDetector, cache: Path | None = None):
    """Per row: its sentences, their embeddings and feature rows (one pass of the encoder for all)."""
    split = [split_sentences(row["text"]) or [Span(0, len(row["text"]), row["text"])] for row in rows]
    embeddings = encode([s.text for sentences in split for s in sentences], detector.encoder, cache)
    out, offset = [], 0
    for sentences in split:
        vectors = embeddings[offset : offset + len(sentences)]
        offset += len(sentences)
        semantic, hits, _ = detector.sentence_evidence(sentences, vectors)
        keyword = np.array([[hit is not None for hit in row] for row in hits], dtype=np.float32)
        out.append((sentences, vectors, features(vectors, semantic, keyword)))
    return out


def _fit(x: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=3000).fit(x, y)


def training_units(rows, feats, categories, first=None):
    """(features, class, group) per unit; the class is a category's index or ``len(categories)``
    (no theme). ``first``: the first-round model that picks the unit of a multi-sentence row."""
    none = len(categories)
    xs, ys, groups = [], [], []
    for row, (_, _, unit_rows) in zip(rows, feats, strict=True):
        label = none if row["category"] == "none" else categories.index(row["category"])
        if label == none or len(unit_rows) == 1:
            chosen = dict.fromkeys(range(len(unit_rows)), label)
        elif first is None:
            continue
        else:
            best = int(first.predict_proba(unit_rows)[:, label].argmax())
            chosen = {u: label if u == best else none for u in range(len(unit_rows))}
        for u, y in chosen.items():
            xs.append(unit_rows[u])
            ys.append(y)
            groups.append(row.get("seed", row["text"]))
    return np.vstack(xs), np.array(ys), np.array(groups)


def train(rows, feats, categories) -> tuple[np.ndarray, np.ndarray]:
    x, y, _ = training_units(rows, feats, categories)
    first = _fit(x, y)
    x, y, _ = training_units(rows, feats, categories, first)
    print(f"training units: {len(x)} ({int((y == len(categories)).sum())} with no theme)")
    model = _fit(x, y)
    return model.coef_, model.intercept_


def bank(rows, feats, categories) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Written single-sentence training rows with a theme: the evidence a learned finding quotes."""
    vectors, labels, texts = [], [], []
    for row, (sentences, embeddings, _) in zip(rows, feats, strict=True):
        if row["style"] == "written" and row["category"] != "none" and len(sentences) == 1:
            vectors.append(embeddings[0])
            labels.append(categories.index(row["category"]))
            texts.append(row["text"])
    return np.vstack(vectors), np.array(labels), tuple(texts)


def evaluate(detector: TriggerDetector, rows, feats) -> dict:
    recorded, forced = [], []
    for row, (sentences, embeddings, _) in zip(rows, feats, strict=True):
        findings, _ = detector.detect_sentences(row["text"], sentences, embeddings)
        recorded.append(max(findings, key=lambda f: f.score).category if findings else None)
        forced.append(recorded[-1] or detector._best_below_thresholds(sentences, embeddings))
    return trigger_metrics(rows, recorded, forced)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ml.train_triggers", description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="a folder that keeps the sets' sentence embeddings between runs")
    args = parser.parse_args(argv)
    base = TriggerDetector(get_encoder(), learned=False)
    categories = tuple(base.taxonomy["categories"])
    train_rows, dev_rows = read("triggers_train.jsonl"), read("triggers_dev.jsonl")
    train_feats, dev_feats = featurise(train_rows, base, args.cache), featurise(dev_rows, base, args.cache)
    weights, bias = train(train_rows, train_feats, categories)
    vectors, labels, texts = bank(train_rows, train_feats, categories)

    def model(threshold: float, keyword_threshold: float) -> LearnedTriggers:
        return LearnedTriggers(
            STAGE_VERSION, categories, weights, bias, threshold, keyword_threshold, vectors, labels, texts
        )

    best = None
    detector = TriggerDetector(base.encoder, base.taxonomy, learned=model(THRESHOLDS[0], KEYWORD_THRESHOLDS[0]))
    print("dev: threshold, keyword threshold -> recorded top-1, coverage")
    for threshold in THRESHOLDS:
        for keyword_threshold in KEYWORD_THRESHOLDS:
            detector.learned = model(threshold, keyword_threshold)  # same heads, other thresholds
            result = evaluate(detector, dev_rows, dev_feats)
            top1, coverage = result["top1_accuracy"], result["coverage"]
            print(f"  {threshold:.2f} {keyword_threshold:.2f} -> {top1:.3f} {coverage:.3f}")
            if coverage >= TARGET_COVERAGE and (best is None or top1 > best[0]):
                best = (top1, coverage, threshold, keyword_threshold)
    if best is None:
        raise SystemExit(f"no threshold reaches dev coverage {TARGET_COVERAGE}")
    top1, coverage, threshold, keyword_threshold = best
    save(MODEL_FILE, model(threshold, keyword_threshold))
    print(
        f"chosen: threshold {threshold}, keyword threshold {keyword_threshold}: dev recorded top-1 "
        f"{top1:.3f} at coverage {coverage:.3f}; wrote {MODEL_FILE.name} ({STAGE_VERSION})"
    )


if __name__ == "__main__":
    main()
