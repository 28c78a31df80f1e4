"""Questionnaire items, ratings asked for in passing, unsure answers, answers about someone else, and what a typed
summary denies or names (issue 14, second round of 1 Dec). Every sentence is written for these tests."""

from types import SimpleNamespace

import pytest

from ml import note_statements as st
from ml.risk import RiskDetector
from ml.session_risk import screen_session, typed_utterances
from tests.ml.test_note_shorthand import C, P, _section_of, _spoken
from tests.ml.test_session_risk_review import said


@pytest.fixture(scope="module")
def assess():
    return RiskDetector().assess


def test_the_clinician_reading_an_items_answer_is_a_measure():
    sections = _spoken(
        [
            (C, "And on the last question, about thoughts you'd be better off dead, you ticked several days."),
            (P, "I did."),
        ]
    )
    assert _section_of(sections, "you ticked several days") == ["objective"]


def test_the_patients_answer_to_an_item_read_aloud_is_a_measure_with_its_question():
    sections = _spoken(
        [
            (C, "Over the last two weeks, how often have you been bothered by feeling tired or having little energy?"),
            (P, "I'd have to say more than half the days."),
        ]
    )
    found = [t for t in sections["objective"] if "more than half the days" in t]
    assert found and "questionnaire item" in found[0] and "little energy" in found[0]


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("And how confident are you, nought to ten, that you could keep it up?", "Six. Maybe six."),
        ("We're about twenty minutes in. What's your rating now?", "Forty. It's easing."),
    ],
)
def test_a_rating_asked_for_in_passing_is_a_measure(question, answer):
    sections = _spoken([(C, question), (P, answer)])
    assert _section_of(sections, answer.split(".")[0]) == ["objective"]


def test_an_unsure_answer_is_an_answer_not_a_question():
    sections = _spoken(
        [(C, "How many times a day would you say you check the locks at the moment?"), (P, "Maybe fifteen times?")]
    )
    found = _section_of(sections, "Maybe fifteen times")
    assert found == ["subjective"]
    assert any("check the locks" in t for t in sections["subjective"])


def test_a_question_back_to_the_clinician_is_still_a_question():
    assert st.ASKS_BACK.match("Could I just do it at home instead?")
    assert not st.ASKS_BACK.match("Maybe twenty times a day?")


def test_an_answer_about_someone_else_keeps_who_it_is_about():
    sections = _spoken(
        [(C, "How is your brother getting on?"), (P, "He's okay. He's started on lithium and he sleeps a lot.")]
    )
    quoted = [t for t in sections["subjective"] if "lithium" in t]
    assert quoted and "your brother" in quoted[0]


def test_a_questionnaire_named_in_the_sentence_before_its_score():
    sections = _spoken(
        [
            (C, "I've just added up the fear questionnaire you did in the waiting room, the FQX. It's twenty today."),
            (P, "Okay."),
        ]
    )
    assert any(t.startswith("Stated in session: Fear Questionnaire 20") and "FQX" in t for t in sections["objective"])


@pytest.mark.parametrize("summary", ["No hx of previous attempts or SH.", "Nil hx of SH. Never attempted."])
def test_a_typed_denial_of_any_history_is_not_a_signal(summary, assess):
    assert screen_session(typed_utterances(summary), assess, speakers_confirmed=True).level == "none"


def _learned_everywhere(text):
    finding = SimpleNamespace(level="passive_ideation", source="learned:sentence", score=0.7, start=0, end=len(text))
    if text.rstrip().endswith("?") or "ending" in text or "worst" in text:
        return SimpleNamespace(level="none", findings=[], suppressed=[])
    return SimpleNamespace(level="passive_ideation", findings=[finding], suppressed=[])


def test_a_typed_sentence_naming_nothing_of_risk_waits_for_its_writers_review():
    result = screen_session(
        typed_utterances("She still carries mints and a sick bag at all times."),
        _learned_everywhere,
        speakers_confirmed=True,
    )
    assert result.level == "none"
    assert [f.review_reason for f in result.review_items()] == ["learned_without_risk_words"]


def test_a_quote_the_clinician_says_was_a_figure_of_speech_waits_for_review():
    result = screen_session(
        typed_utterances('Her remark that she would "rather die than be seen crying" was a figure of speech.'),
        _learned_everywhere,
        speakers_confirmed=True,
    )
    assert result.level == "none"


