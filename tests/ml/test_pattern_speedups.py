"""The rules' lower-cased search (issue 15's text-analysis budget) finds exactly what IGNORECASE found."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ml.risk import RiskRules
from ml.text import lowered, required_literals, split_sentences, without_ignorecase

ROOT = Path(__file__).resolve().parents[2]


def test_required_literals_names_what_every_match_must_contain():
    # the most selective of what every match passes through: "self" over {"kill", "end"} and " "
    assert required_literals(re.compile(r"\b(?:kill|end) (?:my)?self\b")) == {"self"}
    assert required_literals(re.compile(r"\b(?:kill|end) (?:my)?self(?:ves)?\b")) == {"self"}
    assert required_literals(re.compile(r"\b(?:took|swallowed) (?:all )?(?:the )?pills\b")) == {"pills"}
    assert required_literals(re.compile(r"\b(?:cut|burn)ing\b")) == {"ing"}
    assert required_literals(re.compile(r"\bi (?:cut|burn)\b")) == {"cut", "burn"}
    assert required_literals(re.compile(r"\b(?:hang|hanging)\b")) == {"hang"}  # the parser shares the prefix
    assert required_literals(re.compile(r"(?:pills?)?\s+\w+")) is None  # an optional part requires nothing
    assert required_literals(re.compile(r"\bdie\b", re.I)) is None  # IGNORECASE: no case-sensitive string
    assert required_literals(re.compile(r"(?=kill)\w+")) is None  # a lookahead is not part of the match
    # a string holding another of the set adds nothing: "clients" contains "client"
    assert required_literals(re.compile(r"\b(?:clients|client|boss)\b")) == {"client", "boss"}


def test_a_pattern_naming_an_upper_case_letter_keeps_ignorecase():
    assert without_ignorecase(re.compile(r"\bA&E\b", re.I)).flags & re.I
    assert not without_ignorecase(re.compile(r"\bkill\S*\b", re.I)).flags & re.I  # an escape is not a letter


def test_a_character_that_lower_cases_to_two_falls_back_to_the_original_text():
    assert lowered("İstanbul") is None
    assert RiskRules().read_sentences(split_sentences("İstanbul was where I decided to KILL MYSELF"))[0][0]


def _texts() -> list[str]:
    texts = []
    for root in (ROOT / "ml" / "eval_data", ROOT / "tests" / "fixtures" / "eval_holdout"):
        for path in sorted(root.rglob("*.jsonl")):
            for line in path.read_text().splitlines():
                row = json.loads(line) if line.strip() else None
                if isinstance(row, dict) and isinstance(row.get("text"), str):
                    texts.append(row["text"])
    return texts


@pytest.mark.parametrize("language", ["en", "es"])
def test_no_rule_is_skipped_where_it_matches_and_the_cased_search_agrees(language):
    rules = RiskRules(language)
    texts = _texts()
    assert len(texts) > 10_000
    for text in texts:
        low = lowered(text)
        if low is None:
            continue
        for (_, _, original), (_, _, cased), need in zip(rules.rules, rules._cased_rules, rules._needs, strict=True):
            match = original.search(text)
            assert (match.span() if match else None) == (m.span() if (m := cased.search(low)) else None)
            if match is not None and need is not None:
                assert any(part in low for part in need), (original.pattern[:60], need)


@pytest.mark.slow
def test_trigger_scores_from_one_product_equal_each_categorys_own():
    """The similarity stage's one product against every category's phrases (issue 15's budget) gives what
    a product per category gave, a category with fewer than three phrases (a patient's own) included."""
    import numpy as np

    from ml.analysis import get_analyzer
    from ml.triggers import CustomTrigger

    detector = get_analyzer().triggers.with_custom(
        [
            CustomTrigger("the_anniversary", "The anniversary in March", ("the anniversary", "March 14th")),
            CustomTrigger("the_bridge", "The bridge", ("the bridge on Mill Road",)),
        ]
    )
    rng = np.random.default_rng(15)
    embeddings = rng.standard_normal((40, 384)).astype(np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    expected = []
    for category in detector.categories:
        top = np.sort(embeddings @ category.vectors.T, axis=1)[:, -3:]
        expected.append(0.6 * top[:, -1] + 0.4 * top.mean(axis=1))
    expected = np.stack(expected, axis=1)
    for rows in (slice(0, 1), slice(0, 8), slice(0, 40)):
        got = detector.scores(embeddings[rows])
        assert got.shape == expected[rows].shape
        assert np.allclose(got, expected[rows], rtol=0, atol=1e-6)
    assert detector.scores(embeddings[:3]) is not None  # the cached bank is reused


def test_neighbour_features_with_bounds_made_at_load_equal_the_checked_order():
    import numpy as np

    from ml.risk_learned import BANK_LEVELS, level_bounds, neighbour_features

    rng = np.random.default_rng(3)
    bank_levels = np.sort(rng.integers(0, len(BANK_LEVELS), 200))
    bank = rng.standard_normal((200, 16)).astype(np.float32)
    rows = rng.standard_normal((5, 16)).astype(np.float32)
    checked = neighbour_features(rows, bank, bank_levels)
    given = neighbour_features(rows, bank, bank_levels, bounds=level_bounds(bank_levels))
    assert np.array_equal(checked, given)
    shuffled = rng.permutation(200)  # a bank out of level order is read level by level
    assert level_bounds(bank_levels[shuffled]) is False
    assert np.allclose(neighbour_features(rows, bank[shuffled], bank_levels[shuffled]), checked, atol=1e-6)
