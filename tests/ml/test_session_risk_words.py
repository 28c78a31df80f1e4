"""Learned-stage readings of ordinary session speech wait for the session clinician's review; anything that names
the risk domain, or that the clinician took up as risk, still alerts (issue 14, session-risk-1.4)."""

import pytest

from ml.risk_review import RISK_WORDS, clears, names_risk
from ml.session_risk import IDIOMS, screen_session
from tests.ml.test_session_risk_review import said


def findings(result, index):
    return [(f.level, f.tier, f.review_reason) for f in result.findings if index in f.utterances]


@pytest.mark.parametrize(
    "text",
    [
        "Some nights I think it would be easier if I just wasn't here any more.",
        "Just that not being around would be easier some nights.",
        "I don't want to be here any more.",
        "If I just didn't wake up tomorrow that would be alright.",
        "Last week I sat in the car and thought about driving into the river.",
        "A blade I took out of a pencil sharpener.",
        "I've got the hose and the tape in the garage.",
        "I gave away my guitar and my books this week.",
        "I've been going to the top floor of the car park to see how high it is.",
        "I keep thinking about killing my self.",
    ],
)
def test_the_risk_domain_is_named_in_many_wordings(text):
    assert names_risk(text, IDIOMS), text


@pytest.mark.parametrize(
    "text",
    [
        "The urge is massive. I want to run to the sink.",
        "Yes, I'd rather give it a go myself first.",
        "Yeah. I'd rather go back in the end.",
        "That it's cancer and the doctors will miss it.",
        "I can do it if my wife drives.",
        "Could I just weigh myself at home too, so it's not such a shock here?",
        "We agreed you'd rather try cutting down with me first.",
        "Honestly, I'd rather die than be in those photos.",  # the lexicon's idiom
        "I look like death warmed up in every photo.",
        "I could just curl up and die when people look at me.",  # embarrassment, said as a figure
        "No, never. I just drop it or roll it between my fingers.",
        "My anxiety was high all week, and the plan for Friday fell through.",
        "I've been feeling burnt out since the restructure.",
    ],
)
def test_ordinary_speech_and_figures_of_speech_name_nothing(text):
    assert not names_risk(text, IDIOMS), [m.group(0) for m in RISK_WORDS.finditer(text)]


def test_a_learned_reading_naming_nothing_between_turns_not_about_risk_waits_for_review(assess):
    result = screen_session(
        said(
            ("clinician", "Stay with it. No wiping and no washing. Just notice the urge and let it be there."),
            ("patient", "The urge is massive. I want to run to the sink."),
            ("clinician", "It's been about twenty minutes now. Where is the distress?"),
        ),
        assess,
        speakers_confirmed=True,
    )
    assert result.level == "none"
    assert all(tier == "review" and reason == "learned_without_risk_words" for _, tier, reason in findings(result, 1))


def test_the_same_reading_alerts_when_the_clinician_then_asks_about_risk(assess):
    result = screen_session(
        said(
            ("clinician", "Stay with it. No wiping and no washing. Just notice the urge and let it be there."),
            ("patient", "The urge is massive. I want to run to the sink."),
            ("clinician", "When you say that, I want to check: have you had thoughts of ending your life?"),
            ("patient", "Yeah. Sometimes."),
        ),
        assess,
        speakers_confirmed=True,
    )
    learned = [f for f in result.findings if 1 in f.utterances and f.source.startswith("learned")]
    assert learned and all(f.tier == "alert" for f in learned)


def test_a_reading_that_names_risk_alerts_whatever_the_clinician_does(assess):
    result = screen_session(
        said(
            ("clinician", "What's been the hardest part of the week?"),
            ("patient", "I've been going up to the top floor of the car park on my breaks to see how high it is."),
            ("clinician", "Okay. And how has work been otherwise?"),
        ),
        assess,
        speakers_confirmed=True,
    )
    assert result.level in ("passive_ideation", "active_ideation", "plan_or_intent")


def test_the_patients_own_no_to_a_risk_question_waits_for_review(assess):
    result = screen_session(
        said(
            ("clinician", "Have you had any thoughts of hurting yourself, or of not wanting to be alive?"),
            ("patient", "No, never. I just want it to stop being so hard."),
            ("clinician", "Thank you for telling me."),
        ),
        assess,
        speakers_confirmed=True,
    )
    assert result.level == "none"
    assert all(tier == "review" for _, tier, _ in findings(result, 1))
    assert {reason for _, _, reason in findings(result, 1)} <= {"learned_in_denying_answer"}


def test_a_hedged_answer_to_a_risk_question_still_alerts(assess):
    result = screen_session(
        said(
            ("clinician", "Have you had any thoughts of not wanting to be alive?"),
            ("patient", "No. But sometimes I wish I could just go to sleep and not wake up."),
        ),
        assess,
        speakers_confirmed=True,
    )
    assert result.level == "passive_ideation"


