import json
import subprocess
import sys
from pathlib import Path

import pytest

from ml.risk import LEVELS, RiskDetector, max_level

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def detector():
    return RiskDetector()


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("My kids would be fine without me.", "passive_ideation"),
        ("Everyone would be better off if I wasn't around.", "passive_ideation"),
        ("I keep thinking about killing myself.", "active_ideation"),
        ("I've been saving up my sleeping pills.", "plan_or_intent"),
        ("I cut my arm again last night.", "self_harm"),
        ("I tried to kill myself when I was nineteen.", "history"),
    ],
)
def test_it_catches_risk_language(detector, text, level):
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    "text",
    [
        "That exam destroyed me.",
        "I'm starving to death.",
        "My laptop battery died.",
        "I'm not suicidal, just exhausted.",
        "My grandfather died last spring.",
        "I burned my hand on the oven by accident.",
    ],
)
def test_idioms_denials_and_accidents_are_not_risk(detector, text):
    assert detector.assess(text).level == "none"


def test_findings_carry_the_span_and_what_fired(detector):
    text = "Work was fine. My kids would be fine without me."
    result = detector.assess(text)
    [finding] = result.findings
    assert text[finding.start : finding.end] == "My kids would be fine without me."
    assert finding.method == "rule" and finding.source == "passive.better_off" and result.version.startswith("risk-")


def test_suppressed_matches_are_reported_with_the_reason(detector):
    result = detector.assess("I'm starving to death. My friend told me she wants to kill herself.")
    assert result.level == "none"
    assert {s.reason for s in result.suppressed} <= {"idiom", "third_person"} and result.suppressed


def test_the_higher_level_wins():
    assert max_level(["history", "passive_ideation", "none"]) == "passive_ideation"
    assert LEVELS[-1] == "self_harm"


def test_the_evaluation_cli_prints_the_required_json(tmp_path):
    data = tmp_path / "risk.jsonl"
    data.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"text": "I want to die.", "risk": True, "level": "passive_ideation"},
                {"text": "Lovely walk today.", "risk": False, "level": "none"},
            ]
        )
    )
    out = subprocess.run(
        [sys.executable, "-m", "ml.evaluate", "risk", str(data), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert {"precision", "recall", "f1", "level_accuracy"} <= set(json.loads(out))
    triggers = tmp_path / "t.jsonl"
    triggers.write_text(json.dumps({"text": "My boss yelled at me.", "category": "work"}))
    out = subprocess.run(
        [sys.executable, "-m", "ml.evaluate", "triggers", str(triggers), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    assert json.loads(out)["top1_accuracy"] == 1.0 and "per_category" in json.loads(out)
