"""Scoring at every band edge, answer validation, change flags and risk rules (no database)."""

import pytest

from apps.checkins import scoring

DEFS = {d["key"]: d for d in scoring.load_builtin()}
PHQ9, GAD7, CSSRS = DEFS["phq9"], DEFS["gad7"], DEFS["cssrs_screener"]


def answers_totalling(definition, total, n_items):
    values, left = [], total
    for _ in range(n_items):
        v = min(3, left)
        values.append(v)
        left -= v
    prefix = definition["key"]
    return {f"{prefix}_{i + 1}": v for i, v in enumerate(values)}


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "none_minimal"),
        (4, "none_minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_edges(total, band):
    answers = answers_totalling(PHQ9, total, 9)
    answers["phq9_9"], answers["phq9_1"] = answers["phq9_1"], answers["phq9_9"]  # keep item 9 low where possible
    _, result = scoring.score(PHQ9, answers)
    assert (result.total, result.band_key) == (total, band)


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_band_edges(total, band):
    _, result = scoring.score(GAD7, answers_totalling(GAD7, total, 7))
    assert (result.total, result.band_key) == (total, band)


def test_the_difficulty_item_is_optional_and_not_scored():
    answers = {**answers_totalling(PHQ9, 3, 9), "phq9_difficulty": 3}
    _, result = scoring.score(PHQ9, answers)
    assert result.total == 3


def test_incomplete_out_of_range_and_unknown_answers_are_named():
    answers = answers_totalling(PHQ9, 3, 9)
    del answers["phq9_4"]
    answers["phq9_2"] = 4
    answers["phq9_3"] = True
    answers["total"] = 27  # clients never send totals
    with pytest.raises(scoring.AnswerError) as exc:
        scoring.score(PHQ9, answers)
    assert set(exc.value.fields) == {"phq9_4", "phq9_2", "phq9_3", "total"}


@pytest.mark.parametrize(("item9", "level"), [(0, None), (1, "moderate"), (2, "high"), (3, "high")])
def test_phq9_item9_is_a_risk_signal(item9, level):
    answers = {**answers_totalling(PHQ9, 0, 9), "phq9_9": item9}
    _, result = scoring.score(PHQ9, answers)
    assert [(f.signal, f.level) for f in result.risk] == ([("phq9_item9", level)] if level else [])
    if level:
        assert result.risk[0].evidence["items"][0] == {
            "item": "phq9_9",
            "answer": item9,
            "period": None,
            "loinc": "44260-8",
        }


def cssrs(**yes):
    answers = {"cssrs_1": 0, "cssrs_2": 0, "cssrs_6": 0}
    answers.update({f"cssrs_{k.removeprefix('q')}": v for k, v in yes.items()})
    return answers


@pytest.mark.parametrize(
    ("answers", "expected", "band"),
    [
        (cssrs(), [], "negative"),
        (cssrs(q1=1), [("cssrs_wish_dead", "low")], "risk_low"),
        (cssrs(q2=1, q3=0, q4=0, q5=0), [("cssrs_suicidal_thoughts", "low")], "risk_low"),
        (
            cssrs(q2=1, q3=1, q4=0, q5=0),
            [("cssrs_suicidal_thoughts", "low"), ("cssrs_method", "moderate")],
            "risk_moderate",
        ),
        (
            cssrs(q2=1, q3=1, q4=1, q5=0),
            [("cssrs_suicidal_thoughts", "low"), ("cssrs_method", "moderate"), ("cssrs_intent", "high")],
            "risk_high",
        ),
        (cssrs(q2=1, q3=0, q4=0, q5=1), [("cssrs_suicidal_thoughts", "low"), ("cssrs_plan", "high")], "risk_high"),
        (cssrs(q6=1, q6_recent=1), [("cssrs_behaviour", "high")], "risk_high"),
        (cssrs(q6=1, q6_recent=0), [("cssrs_behaviour", "moderate")], "risk_moderate"),
    ],
)
def test_cssrs_screener_levels_follow_columbia_triage(answers, expected, band):
    _, result = scoring.score(CSSRS, answers)
    assert [(f.signal, f.level) for f in result.risk] == expected
    assert result.total is None and result.band_key == band


def test_cssrs_skip_logic():
    with pytest.raises(scoring.AnswerError) as exc:
        scoring.score(CSSRS, cssrs(q2=1))  # 3-5 must be answered after a yes to 2
    assert set(exc.value.fields) == {"cssrs_3", "cssrs_4", "cssrs_5"}
    with pytest.raises(scoring.AnswerError) as exc:
        scoring.score(CSSRS, cssrs(q3=1))  # 3 is not asked after a no to 2
    assert set(exc.value.fields) == {"cssrs_3"}
    with pytest.raises(scoring.AnswerError):
        scoring.score(CSSRS, cssrs(q6=1))  # "within the past 3 months?" must follow a yes to 6


@pytest.mark.parametrize(
    ("definition", "previous", "total", "reliable"),
    [
        (PHQ9, 10, 15, None),
        (PHQ9, 10, 16, "deterioration"),
        (PHQ9, 16, 10, "improvement"),
        (PHQ9, 15, 10, None),
        (GAD7, 10, 13, None),
        (GAD7, 10, 14, "deterioration"),
        (GAD7, 14, 10, "improvement"),
    ],
)
def test_reliable_change_thresholds(definition, previous, total, reliable):
    assert scoring.change_flags(definition, previous, total).reliable_change == reliable


def test_response_and_remission():
    assert scoring.change_flags(PHQ9, 20, 10).response is True
    assert scoring.change_flags(PHQ9, 20, 11).response is False
    assert scoring.change_flags(PHQ9, 12, 4).remission is True
    assert scoring.change_flags(PHQ9, 12, 5).remission is False
    first = scoring.change_flags(PHQ9, None, 3)
    assert (first.delta, first.reliable_change, first.response, first.remission) == (None, None, False, False)


def test_builtin_definitions_are_valid_and_a_broken_one_is_explained():
    for definition in DEFS.values():
        assert scoring.validate_definition(definition) == []
    broken = {**GAD7, "bands": GAD7["bands"][:-1], "risk_rules": [{"signal": "x", "level": "extreme", "when": []}]}
    problems = scoring.validate_definition(broken)
    assert any("bands must cover 0..21" in p for p in problems) and any("unknown level" in p for p in problems)


def test_loinc_codes_match_the_reference():
    assert (PHQ9["loinc"], GAD7["loinc"]) == (
        {"panel": "44249-1", "total": "44261-6"},
        {"panel": "69737-5", "total": "70274-6"},
    )
    assert next(i for i in PHQ9["items"] if i["id"] == "phq9_9")["loinc"] == "44260-8"
    assert [o["loinc"] for o in PHQ9["options"]] == ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