def test_an_answer_read_at_a_question_that_names_nothing_of_risk_waits_for_review(assess):
    result = screen_session(
        said(
            ("clinician", "Are you still taking the quetiapine, three hundred milligrams at night?"),
            ("patient", "Yeah, every night. Except I missed it on the Friday because I was still at my desk."),
            ("clinician", "Okay, that's useful to know."),
        ),
        assess,
        speakers_confirmed=True,
    )
    assert result.level == "none"
    answers = [f for f in result.findings if f.basis == "answer_to_question"]
    assert all(f.tier == "review" and f.review_reason == "learned_question_without_risk_words" for f in answers)


def test_an_answer_to_a_risk_question_still_alerts(assess):
    result = screen_session(
        said(
            ("clinician", "Have you been stockpiling any of your tablets?"),
            ("patient", "Yeah, a few."),
        ),
        assess,
        speakers_confirmed=True,
    )
    assert result.level == "plan_or_intent"


def test_a_clinician_turn_the_learned_stage_misreads_is_not_a_risk_question(assess):
    # "What goes through your mind when you think about touching that handle?" read as a statement gives the
    # learned stage a reading; it names nothing of risk, so the patient's answer is not made an answer to risk.
    result = screen_session(
        said(
            ("clinician", "What goes through your mind when you think about touching that handle?"),
            ("patient", "That I'll pass it on to my nephew, and he'll get really poorly, and it'll be my fault."),
            ("clinician", "How strongly do you believe that, from nought to a hundred?"),
        ),
        assess,
        speakers_confirmed=True,
    )
    assert result.level == "none"


@pytest.mark.parametrize(
    ("asked", "question", "expected"),
    [
        ({"self_harm"}, "Do you mean you've had thoughts of harming yourself?", True),
        ({"active_ideation"}, "Have you had thoughts of ending your life?", True),
        ({"passive_ideation"}, "Do you ever wish you were dead?", False),  # a plan presupposes more than a wish
        ({"active_ideation"}, "Are you having active thoughts of suicide?", False),
        (set(), "Have you made any plans?", False),
    ],
)
def test_a_plan_the_learned_stage_read_alone_is_cleared_by_a_no_to_the_thoughts_it_presupposes(
    asked, question, expected
):
    assert clears("plan_or_intent", asked, question, learned_only=True) is expected
    assert clears("plan_or_intent", asked, question) is False  # a rules reading of a plan never is


def test_a_plan_the_learned_stage_read_alone_then_denied_waits_for_review(assess):
    result = screen_session(
        said(
            ("clinician", "Your Insomnia Severity Index today is nineteen."),
            ("patient", "Some nights I'm so desperate I'd take anything just to knock me out."),
            ("clinician", "When you say that, do you mean you've had thoughts of harming yourself?"),
            ("patient", "God, no. I mean I can't keep going into work on no sleep. I just want it fixed."),
        ),
        assess,
        speakers_confirmed=True,
    )
    learned = [f for f in result.findings if f.source.startswith("learned") and f.level != "none"]
    assert all(f.tier == "review" for f in learned)


@pytest.mark.parametrize(
    ("answer", "clarifies"),
    [
        ("No. No, never. This waiting is killing me, but I would not do anything like that.", True),
        ("No, nothing like that. It drives me up the wall, but no.", True),
        ("No, never, but I wouldn't say I'm happy either.", True),
        ("No, but sometimes I wish I was gone.", False),
        ("No, but I think about it.", False),
        ("No. Maybe once, last year.", False),
    ],
)
def test_a_but_that_denies_again_is_no_hedge(answer, clarifies):
    from ml.risk_review import is_clarifying_no

    assert is_clarifying_no(answer) is clarifies


def test_last_time_as_a_time_is_no_risk_word():
    assert not names_risk("Last time you wanted to think about medication. Where have you got to?", IDIOMS)
    assert not names_risk("Last time we met you'd had a hard week.", IDIOMS)
    assert names_risk("I hugged them all because it's the last time.", IDIOMS)
    assert names_risk("Last night I had the tablets in my hand.", IDIOMS)


def test_a_typed_gloss_that_says_not_si_is_a_denial(assess):
    from ml.session_risk import typed_utterances

    summary = (
        "Worst panic Tue -> palpitations, 'thought I was going to die' = fear of heart giving out during panic, not SI."
    )
    result = screen_session(typed_utterances(summary), assess, speakers_confirmed=True)
    assert result.level not in ("passive_ideation", "active_ideation", "plan_or_intent", "self_harm")


def test_a_plan_in_a_summary_that_judges_the_risk_raised_alerts_whatever_is_denied_elsewhere(assess):
    from ml.session_risk import typed_utterances

    summary = (
        "He disclosed that he has been saving up his prescribed sertraline in a drawer in case, and has thought "
        "about doing it on a weekday when his partner is at work. He said he has not decided to act. He denied any "
        "previous suicide attempts or self-harm.\n"
        "My judgement is that his risk of suicide is currently high, because he has a plan and the means."
    )
    result = screen_session(typed_utterances(summary), assess, speakers_confirmed=True)
    assert result.level == "plan_or_intent"

    from ml.session_risk import judged_raised

    assert judged_raised("Risk judged raised from baseline but not imminent.")
    assert not judged_raised("Risk of relapse is high.")
    assert not judged_raised("Her risk is low at present.")
