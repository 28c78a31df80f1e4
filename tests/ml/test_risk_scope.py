"""Scope handling for the risk detector: which clause a negation, a time marker or a subject governs.
The sentences here are written for these tests (none comes from an evaluation set)."""

import pytest

from ml.risk_scope import FEATURES, clause_windows, denied, scope_features


def flags(text: str, following: str = "") -> set[str]:
    return {name for name, value in zip(FEATURES, scope_features(text, following), strict=True) if value}


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, just worn down by the week.",
        "I have never tried to hurt myself.",
        "No thoughts of ending my life since the new medication.",
        "i dont have any plans to do anything",
    ],
)
def test_a_negation_that_governs_the_risk_is_a_denial(text):
    assert denied(text) and "denied" in flags(text)


@pytest.mark.parametrize(
    "text",
    [
        "Honestly I'd be okay if I just didn't wake up on Monday.",
        "Sleeves down all day so nobody sees the fresh marks.",
        "Nobody would care if I stopped turning up.",
        "I don't want to be alive for another winter like this.",
    ],
)
def test_a_negation_that_is_the_risk_is_not_a_denial(text):
    assert "denied" not in flags(text) and "negative_risk" in flags(text)


def test_a_negation_in_another_clause_does_not_deny_the_risk():
    # the negation governs "sleep", not the wish to die in the next clause
    assert not denied("I could not sleep at all, and I want to die.")


def test_a_denial_far_before_the_risk_in_the_same_clause_still_counts():
    assert denied("I am really not at all having suicidal thoughts")


def test_a_retraction_after_a_denial_is_flagged():
    text = "I told the GP I had no thoughts of suicide"
    assert "retracted" in flags(text, following=text + ". That was a lie.")
    assert "retracted" not in flags(text, following=text + ". And that is the truth.")


def test_time_markers_are_read_in_their_own_clause():
    assert {"past"} <= flags("when I was nineteen I cut my arms")
    assert "recurrence" not in flags("when I was nineteen I cut my arms")
    assert {"past", "recurrence"} <= flags("I cut when I was nineteen and I did it again last night")
    windows = clause_windows("Back in 2014 I wanted to die, now I know it was the illness talking.")
    texts = ["Back in 2014 I wanted to die, now I know it was the illness talking."[w.start : w.end] for w in windows]
    assert "Back in 2014 I wanted to die" in texts
    assert all("recurrence" not in flags(t) for t in texts if "2014" in t)


def test_someone_else_as_the_subject_is_flagged_only_without_first_person():
    assert "other_subject" in flags("She says she wants to end her life.")
    assert "other_subject" not in flags("She says I should call the crisis line.")


def test_a_dictated_run_on_gets_windows_around_a_buried_clause():
    text = (
        "went to the shop and got bread and then mum rang and um i keep thinking everyone would be "
        "better off without me and then i watched the telly and went to bed"
    )
    windows = [text[w.start : w.end] for w in clause_windows(text)]
    assert any("everyone would be better off without me" in w and len(w.split()) <= 14 for w in windows)


def test_a_single_short_clause_has_no_windows():
    assert clause_windows("I want to disappear.") == []


@pytest.fixture(scope="module")
def rules():
    from ml.risk import RiskRules

    return RiskRules()


@pytest.mark.parametrize(
    "text",
    [
        "The practice nurse asked me if I'd had any thoughts of hurting myself. Said no, and I meant it.",
        "My son asked whether I'd ever want to kill myself. Told him no, never. It's the truth.",
        "The screening form had a question about being better off dead. Ticked 'not at all'.",
        "The GP asked if I'd thought about suicide. I haven't, and I told her that.",
        "Folk at work keep asking if I'm suicidal since the divorce. I'm not. I'm just knackered.",
        "The psychiatrist asked if I'd cut myself this month and I said no.",
        "I don't have any plans to hurt myself, the kids keep me going.",
        "No, I'm not having any thoughts of harming myself, just stress about the rent.",
        "I've got no intention of harming myself and I have my sister nearby.",
    ],
)
def test_a_question_answered_no_and_a_denial_through_its_complement_are_denials(rules, text):
    assert rules.screen(text) == "none"


@pytest.mark.parametrize(
    "text, level",
    [
        ("The nurse asked if I'd been cutting myself. I said no. But I have.", "self_harm"),
        ("The nurse asked if I'd been cutting myself. No. I lied though, it was last night.", "self_harm"),
        ("The GP asked if I'd thought about killing myself. I have, most nights.", "active_ideation"),
        ("The GP asked if I'd thought about killing myself. No one had ever asked me that.", "active_ideation"),
        ("The nurse asked if I'd been cutting myself. I haven't told anyone the truth.", "self_harm"),
        ("I don't know why, but I want to kill myself.", "active_ideation"),
        ("I don't have the energy to kill myself but I think about it.", "active_ideation"),
    ],
)
def test_an_answer_taken_back_a_yes_or_a_negation_of_something_else_stays_risk(rules, text, level):
    assert rules.screen(text) == level


@pytest.mark.parametrize(
    "text",
    [
        "The scratches on my forearms are from the rose bushes, I was pruning all weekend.",
        "the plaster is from the blood test at the surgery this morning",
        "My knuckles are cut because of the engine, I was fixing the van.",
        "It itches because it's a new tattoo.",
    ],
)
def test_marks_with_a_benign_cause_are_not_self_harm(detector_rules_and_learned, text):
    assert detector_rules_and_learned.assess(text).level in {"none", "history"}  # no alert level


@pytest.mark.parametrize(
    "text",
    [
        "I told my sister the cuts were from the cat. We haven't got a cat.",
        "said the marks were from the brambles but they weren't i did them with a razor",
        "I told the nurse the cuts on my arm were from the cat, but I did them myself.",
        "my dad saw the cuts on my arm and i lied and said it was the dog",
    ],
)
def test_a_benign_cause_given_as_a_cover_story_is_still_self_harm(detector_rules_and_learned, text):
    assert detector_rules_and_learned.assess(text).level == "self_harm"


@pytest.fixture(scope="module")
def detector_rules_and_learned():
    from ml.risk import RiskDetector

    return RiskDetector()
