"""The learned trigger stage (issue 15): indirect wording recorded, abstentions visible, every
finding explained, the stored stage read once, and the evaluation sets as floors (blind: aggregates only)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ml.evaluate import _read_jsonl, evaluate_triggers
from ml.text_evaluation import trigger_metrics
from ml.triggers import CustomTrigger, TriggerDetector
from ml.triggers_learned import load

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
V2 = ROOT / "ml" / "eval_data" / "v2"
V2_BLIND = ROOT / "tests" / "fixtures" / "eval_v2_blind"
BLIND = ROOT / "tests" / "fixtures" / "eval_blind"


@pytest.fixture(scope="module")
def detector():
    return TriggerDetector()


def aggregates(result: dict) -> dict:
    return {k: v for k, v in result.items() if k not in ("errors", "confusion")}


def test_abstentions_count_against_coverage_not_top1():
    rows = [
        {"text": "a", "category": "work"},
        {"text": "b", "category": "sleep"},
        {"text": "c", "category": "loneliness"},
        {"text": "d", "category": "none"},
    ]
    result = trigger_metrics(rows, recorded=["work", None, "sleep", None], forced=["work", "sleep", "sleep", "work"])
    # recorded: 2 right-or-wrong calls + the correctly quiet "none" row; the abstention on "sleep"
    # is not a top-1 error but lowers coverage
    assert result["coverage"] == 0.75 and result["top1_accuracy"] == round(2 / 3, 4)
    assert result["forced_top1"] == 0.75  # the old figure counts the abstention as a right answer


def test_a_null_category_is_a_row_with_no_theme():
    """The v5 writers wrote a no-theme row's category as null; it is scored as "none"."""
    rows = [{"text": "a", "category": None}, {"text": "b", "category": "none"}, {"text": "c", "category": None}]
    result = trigger_metrics(rows, recorded=[None, None, "work"], forced=["work", "work", "work"])
    assert result["top1_accuracy"] == round(2 / 3, 4) and result["coverage"] == 1.0
    assert result["per_category"] == {"none": round(2 / 3, 4)}


def test_the_cli_prints_recorded_top1_and_coverage_separately(tmp_path):
    data = tmp_path / "t.jsonl"
    data.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"text": "My boss yelled at me.", "category": "work"},
                {"text": "I picked up a parcel from the post office.", "category": "sleep"},
            ]
        )
    )
    run = [sys.executable, "-m", "ml.evaluate", "triggers", str(data)]
    out = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, check=True, timeout=900).stdout
    assert "top-1 of what is recorded 1.000, coverage 0.500" in out
    json_run = subprocess.run([*run, "--json"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=900)
    figures = json.loads(json_run.stdout)
    assert figures["coverage"] == 0.5 and figures["top1_accuracy"] == 1.0 and "triggers-learned" in figures["version"]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Nobody has rung me in a fortnight and the evenings drag on.", "loneliness"),
        ("I was still staring at the ceiling at four and the alarm went at half six.", "sleep"),
        ("My neighbour popped in with a casserole and stayed to chat, which I really needed.", "social_support"),
        ("I breathed out slowly and named five things I could hear until my heart settled.", "coping_skill"),
    ],
)
def test_indirect_wording_is_recorded_by_the_learned_stage(detector, text, category):
    findings, _ = detector.detect(text)
    best = max(findings, key=lambda f: f.score)
    assert best.category == category and best.method in {"learned", "keyword+learned"}


def test_a_learned_finding_explains_itself(detector):
    text = "My neighbour popped in with a casserole and stayed to chat, which I really needed."
    [finding] = [f for f in detector.detect(text)[0] if f.category == "social_support"]
    assert finding.method == "learned" and 0.0 < finding.score <= 1.0
    assert (finding.start, finding.end) == (0, len(text))
    assert len(finding.nearest) == 2 and all(isinstance(t, str) and -1 <= s <= 1 for t, s in finding.nearest)
    assert detector.version.endswith(load().version) and load().version.startswith("triggers-learned-")


def test_a_keyword_finding_keeps_the_keyword_span(detector):
    text = "Slept fine. My boss shouted at me in the meeting."
    work = next(f for f in detector.detect(text)[0] if f.category == "work")
    assert text[work.start : work.end] == "boss" and work.method == "keyword+learned"


