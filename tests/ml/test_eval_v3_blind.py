"""The v3 blind set stays well-formed. Counts and line numbers only: no item text is ever printed."""

import importlib.util
from pathlib import Path

STATS = Path(__file__).resolve().parents[1] / "fixtures" / "eval_v3_blind" / "stats.py"


def _stats():
    spec = importlib.util.spec_from_file_location("eval_v3_blind_stats", STATS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_v3_blind_set_is_valid_and_covers_every_class_and_category():
    stats = _stats()
    risk, triggers = stats.rows_of("risk.jsonl"), stats.rows_of("triggers.jsonl")
    assert stats.problems(risk, triggers) == []
    assert len(risk) >= 400 and len(triggers) >= 250
    classes = {r["cls"] for r in risk}
    assert classes == set(stats.RISK_CLASSES + stats.MIXED_CLASSES + stats.HARMLESS_CLASSES)
    assert {r["category"] for r in triggers} == set(stats.CATEGORIES) | {"none"}
    harmless = sum(r["cls"] in stats.HARMLESS_CLASSES for r in risk)
    assert 0.35 <= harmless / len(risk) <= 0.45


def test_v3_validation_catches_a_bad_row_without_echoing_its_text():
    stats = _stats()
    secret = "A SENTENCE THAT MUST NOT BE ECHOED"
    bad = [{"text": secret, "risk": False, "level": "plan_or_intent", "style": "written", "cls": "idiom"}]
    dictated = [{"text": secret, "risk": False, "level": "none", "style": "dictated", "cls": "idiom"}]
    found = stats.problems(bad, []) + stats.problems(dictated, [])
    assert len(found) == 2
    assert all(secret not in line for line in found)
