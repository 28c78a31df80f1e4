"""Rules and scope of lexicon 1.7 (issue 15): dictated speech without apostrophes, negations that
close before the writer starts again, and answers given to a question in other shapes. Each rule is
held in both directions. The sentences here are written for these tests (none comes from an
evaluation set)."""

import pytest

from ml.risk import RiskRules
from ml.risk_scope import restore_apostrophes
from ml.text import split_sentences


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


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # a complete negation, then the writer starts again with a subject
        ("told the crisis line im fine im not i want to die tonight", "passive_ideation"),
        ("no i want to end my life and i mean it", "active_ideation"),
        # an answer of no taken back with the answer that is true
        ("on the form i said no to wanting to kill myself but the honest answer is yes", "active_ideation"),
    ],
)
def test_a_closed_negation_or_a_no_taken_back_leaves_the_risk(rules, text, level):
    assert rules.screen(text) == level


@pytest.mark.parametrize(
    "text",
    [
        "I don't think I want to die, I think I want to sleep for a week.",
        "i wasnt i mean thinking about suicide at all, just tired",
        # a form's answers read aloud, the answer after the item
        "appetite poor sleep poor thoughts of harming myself no",
        # the writer's own question, answered in the next sentence
        "Am I suicidal? No. Am I exhausted? Very.",
        # the answer given after a clause of its own
        "The GP asked whether I had thought of ending my life. I took a breath and said no.",
    ],
)
def test_denials_in_the_shapes_of_speech_and_forms_are_denials(rules, text):
    assert rules.screen(text) in {"none", "history"}


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # "past" as a preposition is not the past
        ("i want to end my life and i cant see past friday", "active_ideation"),
        # a school or college named as the place, not the time of life
        ("Cut my arm in the toilets at college at lunch and wore my hoodie all afternoon.", "self_harm"),
        ("When the kids are at school tomorrow I'm going to kill myself.", "plan_or_intent"),
        # a turn to the present in the match's own clause
        ("i used to wish i was dead now i actually want to kill myself", "active_ideation"),
    ],
)
def test_time_scope_keeps_current_what_is_current(rules, text, level):
    assert rules.screen(text) == level


@pytest.mark.parametrize(
    "text",
    [
        "I tried to kill myself at university, a long time before I met Sam.",
        "now I think about it, I used to want to die most of the time in my twenties",
        "I used to cut myself, now I'm free of it.",
    ],
)
def test_the_past_stays_history(rules, text):
    assert rules.screen(text) == "history"


@pytest.mark.parametrize(
    "text",
    [
        # going on a treatment is not going on living
        "I don't want to go on the tablets my GP offered, I'd like to try counselling.",
        # a last entry with a return named
        "This is my last post for a while, off to my aunt's in Cork with no signal.",
        "this is my last entry before the operation, back writing next week",
        # an injury from something the writer touched, and falling asleep is not a fall
        "Sliced my thumb on the mandoline making dinner, plaster on now.",
        "burnt my hand on the kettle this morning, ran it under the cold tap",
        # someone else's self-harm: the nearest subject is theirs, or a disclosure handled at work
        "I only just found out my flatmate has been self-harming and I feel awful.",
        "my niece is self harming and my sister doesn't know what to do",
        "A pupil disclosed self-harm to me today so I followed the safeguarding steps.",
        # hyperbole: "if I have to … one more time"
        "If I have to sit through that meeting one more time I'm going to throw myself out the window",
    ],
)
def test_everyday_look_alikes_raise_nothing(rules, text):
    assert rules.screen(text) in {"none", "history"}


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("i went in the bathroom and cut my arm again and then we both fell asleep watching telly", "self_harm"),
        ("I don't want to go on anymore.", "passive_ideation"),
        ("this is my last entry, the letters are on the table", "plan_or_intent"),
        ("My friend thinks I'm fine but I've been self-harming again.", "self_harm"),
    ],
)
def test_their_risk_twins_are_still_read(rules, text, level):
    assert rules.screen(text) == level


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        # things left to be opened or sorted "after", with no event named
        ('I taped a card to each present and wrote "open after" on the envelope.', "plan.for_after"),
        ("left the passwords in the red folder, for after", "plan.for_after"),
        # arranging what happens when the writer is not here
        ("asked my neighbour to have the budgie as i wont be around to feed him after next week", "plan.not_here_for"),
        ("I will not be here by the spring and I have told no one.", "plan.not_here_for"),
        ("gave my tools to my nephew i wont be needing them or anything after this month", "plan.not_here_for"),
        # a finality marker after an interrupted act
        ("I got back in the car last night. Next time I won't turn back.", "plan.no_turning_back"),
        ("the water was freezing so i came out, ill go further out next time", "plan.no_turning_back"),
        # means set out and waiting
        ("The tablets are counted out in the bedside drawer.", "plan.means_set"),
        ("I've got the pills and I know the date now.", "plan.means_set"),
    ],
)
def test_plans_without_risk_words_are_read(rules, text, rule):
    hits = [f for f in _findings(rules, text) if f.level == "plan_or_intent"]
    assert [f.source for f in hits] == [rule]


@pytest.mark.parametrize(
    "text",
    [
        "We saw the film and went for a drink after.",
        "I won't be around to take you to the station on Friday, I'm on a work trip.",
        "Next time I won't turn up late to the match.",
        "My tablets are ready to collect at the pharmacy.",
    ],
)
def test_their_everyday_twins_raise_no_plan(rules, text):
    assert all(f.level != "plan_or_intent" for f in _findings(rules, text))


def _findings(rules, text):
    return [f for hits, _ in rules.read_sentences(split_sentences(text)) for f in hits]


@pytest.mark.parametrize(
    ("text", "level"),
    [
        # people named as recipients are not the subject
        ("i wrote to my dad and my sister tonight and left the envelopes for after", "plan_or_intent"),
        # the nearest subject, followed by its verb, is someone else
        ("I only found out today that my nephew has been self-harming.", "none"),
    ],
)
def test_recipients_are_objects_and_the_nearest_subject_governs(rules, text, level):
    assert rules.screen(text) == level
