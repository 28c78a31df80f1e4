"""Evaluation helpers shared by tests and benchmarks."""

from __future__ import annotations

import re
import unicodedata

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
    # Titles, written or spelled out: Whisper writes "Mr." where a reference says "mister".
    "mr": "mister",
    "mrs": "missus",
    "dr": "doctor",
}


def words(text: str) -> list[str]:
    """Lower case, no punctuation, accents folded (so "número" matches the reference's "numero"), common
    English contractions and titles expanded (so "I'm" matches "I am" and "Mr." matches "mister")."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    tokens = re.sub(r"[^a-z0-9' ]+", " ", folded.replace("’", "'").replace("-", " ")).split()
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
# The figures live in ml.text_evaluation; these names stay importable from here.
from ml.text_evaluation import evaluate_risk, evaluate_triggers  # noqa: E402


def _read_jsonl(path: str) -> list[dict]:
    import json

    with open(path) as handle:
        return [json.loads(line) for line in handle if line.strip()]


def is_blind(path: str) -> bool:
    """A blind set's items are never printed: only aggregate figures leave the harness."""
    from pathlib import Path

    return any("blind" in part for part in Path(path).resolve().parts)


def _print_risk(result: dict) -> None:
    def f(value) -> str:
        return "  -  " if value is None else f"{value:.3f}"

    print(f"risk detector {result['version']} on {result['n']} sentences")
    print(
        f"any risk: precision {f(result['precision'])}  recall {f(result['recall'])}  f1 {f(result['f1'])}\n"
        f"alert level (passive ideation and above): precision {f(result['alert_precision'])}  "
        f"recall {f(result['alert_recall'])}\n"
        f"plan_or_intent recall {f(result['plan_recall'])}  level accuracy {f(result['level_accuracy'])}  "
        f"false alarms on harmless sentences {f(result['false_alarm_rate'])}"
    )
    print("recall per level (history: found at any level; others: found at alert level) / exact level:")
    for level, recall in result["recall_per_level"].items():
        print(f"  {level:<18}{f(recall)}  exact {f(result['exact_per_level'][level])}")
    print("per style:")
    for style, s in result["per_style"].items():
        print(
            f"  {style:<18}alert recall {f(s['alert_recall'])}  false alarms {f(s['false_alarm_rate'])}  "
            f"level accuracy {f(s['level_accuracy'])}  n={s['n']}"
        )
    print("per class:")
    for cls, s in result["per_class"].items():
        print(f"  {cls:<18}alert recall {f(s['alert_recall'])}  false alarms {f(s['false_alarm_rate'])}  n={s['n']}")
    levels = list(result["confusion"])
    print("gold \\ predicted".ljust(18) + "".join(lv[:9].rjust(10) for lv in levels))
    for gold in levels:
        print(gold.ljust(18) + "".join(str(result["confusion"][gold][p]).rjust(10) for p in levels))


def _print_triggers(result: dict) -> None:
    print(
        f"trigger detector {result['version']} on {result['n']} sentences: top-1 of what is recorded "
        f"{result['top1_accuracy']:.3f}, coverage {result['coverage']:.3f} "
        f"(forced top-1, abstentions hidden: {result['forced_top1']:.3f}; main or second theme "
        f"{result['top1_any_theme']:.3f})"
    )
    for category, top1 in result["per_category"].items():
        top1_text = "  -  " if top1 is None else f"{top1:.3f}"
        print(f"  {category:<20}top-1 {top1_text}  coverage {result['coverage_per_category'][category]:.3f}")
    for name in ("per_style", "per_class"):
        print(name.replace("_", " ") + ":")
        for key, s in result[name].items():
            top1_text = "  -  " if s["top1"] is None else f"{s['top1']:.3f}"
            print(f"  {key:<20}top-1 {top1_text}  coverage {s['coverage']:.3f}  n={s['n']}")


def main(argv: list[str] | None = None) -> int:
    import argparse
    import json

    parser = argparse.ArgumentParser(prog="python -m ml.evaluate", description="Evaluate the text detectors.")
    parser.add_argument("task", choices=("risk", "triggers", "notes"))
    parser.add_argument(
        "file",
        help="JSON Lines: risk {text, level, risk?, style?, class?}; triggers {text, category}; "
        "notes: a directory of scripted sessions (tests/fixtures/notes_eval/README.md)",
    )
    parser.add_argument("--json", action="store_true", help="the aggregate figures as one JSON object")
    parser.add_argument("--errors", action="store_true", help="list the misclassified lines (never for a blind set)")
    parser.add_argument("--aggregate-only", action="store_true", help="never print an item (implied for blind sets)")
    parser.add_argument("--language", default="en", help="the set's language (risk: en, es)")
    parser.add_argument(
        "--model", help="risk: another learned stage's weights (e.g. a leave-one-writer-out model from ml.train_risk)"
    )
    args = parser.parse_args(argv)
    if args.task == "notes":
        from ml.evaluate_notes import emit, evaluate_text_paths

        emit(evaluate_text_paths(args.file), as_json=args.json, errors=args.errors)
        return 0
    blind = args.aggregate_only or is_blind(args.file)
    if args.errors and blind:
        parser.error("a blind set is reported in aggregate only: --errors is refused")
    rows = _read_jsonl(args.file)
    if args.task == "risk":
        detector = None
        if args.model:
            from pathlib import Path

            from ml.risk import RiskDetector
            from ml.risk_learned import LearnedRiskStage

            detector = RiskDetector(learned=LearnedRiskStage(Path(args.model)))
        result = evaluate_risk(rows, detector=detector, language=args.language)
    else:
        result = evaluate_triggers(rows, language=args.language)
    errors = result.pop("errors")
    if args.json:
        result.pop("confusion", None)
        print(json.dumps(result))
        return 0
    _print_risk(result) if args.task == "risk" else _print_triggers(result)
    if args.errors:
        for error in errors:
            print(f"  [{error['gold']} -> {error['predicted']}] {error['text']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
