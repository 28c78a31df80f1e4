"""A proposal the patient takes on in their own words, an observation announced or of a change, a judgement of
how the treatment is going, and a rating compared with last week's (issue 14, round of 1 Dec). Every sentence
here is written for these tests (none comes from an evaluation set)."""

import pytest

from tests.ml.test_note_shorthand import C, P, _section_of, _spoken, _typed


def test_a_proposal_taken_on_in_the_patients_own_words_is_agreed():
    sections = _spoken(
        [
            (C, "How would you feel about keeping a spare charger at your desk instead of going home for it?"),
            (P, "I can do that. There's a drawer that locks."),
        ]
    )
    assert _section_of(sections, "Agreed: How would you feel about keeping a spare charger") == ["plan"]


def test_a_proposal_with_more_said_before_the_reply_is_agreed_with_what_was_said():
    sections = _spoken(
        [
            (C, "And on the calls, could we cut them down to twice a week? Maybe Sunday and Wednesday with your dad."),
            (P, "Twice a week. That'll be hard, but I'll try."),
        ]
    )
    agreed = [t for t in sections["plan"] if t.startswith("Agreed:")]
    assert len(agreed) == 1
    assert "twice a week" in agreed[0] and "Sunday and Wednesday with your dad" in agreed[0]
    assert "I'll try" in agreed[0]


def test_a_proposal_turned_down_is_not_agreed():
    sections = _spoken(
        [
            (C, "How would you feel about telling your manager about the diagnosis?"),
            (P, "No, I'd rather not. Not yet."),
        ]
    )
    assert not any(t.startswith("Agreed:") for t in sections["plan"])
    assert _section_of(sections, "Declined by the patient: \u201cHow would you feel about telling") == ["plan"]


@pytest.mark.parametrize(
    "said",
    [
        "For the next two weeks I'd like to add a wind-down hour before bed.",
        "Second, I'd like you to tell your sister about the debts tonight.",
    ],
)
def test_what_the_clinician_would_like_done_between_sessions_is_the_plan(said):
    sections = _spoken([(C, said), (P, "Okay.")])
    assert _section_of(sections, said.rstrip(".")) == ["plan"]


def test_the_patients_commitment_after_the_clinicians_request_is_agreed():
    sections = _spoken(
        [
            (C, "I'd like you to tell your sister about the debts tonight."),
            (P, "I'll tell her. She keeps asking what's wrong."),
        ]
    )
    assert _section_of(sections, "Patient agreed: \u201cI'll tell her") == ["plan"]


def test_an_announced_observation_goes_on_over_the_turn():
    sections = _spoken(
        [
            (P, "It was a long week."),
            (
                C,
                "I noticed something while we were talking. Three times you rubbed your left wrist, and each time "
                "you moved your hand to your knee instead. Did you notice?",
            ),
        ]
    )
    assert _section_of(sections, "Three times you rubbed your left wrist") == ["objective"]


@pytest.mark.parametrize(
    "said",
    [
        "I noticed that when you sat down your foot was tapping, and over the last few minutes it has stopped.",
        "When you rolled your sleeve up earlier, the rash looked less angry than last time.",
    ],
)
def test_what_the_clinician_saw_is_observed(said):
    sections = _spoken([(P, "I've been alright."), (C, said)])
    assert _section_of(sections, said.rstrip(".")) == ["objective"]


@pytest.mark.parametrize(
    "said",
    ["The diary is working.", "That's exactly the kind of evidence the breathing practice is meant to give you."],
)
def test_the_clinicians_judgement_of_how_the_treatment_is_going_is_the_assessment(said):
    sections = _spoken([(P, "I did the diary every day."), (C, said)])
    assert _section_of(sections, said.rstrip(".")) == ["assessment"]


def test_a_typed_judgement_that_the_treatment_is_proving_effective_is_the_assessment():
    sections = _typed("Reports practising daily.\nRelaxation is proving effective: sleep onset is quicker.")
    assert _section_of(sections, "proving effective") == ["assessment"]


def test_a_typed_rating_compared_with_last_weeks_is_todays_measure():
    sections = _typed('She rated her belief that "people will laugh" at 45%, down from 80% last week.')
    assert _section_of(sections, "45%") == ["objective"]
