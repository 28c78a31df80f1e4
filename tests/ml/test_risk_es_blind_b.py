"""The second Spanish blind set as a regression floor (aggregates only).

tests/fixtures/eval_es_blind_b/ was written by an independent writer who never saw the Spanish
lexicon, rules, development set or first blind set, committed before the detector was run on it, and
measured once at risk-lexicon-es-1.0 and once at 1.1 (tuned on the separate development set B,
ml/eval_data/es/risk_dev_b.jsonl, written from blind B's aggregate weak classes only). Its figures are
still far below the first blind set's and below the targets: these floors only stop them getting
worse. No assertion names an object holding the sentences, so a failure prints aggregate figures only.
"""

from pathlib import Path

import pytest

from ml.evaluate import _read_jsonl, evaluate_risk

SET = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "eval_es_blind_b" / "risk.jsonl"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def figures() -> dict:
    result = evaluate_risk(_read_jsonl(str(SET)), language="es")
    return {k: v for k, v in result.items() if k not in ("errors", "confusion")}


def test_alert_figures_do_not_regress(figures):
    # measured once at risk-lexicon-es-1.0: alert precision 0.731, recall 0.438, plan recall 0.240,
    # level accuracy 0.614, false alarms on harmless rows 0.160; once at risk-lexicon-es-1.1 (tuned on
    # ml/eval_data/es/risk_dev_b.jsonl, never on this set): 0.846, 0.589, 0.400, 0.709, 0.100
    precision, recall = figures["alert_precision"], figures["alert_recall"]
    plan, accuracy = figures["plan_recall"], figures["level_accuracy"]
    false_alarms = figures["false_alarm_rate"]
    assert precision >= 0.80 and recall >= 0.55, figures
    assert plan >= 0.35 and accuracy >= 0.67, figures
    assert false_alarms <= 0.13, figures


def test_recall_per_level_does_not_regress(figures):
    # measured at 1.0: passive 0.500, active 0.737, plan 0.240, self-harm 0.636, history (any level) 0.625;
    # at 1.1: passive 0.656, active 0.842, plan 0.400, self-harm 0.818, history 0.625
    per_level = figures["recall_per_level"]
    floors = {
        "passive_ideation": 0.60,
        "active_ideation": 0.78,
        "plan_or_intent": 0.35,
        "self_harm": 0.75,
        "history": 0.50,
    }
    short = sorted(level for level, floor in floors.items() if per_level[level] < floor)
    assert not short, per_level


def test_false_alarms_per_harmless_class_do_not_regress(figures):
    # measured at 1.0: idiom 0.045, third person 0.222, ending things 0.286, true denial 0.286, everyday 0.050;
    # at 1.1: idiom 0.045, third person 0.056, ending things 0.143, true denial 0.214, everyday 0.050
    rates = {cls: s["false_alarm_rate"] for cls, s in figures["per_class"].items() if s["false_alarm_rate"] is not None}
    ceilings = {
        "idiom": 0.10,
        "third_person": 0.12,
        "false_alarm_end_it": 0.20,
        "true_denial": 0.28,
        "everyday_negative": 0.10,
    }
    over = sorted(cls for cls, ceiling in ceilings.items() if rates[cls] > ceiling)
    assert not over, rates
