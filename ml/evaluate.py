"""Evaluation helpers shared by tests and benchmarks."""

from __future__ import annotations

import re

CONTRACTIONS = {
    "i'm": "i am",
    "it's": "it is",
    "i've": "i have",
    "i'll": "i will",
    "i'd": "i would",
    "can't": "can not",
    "won't": "will not",
    "don't": "do not",
    "didn't": "did not",
    "doesn't": "does not",
    "isn't": "is not",
    "wasn't": "was not",
    "couldn't": "could not",
    "that's": "that is",
    "we're": "we are",
    "they're": "they are",
    "you're": "you are",
}


def words(text: str) -> list[str]:
    """Lower case, no punctuation, common contractions expanded (so "I'm" matches "I am")."""
    tokens = re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("’", "'").replace("-", " ")).split()
    return " ".join(CONTRACTIONS.get(t, t) for t in tokens).replace("'", "").split()


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference length) by word-level edit distance."""
    ref, hyp = words(reference), words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1], len(ref)


def word_error_rate(reference: str, hypothesis: str) -> float:
    errors, length = word_errors(reference, hypothesis)
    return errors / max(1, length)


# --- the evaluation harness: python -m ml.evaluate risk|triggers FILE.jsonl [--json] -------------
def _read_jsonl(path: str) -> list[dict]:
    import json

    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def evaluate_risk(rows: list[dict]) -> dict:
    from ml.risk import LEVELS, RiskDetector

    detector = RiskDetector()
    tp = fp = fn = tn = correct_level = 0
    confusion = {gold: dict.fromkeys(LEVELS, 0) for gold in LEVELS}
    misses = []
    for row in rows:
        predicted = detector.assess(row["text"]).level
        gold_risk, predicted_risk = bool(row["risk"]), predicted != "none"
        tp += gold_risk and predicted_risk
        fp += (not gold_risk) and predicted_risk
        fn += gold_risk and not predicted_risk
        tn += (not gold_risk) and not predicted_risk
        correct_level += predicted == row["level"]
        confusion[row["level"]][predicted] += 1
        if gold_risk != predicted_risk:
            misses.append({"text": row["text"], "gold": row["level"], "predicted": predicted})
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "level_accuracy": round(correct_level / len(rows), 4),
        "n": len(rows),
        "confusion": confusion,
        "errors": misses,
        "version": detector.version,
    }


def evaluate_triggers(rows: list[dict]) -> dict:
    from ml.triggers import TriggerDetector

    detector = TriggerDetector()
    per: dict[str, list[int]] = {}
    correct = 0
    errors = []
    for row in rows:
        predicted = detector.top1(row["text"])
        hit = predicted == row["category"]
        correct += hit
        per.setdefault(row["category"], [0, 0])
        per[row["category"]][0] += hit
        per[row["category"]][1] += 1
        if not hit:
            errors.append({"text": row["text"], "gold": row["category"], "predicted": predicted})
    return {
        "top1_accuracy": round(correct / len(rows), 4),
        "per_category": {k: round(v[0] / v[1], 4) for k, v in sorted(per.items())},
        "n": len(rows),
        "errors": errors,
        "version": detector.version,
    }


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m ml.evaluate", description="Evaluate the text detectors.")
    parser.add_argument("task", choices=("risk", "triggers", "notes"))
    parser.add_argument(
        "file",
        help="JSON Lines: risk {text, risk, level}; triggers {text, category}; "
        "notes: a directory of scripted sessions (tests/fixtures/notes_eval/README.md)",
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--errors", action="store_true", help="list the misclassified lines")
    args = parser.parse_args(argv)
    if args.task == "notes":
        from ml.evaluate_notes import evaluate_text_paths, print_report

        result = evaluate_text_paths(args.file)
        if args.json:
            print(json.dumps(result if args.errors else {"paths": result["paths"]}))
        else:
            print_report(result)
            if args.errors:
                print(json.dumps(result["details"], indent=1))
        return 0
    rows = _read_jsonl(args.file)
    result = evaluate_risk(rows) if args.task == "risk" else evaluate_triggers(rows)
    if args.json:
        keys = (
            ("precision", "recall", "f1", "level_accuracy")
            if args.task == "risk"
            else ("top1_accuracy", "per_category")
        )
        print(json.dumps({**{k: result[k] for k in keys}, "n": result["n"], "version": result["version"]}))
        return 0
    if args.task == "risk":
        print(f"risk detector {result['version']} on {result['n']} sentences")
        print(
            f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  f1 {result['f1']:.3f}  "
            f"level accuracy {result['level_accuracy']:.3f}"
        )
        levels = list(result["confusion"])
        print("gold \\ predicted".ljust(18) + "".join(lv[:9].rjust(10) for lv in levels))
        for gold in levels:
            print(gold.ljust(18) + "".join(str(result["confusion"][gold][p]).rjust(10) for p in levels))
    else:
        print(
            f"trigger detector {result['version']} on {result['n']} sentences: top-1 accuracy "
            f"{result['top1_accuracy']:.3f}"
        )
        for category, recall in result["per_category"].items():
            print(f"  {category:<20}{recall:.3f}")
    if args.errors:
        for error in result["errors"]:
            print(f"  [{error['gold']} -> {error['predicted']}] {error['text']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