def test_it_abstains_on_a_sentence_without_a_theme(detector):
    assert detector.detect("I need to renew the car insurance before Thursday.")[0] == []


def test_the_stored_stage_is_read_once_per_process(detector):
    assert load() is load() and TriggerDetector(detector.encoder).learned is detector.learned
    stage = load()
    # features: embedding, and per category similarity, counted keyword and negated-only keyword;
    # then the main clause's vector, similarity and counted keyword; one sigmoid output per category
    dimensions, categories = stage.bank.shape[1], len(stage.categories)
    features = dimensions + 3 * categories + dimensions + 2 * categories
    assert stage.main_clause and stage.hidden_weights.shape[0] == features == stage.mean.shape[0]
    assert stage.weights.shape == (stage.hidden_weights.shape[1], len(stage.categories))
    assert 0.0 < stage.keyword_threshold <= stage.threshold < 1.0 and len(stage.bank_texts) > 500
    assert stage.version == "triggers-learned-3.1" and stage.temperature > 0


def test_the_main_clause_theme_ranks_first(detector):
    """The main theme of a two-theme sentence is what its main clause reports; the because clause
    gives the second."""
    text = "I couldn't drop off until four because my manager's email kept going round my head."
    findings = sorted(detector.detect(text)[0], key=lambda f: -f.score)
    assert [f.category for f in findings][:1] == ["sleep"]


def test_the_pipeline_reuses_the_encoder_pass_for_main_clauses(detector):
    """The analyzer hands the trigger stage the token states of its single pass; the findings are the
    ones the detector reaches on its own."""
    from ml.analysis import TextAnalyzer

    text = "When my sister rang I finally cried. Since the funeral nobody visits."
    analysis = TextAnalyzer(detector.encoder).analyse(text)
    assert list(analysis.triggers) == detector.detect(text)[0]


def test_every_writers_set_is_a_writer():
    from ml.train_triggers import writer_files

    writers = writer_files()
    assert set("ABCDEFGHIJKL") <= set(writers) and all(p.name.startswith("triggers_writer") for p in writers.values())
    assert not any("blind" in str(p) for p in writers.values())


def test_categories_outside_the_learned_stage_keep_the_rules(detector):
    custom = detector.with_custom(
        [CustomTrigger("the_anniversary", "The anniversary in March", ("the anniversary", "March 14th"))]
    )
    findings, _ = custom.detect("March 14th is coming up and I'm dreading it.")
    [own] = [f for f in findings if f.category == "the_anniversary"]
    assert own.method == "phrase" and own.nearest == ()


def test_the_v2_development_set_holds_the_chosen_operating_point():
    """The thresholds were chosen on this set for coverage >= 0.90 (measured: stage 1.0 top-1 0.706 at
    coverage 0.914; stage 2.0, trained also on two independent writers' sets, 0.836 at 0.913; stage
    3.0, eight writers and the main clause, 0.867 at 0.914; stage 3.1, twelve writers, 0.869 at 0.909)."""
    result = evaluate_triggers(_read_jsonl(str(V2 / "triggers_dev.jsonl")))
    assert result["top1_accuracy"] >= 0.85 and result["coverage"] >= 0.90, aggregates(result)
    two_theme = result["per_class"]["two_theme"]
    assert two_theme["top1"] >= 0.65, two_theme  # 2.0: 0.560; 3.0: 0.711; 3.1: 0.697 (main theme first)


def test_the_first_blind_set_keeps_top1_and_gains_coverage():
    """Aggregates only. Before the learned stage: top-1 0.911 at coverage 0.701; with it 0.918 at 0.938."""
    figures = aggregates(evaluate_triggers(_read_jsonl(str(BLIND / "triggers.jsonl"))))
    assert figures["top1_accuracy"] >= 0.88 and figures["coverage"] >= 0.90, figures


def test_the_v2_blind_set_does_not_regress():
    """Aggregates only: the blind set's sentences are never printed, even on failure."""
    figures = aggregates(evaluate_triggers(_read_jsonl(str(V2_BLIND / "triggers.jsonl"))))
    top1, coverage = figures["top1_accuracy"], figures["coverage"]
    # measured: rules alone 0.705 at coverage 0.581; with the learned stage 0.751 at 0.840 (target: 0.90 at 0.90)
    assert top1 >= 0.72 and coverage >= 0.80, figures
