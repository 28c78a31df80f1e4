"""Rules and scope of lexicon 1.7 (issue 15): dictated speech without apostrophes, negations that
close before the writer starts again, and answers given to a question in other shapes. Each rule is
held in both directions. The sentences here are written for these tests (none comes from an
evaluation set)."""

import pytest

from ml.risk import RiskRules
from ml.risk_scope import restore_apostrophes


@pytest.fixture(scope="module")
def rules():
    return RiskRules()


def test_bare_contractions_get_their_apostrophes_back_and_other_words_are_left():
    assert restore_apostrophes("im done and i dont care") == "i'm done and i don't care"
    assert restore_apostrophes("i feel ill, well, its the weather") == "i feel ill, well, its the weather"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("honestly im suicidal again tonight and theres nobody up", "active_ideation"),
        ("i wrote them each a letter for after im gone", "plan_or_intent"),
    ],
)
def test_dictated_risk_without_apostrophes_is_read(rules, text, level):
    assert rules.screen(text) == level


def test_someone_else_without_an_apostrophe_is_still_someone_else(rules):
    assert rules.screen("my neighbour told me shes been saving her tablets and im scared for her") == "none"