def test_a_figure_of_speech_the_patient_then_denies_is_clarified():
    def assess(text):
        if "rather die than" in text:
            return _learned_everywhere(text)
        if "thoughts of ending" in text:
            finding = SimpleNamespace(level="active_ideation", source="active.rule", score=1.0, start=0, end=len(text))
            return SimpleNamespace(level="active_ideation", findings=[finding], suppressed=[])
        return SimpleNamespace(level="none", findings=[], suppressed=[])

    result = screen_session(
        said(
            (C, "What's the worst part?"),
            (P, "I'd honestly rather die than be sick in front of people."),
            (C, "When you say that, have you had any thoughts of ending your life?"),
            (P, "No, never. It's just a saying."),
        ),
        assess,
        speakers_confirmed=True,
    )
    assert result.level == "none"
    assert [f.review_reason for f in result.review_items()] == ["clarified"]


@pytest.mark.parametrize(
    "text",
    [
        "He had a stroke in the spring, he's on warfarin and he can't drive, so I take him to his appointments.",
        "A car cut me up at the roundabout.",
        "I felt the heat go straight up my neck.",
    ],
)
def test_someone_elses_means_and_everyday_words_name_nothing_of_risk(text):
    from ml.risk_review import names_risk
    from ml.session_risk import IDIOMS

    assert not names_risk(text, IDIOMS)


def test_the_speakers_own_words_in_a_clause_about_someone_else_still_name_risk():
    from ml.risk_review import names_risk
    from ml.session_risk import IDIOMS

    assert names_risk("She'd be better off without me.", IDIOMS)
    assert names_risk("My dad keeps his tablets in the kitchen and I've been counting them.", IDIOMS)


def test_a_no_to_a_question_about_the_patients_very_words_clears_a_learned_reading_of_them():
    def assess(text):
        if "disappear" in text and not text.startswith("When"):
            return _learned_everywhere(text)
        if "ending" in text:
            finding = SimpleNamespace(level="active_ideation", source="active.rule", score=1.0, start=0, end=len(text))
            return SimpleNamespace(level="active_ideation", findings=[finding], suppressed=[])
        return SimpleNamespace(level="none", findings=[], suppressed=[])

    turns = [
        (C, "That sounds exhausting."),
        (P, "Some days I just wanted to disappear."),
        (C, "When you say you wanted to disappear, have you had any thoughts of ending your life?"),
        (P, "No. I want the noise to stop, not me."),
    ]
    result = screen_session(said(*turns), assess, speakers_confirmed=True)
    assert result.level == "none" and [f.review_reason for f in result.review_items()] == ["clarified"]
    # without the echo, a "no" to the rung above leaves a learned passive reading standing (the C-SSRS keeps them apart)
    turns[2] = (C, "Have you had any thoughts of ending your life?")
    assert screen_session(said(*turns), assess, speakers_confirmed=True).level == "passive_ideation"


@pytest.mark.parametrize(
    "summary",
    [
        'c/o tiredness, fed up, "want it all to stop" = wants a break from the driving.',
        'Used the phrase "wanted to disappear"; on direct questioning clarified she meant escaping noise and people.',
    ],
)
def test_quoted_words_the_clinician_glossed_wait_for_review(summary):
    result = screen_session(typed_utterances(summary), _learned_everywhere, speakers_confirmed=True)
    assert result.level == "none"
    assert "clinician_called_it_a_saying" in {f.review_reason for f in result.review_items()}


@pytest.mark.parametrize(
    "said",
    [
        "This looks to me like exhaustion rather than a depressive episode.",
        "From what you're describing, they're not panic attacks.",
        "So the real trigger wasn't the queue, it was feeling ignored.",
        "Those are your vulnerability factors.",
    ],
)
def test_more_wordings_of_the_clinicians_reading_are_the_assessment(said):
    sections = _spoken([(P, "It was a hard week."), (C, said)])
    assert _section_of(sections, said.rstrip(".")) == ["assessment"]


def test_the_tears_the_clinician_sees_are_observed():
    sections = _spoken(
        [(P, "Sorry."), (C, "You don't need to apologise. I can see the tears, and how much this hurts.")]
    )
    assert _section_of(sections, "I can see the tears") == ["objective"]
