"""The v4–v8 blind sets stay well-formed, and v7 and v8 hold their figures. Counts, line numbers and aggregates only: no
item text is ever printed."""

import importlib.util
from pathlib import Path

import pytest

from ml.evaluate import is_blind

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
VERSIONS = ("v4", "v5", "v6", "v7", "v8", "v9")


def _stats(version: str):
    spec = importlib.util.spec_from_file_location(
        f"eval_{version}_blind_stats", FIXTURES / f"eval_{version}_blind" / "stats.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=VERSIONS)
def sets(request):
    stats = _stats(request.param)
    return stats, stats.rows_of("risk.jsonl"), stats.rows_of("triggers.jsonl")


def test_the_blind_set_is_valid_and_covers_every_class_and_category(sets):
    stats, risk, triggers = sets
    assert stats.problems(risk, triggers) == []
    assert len(risk) >= 420 and len(triggers) >= 270
    assert {r["cls"] for r in risk} == set(stats.RISK_CLASSES + stats.MIXED_CLASSES + stats.HARMLESS_CLASSES)
    assert "session_speech" in stats.HARMLESS_CLASSES
    none = sum(r["level"] == "none" for r in risk)
    assert 0.40 <= none / len(risk) <= 0.50
    harmless = sum(r["cls"] in stats.HARMLESS_CLASSES for r in risk)
    assert 0.35 <= harmless / len(risk) <= 0.45


def test_the_blind_set_weights_plans_and_passive_and_both_styles(sets):
    stats, risk, _ = sets
    per_class = {c: sum(r["cls"] == c for r in risk) for c in stats.RISK_CLASSES}
    assert per_class["plan_no_words"] >= 80 and per_class["passive_indirect"] >= 50
    dictated = sum(r["style"] == "dictated" for r in risk)
    assert 0.4 <= dictated / len(risk) <= 0.6


@pytest.mark.parametrize("version", ("v5", "v6", "v7", "v8"))
def test_v5_to_v8_weight_session_speech_and_true_denials(version):
    stats = _stats(version)
    risk = stats.rows_of("risk.jsonl")
    harmless = {c: sum(r["cls"] == c for r in risk) for c in stats.HARMLESS_CLASSES + stats.MIXED_CLASSES}
    assert harmless["session_speech"] >= 40 and harmless["true_denial"] >= 20


def test_the_blind_triggers_cover_every_category_and_kind(sets):
    stats, _, triggers = sets
    for category in stats.CATEGORIES:
        assert sum(r["category"] == category for r in triggers) >= 10
    assert {r["category"] for r in triggers} == set(stats.CATEGORIES) | {"none"}
    n = len(triggers)
    two = sum(len(r["categories"]) == 2 for r in triggers)
    none = sum(not r["categories"] for r in triggers)
    single_indirect = sum(len(r["categories"]) == 1 and r["indirect"] for r in triggers)
    assert 0.12 <= two / n <= 0.22 and 0.08 <= none / n <= 0.18 and 0.45 <= single_indirect / n <= 0.65


@pytest.mark.parametrize("version", VERSIONS)
def test_validation_catches_a_bad_row_without_echoing_its_text(version):
    stats = _stats(version)
    secret = "A SENTENCE THAT MUST NOT BE ECHOED"
    bad = [{"text": secret, "risk": False, "level": "plan_or_intent", "style": "written", "cls": "idiom"}]
    dictated = [{"text": secret, "risk": False, "level": "none", "style": "dictated", "cls": "session_speech"}]
    found = stats.problems(bad, []) + stats.problems(dictated, [])
    assert len(found) == 2
    assert all(secret not in line for line in found)


@pytest.mark.parametrize("version", VERSIONS)
def test_the_harness_treats_the_set_as_blind(version):
    directory = FIXTURES / f"eval_{version}_blind"
    assert is_blind(str(directory / "risk.jsonl")) and is_blind(str(directory / "triggers.jsonl"))


# Floors a little under what each set gives with the shipped detectors (README "Blind set v7", "Blind set v8" and
# "Learned stage 3.2"). risk-learned-3.2 on v7: alert P 0.927, R 0.973, plan R 0.969, level accuracy 0.935 (3.1:
# 0.922 / 0.960 / 0.949 / 0.920); on v8, its second measurement: 0.910 / 0.955 / 0.948 / 0.909 (3.1, at v8's first:
# 0.895 / 0.919 / 0.907 / 0.878); on v9, fresh (measured once): 0.916 / 0.978 / 0.959 / 0.933. Triggers: v7 0.902 at
# coverage 0.939, v8 0.911 at 0.922, v9 0.906 at 0.935.
FRESH_FLOORS = {
    "v7": {
        "alert_precision": 0.92,
        "alert_recall": 0.965,
        "plan_recall": 0.96,
        "level_accuracy": 0.925,
        "top1": 0.89,
        "coverage": 0.92,
    },
    "v8": {
        "alert_precision": 0.90,
        "alert_recall": 0.945,
        "plan_recall": 0.94,
        "level_accuracy": 0.90,
        "top1": 0.90,
        "coverage": 0.91,
    },
    "v9": {
        "alert_precision": 0.905,
        "alert_recall": 0.97,
        "plan_recall": 0.95,
        "level_accuracy": 0.925,
        "top1": 0.895,
        "coverage": 0.925,
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("version", sorted(FRESH_FLOORS))
def test_the_set_holds_the_figures_measured_when_it_was_fresh(version):
    """The message carries aggregates only."""
    stats = _stats(version)
    figures = stats.evaluate(stats.rows_of("risk.jsonl"), stats.rows_of("triggers.jsonl"))
    risk, triggers = figures["risk"], figures["triggers"]
    got = {k: risk[k] for k in ("alert_precision", "alert_recall", "plan_recall", "level_accuracy")}
    got.update(top1=triggers["top1_accuracy"], coverage=triggers["coverage"])
    assert all(got[k] >= floor for k, floor in FRESH_FLOORS[version].items()), got
