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


# --- a clinician's typed summary: a reported denial of passive ideation is a denial at that level -------
@pytest.fixture(scope="module")
def assess():
    from ml.risk import RiskDetector

    return RiskDetector().assess


def summary(assess, text: str):
    from ml.session_risk import screen_session, typed_utterances

    return screen_session(typed_utterances(text), assess, speakers_confirmed=True)


@pytest.mark.slow
@pytest.mark.parametrize(
    "denial",
    [
        "Pt denies any wish to be dead.",
        "Denies passive SI.",
        "Denies passive SI and any plan.",
        "Pt denies thoughts of being better off dead.",
    ],
)
def test_a_summary_denial_of_passive_ideation_is_not_risk_and_clarifies_a_learned_passive_reading(assess, denial):
    alone = summary(assess, denial)
    assert alone.level == "none" and not alone.findings
    learned = "Some weeks he says the family would be better off with someone else running things."
    after = summary(assess, f"{learned} {denial}")
    assert after.level == "none"
    assert [(f.level, f.tier, f.review_reason) for f in after.findings] == [("passive_ideation", "review", "clarified")]


@pytest.mark.slow
def test_a_summary_that_reports_the_wish_to_be_dead_stays_passive_and_denying_the_rung_above_does_not_clear_it(
    assess,
):
    assert summary(assess, "Reports wishing she were dead most evenings.").level == "passive_ideation"
    learned = "Some weeks he says the family would be better off with someone else running things."
    assert summary(assess, f"{learned} Denies active SI.").level == "passive_ideation"
