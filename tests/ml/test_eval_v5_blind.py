"""The v5 blind set stays well-formed. Counts and line numbers only: no item text is ever printed."""

import importlib.util
from pathlib import Path

import pytest

from ml.evaluate import is_blind

DIRECTORY = Path(__file__).resolve().parents[1] / "fixtures" / "eval_v5_blind"


def _stats():
    spec = importlib.util.spec_from_file_location("eval_v5_blind_stats", DIRECTORY / "stats.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sets():
    stats = _stats()
    return stats, stats.rows_of("risk.jsonl"), stats.rows_of("triggers.jsonl")


def test_v5_blind_set_is_valid_and_covers_every_class_and_category(sets):
    stats, risk, triggers = sets
    assert stats.problems(risk, triggers) == []
    assert len(risk) >= 420 and len(triggers) >= 270
    assert {r["cls"] for r in risk} == set(stats.RISK_CLASSES + stats.MIXED_CLASSES + stats.HARMLESS_CLASSES)
    assert "session_speech" in stats.HARMLESS_CLASSES
    none = sum(r["level"] == "none" for r in risk)
    assert 0.40 <= none / len(risk) <= 0.50
    harmless = sum(r["cls"] in stats.HARMLESS_CLASSES for r in risk)
    assert 0.35 <= harmless / len(risk) <= 0.45


def test_v5_blind_set_weights_plans_and_passive_and_both_styles(sets):
    stats, risk, _ = sets
    per_class = {c: sum(r["cls"] == c for r in risk) for c in stats.RISK_CLASSES}
    assert per_class["plan_no_words"] >= 80 and per_class["passive_indirect"] >= 50
    harmless = {c: sum(r["cls"] == c for r in risk) for c in stats.HARMLESS_CLASSES + stats.MIXED_CLASSES}
    assert harmless["session_speech"] >= 40 and harmless["true_denial"] >= 20
    dictated = sum(r["style"] == "dictated" for r in risk)
    assert 0.4 <= dictated / len(risk) <= 0.6


def test_v5_blind_triggers_cover_every_category_and_kind(sets):
    stats, _, triggers = sets
    for category in stats.CATEGORIES:
        assert sum(r["category"] == category for r in triggers) >= 10
    assert {r["category"] for r in triggers} == set(stats.CATEGORIES) | {"none"}
    n = len(triggers)
    two = sum(len(r["categories"]) == 2 for r in triggers)
    none = sum(not r["categories"] for r in triggers)
    single_indirect = sum(len(r["categories"]) == 1 and r["indirect"] for r in triggers)
    assert 0.12 <= two / n <= 0.22 and 0.08 <= none / n <= 0.18 and 0.45 <= single_indirect / n <= 0.65


def test_v5_validation_catches_a_bad_row_without_echoing_its_text():
    stats = _stats()
    secret = "A SENTENCE THAT MUST NOT BE ECHOED"
    bad = [{"text": secret, "risk": False, "level": "plan_or_intent", "style": "written", "cls": "idiom"}]
    dictated = [{"text": secret, "risk": False, "level": "none", "style": "dictated", "cls": "session_speech"}]
    found = stats.problems(bad, []) + stats.problems(dictated, [])
    assert len(found) == 2
    assert all(secret not in line for line in found)


def test_the_harness_treats_v5_as_blind():
    assert is_blind(str(DIRECTORY / "risk.jsonl")) and is_blind(str(DIRECTORY / "triggers.jsonl"))
