"""The published evaluation sets as regression floors (the README reports the figures).

- ml/eval_data: the development sets the detectors were built against;
- tests/fixtures/eval_holdout: written independently; measured untouched once, then also used in
  development (so now a second development set);
- tests/fixtures/eval_blind: written independently and never used to change the detectors. Its risk
  figures are BELOW the targets; the floor below only stops them getting worse.
"""

from pathlib import Path

import pytest

from ml.evaluate import _read_jsonl, evaluate_risk, evaluate_triggers

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "ml" / "eval_data"
HOLDOUT = ROOT / "tests" / "fixtures" / "eval_holdout"
BLIND = ROOT / "tests" / "fixtures" / "eval_blind"

pytestmark = pytest.mark.slow


def aggregates(result: dict) -> dict:
    """The figures of a result without its per-item list: all a blind set may show."""
    return {k: v for k, v in result.items() if k not in ("errors", "confusion")}


@pytest.mark.parametrize("folder", [DEV, HOLDOUT], ids=["dev", "holdout"])
def test_risk_meets_the_targets_on_the_development_sets(folder):
    result = evaluate_risk(_read_jsonl(str(folder / "risk.jsonl")))
    assert result["recall"] >= 0.95 and result["precision"] >= 0.85, result["errors"]


def test_risk_on_the_blind_set_does_not_regress():
    figures = aggregates(evaluate_risk(_read_jsonl(str(BLIND / "risk.jsonl"))))
    recall, precision = figures["recall"], figures["precision"]
    assert recall >= 0.66 and precision >= 0.80, figures


@pytest.mark.parametrize("folder", [DEV, HOLDOUT, BLIND], ids=["dev", "holdout", "blind"])
def test_trigger_top1_meets_the_target(folder):
    result = evaluate_triggers(_read_jsonl(str(folder / "triggers.jsonl")))
    # A blind set's failure message carries aggregates only, never its sentences (and the assert
    # names no object holding them, so pytest's introspection cannot print them either).
    detail = aggregates(result) if folder == BLIND else result["errors"]
    top1 = result["top1_accuracy"]
    assert top1 >= 0.85, detail


def test_the_sets_are_big_enough():
    assert len(_read_jsonl(str(DEV / "risk.jsonl"))) >= 200
    assert len(_read_jsonl(str(DEV / "triggers.jsonl"))) >= 200


V2 = ROOT / "ml" / "eval_data" / "v2"
V2_BLIND = ROOT / "tests" / "fixtures" / "eval_v2_blind"


def test_risk_v2_development_set_holds_the_chosen_operating_point():
    """The learned stage's alert thresholds are chosen on held-out sentences (eight independent writers'
    sentences, each scored by a model trained without that writer) for alert precision >= 0.87; this
    set, never trained on, holds that operating point."""
    result = evaluate_risk(_read_jsonl(str(V2 / "risk_dev.jsonl")))
    # 1,240 rows since round 3 of the seeds; measured at risk-2.1: P 0.891, R 0.829, plan 0.819, accuracy 0.815.
    # risk-3.0 (learned stage 2.0, with reasons for living as hard negatives and neighbours that may
    # only raise a sentence's score) measured P 0.907, R 0.828, plan 0.786, accuracy 0.827 here: plan
    # recall 0.03 under 2.1 on this one writer's templated seeds, against +0.20 and +0.19 on two
    # independent writers' sentences (README, issue 15). Learned stage 2.1: P 0.896, R 0.844, plan
    # 0.800, accuracy 0.823; learned stage 3.0 (eight writers, templated rows at half weight): P 0.912,
    # R 0.873, plan 0.838, accuracy 0.848
    assert result["alert_precision"] >= 0.89 and result["alert_recall"] >= 0.85, aggregates(result)
    assert result["plan_recall"] >= 0.81 and result["level_accuracy"] >= 0.83, aggregates(result)


def test_risk_on_the_v2_blind_set_does_not_regress():
    """Aggregates only: the blind set's sentences are never printed, even on failure."""
    figures = aggregates(evaluate_risk(_read_jsonl(str(V2_BLIND / "risk.jsonl"))))
    precision, recall = figures["alert_precision"], figures["alert_recall"]
    plan, accuracy = figures["plan_recall"], figures["level_accuracy"]
    # measured at risk-2.0: alert precision 0.874, recall 0.796, plan recall 0.688, level accuracy 0.790;
    # at risk-2.1 (lexicon 1.5): 0.882, 0.826, 0.734, 0.812
    assert precision >= 0.87 and recall >= 0.81, figures
    assert plan >= 0.72 and accuracy >= 0.80, figures
