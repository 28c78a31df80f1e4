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
    result = detector.assess("I'm starving to death. My friend told me she has been self-harming.")
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


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # the negation is the risk, not a denial of it
        ("I'd be fine if I just didn't wake up.", "passive_ideation"),
        # a denial the writer takes back, in the same sentence and in the next one
        ("I told the nurse I never think about killing myself, but that wasn't true.", "active_ideation"),
        ("I told my GP I wasn't thinking about killing myself. I lied.", "active_ideation"),
        # "now" in another clause does not make an old statement current
        ("Years ago I'd have said my kids were better off without me, now I know it isn't true.", "history"),
        ("I used to cut years ago and last night I did it again.", "self_harm"),
    ],
)
def test_negation_and_time_are_read_as_scope(detector, text, level):
    assert detector.assess(text).level == level


@pytest.mark.parametrize(
    "text",
    [
        "I'm going to end it with him tonight, I've rehearsed what I'll say.",
        "I'm ending things with my business partner, the lawyers are drawing it up.",
        "I wrote a goodbye message to the group chat and left it.",
        "I self-harmed years ago and sometimes I still think about how far I've come.",
        # the session notes' two false alerts (learned stage 1.1): sleeping tablets, and job loss
        "I don't want to rely on pills.",
        "I keep thinking I'll be the first one they let go.",
    ],
)
def test_endings_and_old_history_do_not_raise_an_alert(detector, text):
    assert detector.assess(text).level in {"none", "history"}


def test_the_learned_stage_explains_its_finding(detector):
    # (the rules catch "given the cat to my sister for good" since lexicon 1.5, so the learned
    # stage's example has no rule wording)
    text = "Work was long. I've said my thank-yous and sorted who gets my records, tonight is the night."
    result = detector.assess(text)
    learned = [f for f in result.findings if f.method == "learned"]
    assert result.level == "plan_or_intent" and learned
    finding = learned[0]
    assert finding.source.startswith("learned:") and 0.0 < finding.score <= 1.0
    assert text.index("I've said") <= finding.start < finding.end <= len(text)
    assert len(finding.nearest) == 3 and all(isinstance(t, str) and t for t in finding.nearest)
    assert "risk-learned-" in result.version


def test_a_clause_buried_in_a_dictated_run_on_is_found(detector):
    text = (
        "so work was mad again and then i picked the kids up and i've got the tablets counted out for tonight "
        "and then we had pasta and i watched telly"
    )
    result = detector.assess(text)
    assert result.level == "plan_or_intent"
    [finding] = [f for f in result.findings if f.level == "plan_or_intent"]
    assert "tablets" in text[finding.start : finding.end]


def test_the_committed_weights_match_the_feature_layout():
    from ml.risk_learned import ALERT_LEVELS, FEATURE_COUNT, LearnedRiskStage

    stage = LearnedRiskStage()
    w1, _, _, _, w3, b3 = stage.layers
    assert w1.shape[0] == FEATURE_COUNT == stage.mean.shape[0] == stage.scale.shape[0]
    assert w3.shape[1] == b3.shape[0] == 2 + len(ALERT_LEVELS)
    assert 0.0 < stage.alert_threshold < 1.0 and 0.0 < stage.risk_threshold < 1.0
    assert len(stage.example_texts) == len(stage.example_embeddings) == len(stage.example_levels) > 300


def test_token_states_come_from_the_same_pass_as_the_embeddings(detector):
    encoder = detector.encoder
    texts = ["I walked the dog.", "I said no, but that wasn't true, I do think about it."]
    embeddings, tokens = encoder.encode_with_tokens(texts)
    assert abs(embeddings - encoder.encode(texts)).max() < 1e-5
    clause = tokens[1].pool(0, len("I said no"))
    assert clause is not None and abs(float(clause @ clause) - 1.0) < 1e-5
    assert tokens[1].pool(500, 600) is None


def test_the_analyser_encodes_each_entry_once(detector):
    from ml.analysis import TextAnalyzer

    class Counting:
        def __init__(self, inner):
            self.inner, self.calls = inner, 0
            self.model_id, self.model_version = inner.model_id, inner.model_version

        def encode(self, texts, batch_size=32):
            return self.inner.encode(texts, batch_size)

        def encode_with_tokens(self, texts, batch_size=32):
            self.calls += 1
            return self.inner.encode_with_tokens(texts, batch_size)

    counting = Counting(detector.encoder)
    analyzer = TextAnalyzer(counting)
    counting.calls = 0
    analysis = analyzer.analyse("Work was hard. I've got the tablets counted out for tonight.")
    assert counting.calls == 1 and analysis.risk.level == "plan_or_intent"


def test_the_learned_stage_reads_the_neighbouring_sentences(detector):
    """The same sentence is read with its entry: the context features change its score."""
    from ml.text import split_sentences

    stage = detector.learned
    alone = split_sentences("I told the nurse I was fine.")
    entry = split_sentences("I told the nurse I was fine. That wasn't true, I still think about ending it.")
    embeddings, tokens = detector.encoder.encode_with_tokens([s.text for s in entry])
    first_alone = stage.read(alone, embeddings[:1], tokens[:1])[0]
    first_in_entry = stage.read(entry, embeddings, tokens)[0]
    assert first_alone.alert != first_in_entry.alert


def test_an_alert_threshold_per_level_gates_the_level_heads_pick(detector):
    import numpy as np

    from ml.risk_learned import ALERT_LEVELS, MODEL_FILE, LearnedRiskStage
    from ml.text import split_sentences

    with np.load(MODEL_FILE, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    sentences = split_sentences("the tablets are lined up on the shelf for when everyone has gone to bed tonight")
    embeddings, tokens = detector.encoder.encode_with_tokens([s.text for s in sentences])
    opened = LearnedRiskStage(None, {**arrays, "level_thresholds": np.zeros(len(ALERT_LEVELS))})
    [call] = opened.read(sentences, embeddings, tokens)
    assert call.level in ALERT_LEVELS
    closed = np.zeros(len(ALERT_LEVELS))
    closed[ALERT_LEVELS.index(call.level)] = 1.01  # above any probability: that level can no longer alert
    [gated] = LearnedRiskStage(None, {**arrays, "level_thresholds": closed}).read(sentences, embeddings, tokens)
    assert gated.level in ("none", "history") and gated.alert == call.alert
    # weights without per-level thresholds use the one alert threshold for every level
    single = LearnedRiskStage(None, {k: v for k, v in arrays.items() if k != "level_thresholds"})
    assert (single.level_thresholds == single.alert_threshold).all()
