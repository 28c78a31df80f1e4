"""Rules and scope of lexicon 1.8: plans whose finality sits in a neighbouring sentence. Each rule is
held in both directions. The sentences here are written for these tests (none comes from an evaluation
set)."""

import pytest

from ml.risk import RiskRules
from ml.text import split_sentences


@pytest.fixture(scope="module")
def rules():
    return RiskRules()


def sources(rules, text: str) -> set[str]:
    return {f.source for hits, _ in rules.read_sentences(split_sentences(text)) for f in hits}


@pytest.mark.parametrize(
    "text",
    [
        "I'm doing it on Friday. I've left a note for my sister under the kettle.",
        "Said my goodbyes at the pub without anyone knowing. Heading to the quarry tomorrow morning.",
        "I've paid back what I owed Sam. Everything's square. Going to the reservoir at dawn.",
        "told jo she can have my bike and im going down to the canal tonight",
    ],
)
def test_a_time_to_go_with_finality_beside_it_is_a_plan(rules, text):
    assert "plan.final_neighbour" in sources(rules, text)
    assert rules.screen(text) == "plan_or_intent"


@pytest.mark.parametrize(
    "text",
    [
        # the going is a trip, a move or an appointment
        "I'm going tonight. Said my goodbyes to everyone and the suitcase is by the door.",
        "Wrote a note for the new tenants. I'm leaving on Saturday when the removals van comes.",
        "Left my keys with Jan. I'm going tomorrow morning for the hospital appointment.",
        # no finality anywhere
        "I'm going tonight. The film starts at eight and Sam's driving.",
        # someone else goes, or the writer does not
        "My brother's going tonight. He said his goodbyes to the dog.",
        "I'm not going tonight after all. I've fed the fish and I'm staying in.",
        # the finality is someone else's
        "She gave away all her plants before the move. I'm heading down to the river tomorrow to fish.",
    ],
)
def test_a_time_to_go_without_finality_or_with_a_benign_reason_is_not_a_plan(rules, text):
    assert "plan.final_neighbour" not in sources(rules, text)


@pytest.mark.parametrize(
    "text",
    [
        "I've picked the day for the party and ordered the cake.",
        "The date I've set is the 9th for our wedding.",
        "Picked a date for the big move at last.",
        "I've made up my mind, I'm leaving the band at the end of the season.",
    ],
)
def test_a_day_chosen_for_an_occasion_is_not_a_plan(rules, text):
    assert rules.screen(text) == "none"


@pytest.mark.parametrize(
    "text",
    [
        "I've picked the date, it's after the wedding so I don't spoil it.",
        "I've picked the day for after the party.",
        "The night I've chosen is Sunday.",
        "I've made up my mind to end it.",
    ],
)
def test_a_chosen_day_without_an_occasion_it_is_for_is_still_a_plan(rules, text):
    assert rules.screen(text) == "plan_or_intent"
