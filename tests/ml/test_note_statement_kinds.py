"""Statement kinds beyond keywords: who said it, what kind of statement it is, and what the sentence
around it says. Every sentence here is written for these tests (none comes from an evaluation set)."""

import pytest

from ml import note_statements as st
from ml.notes import Record, Utterance, draft_note, load_template

C, P, S = "clinician", "patient", "summary"


def _draft(turns, records=()):
    utterances = [Utterance(i, who, text, i * 5.0, i * 5.0 + 4) for i, (who, text) in enumerate(turns)]
    draft = draft_note(load_template("soap"), utterances, [Record(f"r:{i}", r) for i, r in enumerate(records)])
    return {s.key: list(s.sentences) for s in draft.sections}


def _texts(sections, key):
    return [s.text for s in sections[key]]


def _section_of(sections, fragment):
    return [key for key, sentences in sections.items() for s in sentences if fragment in s.text]


# --- scores said aloud ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("You did the PCL-5 before we started. You scored thirty-eight.", ("PCL-5", 38)),
        ("Your PHQ-9 has come down from 24 to 17.", ("PHQ-9", 17)),
        ("Last time your GAD-7 came out at 16. This week it's eleven.", ("GAD-7", 11)),
        ("On the PHQ you got a ninety-nine, which can't be right.", ("PHQ-9", 99)),
        ("That's a hundred on the PCL.", ("PCL-5", 100)),
    ],
)
def test_a_spoken_score_is_the_current_value_of_its_instrument(text, expected):
    unit = st.sentence_units([{"index": 0, "speaker": C, "text": text}])[0]
    assert st.spoken_score(unit.text) == expected


@pytest.mark.parametrize(
    ("answer", "asked", "expected"),
    [
        ("Probably a sixty.", "Where's your SUDS at the moment?", ("SUDS", 60)),
        ("Maybe four.", "How strong is the urge right now, from nought to ten?", ("urge rating", 4)),
        ("Around 85 percent.", "How much do you believe the thought that you'll fail?", ("belief rating", 85)),
        ("Three nights.", "How many nights did you sleep through?", None),  # a count, not a rating
    ],
)
def test_a_rating_needs_a_scale_said_in_the_answer_or_its_question(answer, asked, expected):
    assert st.spoken_rating(answer, asked=asked) == expected


def test_spoken_scores_and_ratings_are_labelled_in_objective_and_a_stored_score_that_differs_is_shown_too():
    sections = _draft(
        [
            (C, "Thanks for filling in the GAD-7 in the waiting room. It came to nine today."),
            (C, "While you held the spider just now, how anxious were you, out of a hundred?"),
            (P, "Honestly about seventy."),
            (P, "I did the PHQ on the app last night and it said 22."),
        ],
        ["GAD-7 14 (moderate) on 3 Nov", "PHQ-9 22 (severe) on 3 Nov"],
    )
    objective = _texts(sections, "objective")
    gad = next(t for t in objective if t.startswith("Stated in session: GAD-7 9"))
    assert "differs from the stored GAD-7 score (GAD-7 14 (moderate) on 3 Nov)" in gad
    assert "GAD-7 14 (moderate) on 3 Nov (stored questionnaire)." in objective
    rating = next(t for t in objective if "anxiety rating 70" in t)
    assert "out of a hundred" in rating and "Honestly about seventy" in rating
    phq = next(t for t in objective if t.startswith("Stated by the patient: PHQ-9 22"))
    assert "differs" not in phq  # the same value as stored: nothing to reconcile
    rating_sentence = next(s for s in sections["objective"] if "anxiety rating 70" in s.text)
    assert [e.ref for e in rating_sentence.evidence] == ["1", "2"]  # the question and the answer


# --- who the statement is about, and what kind it is -------------------------------------------------


def test_someone_elses_condition_is_quoted_with_the_sentence_that_names_them():
    sections = _draft(
        [
            (
                P,
                "My uncle has been staying with us. He's had bipolar disorder since his twenties and he won't "
                "take his lithium.",
            ),
        ]
    )
    quoted = next(t for t in _texts(sections, "subjective") if "lithium" in t)
    assert "My uncle has been staying with us" in quoted  # the quote says whose illness and whose lithium


def test_the_patients_questions_are_not_reported_as_facts():
    sections = _draft(
        [
            (P, "Will you have to tell my employer about this?"),
            (P, "Should I be on something stronger?"),
            (P, "I've been getting to work late most days."),
        ]
    )
    everything = [t for sentences in sections.values() for t in (s.text for s in sentences)]
    assert not any("employer" in t or "stronger" in t for t in everything)
    assert any("late most days" in t for t in _texts(sections, "subjective"))


def test_an_option_decided_against_is_labelled_where_the_patient_brings_it_up():
    sections = _draft(
        [
            (C, "We agreed we won't arrange an inpatient admission for now, because you have people with you."),
            (P, "Part of me thought an inpatient admission would be a rest, though."),
            (P, "I've been eating better since my sister moved in."),
        ]
    )
    assert _section_of(sections, "arrange an inpatient admission") == ["plan"]
    echoed = next(t for t in _texts(sections, "subjective") if "would be a rest" in t)
    assert echoed.startswith("Patient, on an option decided against in this session:")
    assert any(t.startswith("Patient reported:") and "eating better" in t for t in _texts(sections, "subjective"))


def test_a_hypothetical_is_not_a_report():
    sections = _draft([(P, "If I quit the course, my parents would stop speaking to me.")])
    (sentence,) = _texts(sections, "subjective")
    assert sentence.startswith("Patient wondered (not a report):")
    conditional = st.Unit(P, "If I don't eat breakfast I get shaky by ten.", (0,), None, None)
    assert st.kind_of(conditional, _cues()) == st.REPORT  # a habitual "if" is a report


def test_an_elliptical_answer_is_quoted_with_its_question():
    sections = _draft(
        [
            (C, "Are you still on the mirtazapine at night?"),
            (P, "Fifteen milligrams, yes."),
            (C, "And how has your appetite been?"),
            (P, "I've been eating much more than usual and I've put on weight."),
        ]
    )
    subjective = _texts(sections, "subjective")
    asked = "Patient, asked \u201cAre you still on the mirtazapine at night?\u201d: "
    assert f"{asked}\u201cFifteen milligrams, yes\u201d." in subjective
    # A full answer stands on its own and is quoted alone.
    assert "Patient reported: \u201cI've been eating much more than usual and I've put on weight\u201d." in subjective


# --- the clinician's formulation, observation and plan in other wordings -------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "From what you've described, checking the locks has become your way of keeping the dread down.",
        "My impression is that the drinking and the low mood are feeding each other.",
        "Overall, your panic attacks are getting less frequent, but the avoidance is still there.",
        "To me it seems the criticism at home is driving a lot of this.",
        "The more you stay in your room, the less you get to find out that people are kind.",
    ],
)
def test_formulations_in_other_wordings_go_to_assessment(sentence):
    assert _section_of(_draft([(C, sentence)]), sentence.rstrip(".")) == ["assessment"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Twice before Sunday, ring your brother and ask him how his week went.",
        "When you get home tonight, write the three worries on a card and put it in the drawer.",
        "Before we meet again, could you fill in the activity diary for three of the days?",
        "With your agreement, I'll send a letter to the surgery about the side effects.",
        "If the first try goes okay, we'll move on to the busier shop next time.",
    ],
)
def test_homework_and_agreed_actions_in_other_wordings_go_to_plan(sentence):
    sections = _draft([(C, sentence)])
    assert _section_of(sections, sentence.rstrip(".?")) == ["plan"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Tell me about the drive home.",  # an instruction for now, not for the week
        "Do you ever go out for walks at the weekend?",
        "Keep going, you're doing well.",
    ],
)
def test_an_in_session_instruction_or_a_question_is_not_homework(sentence):
    assert "plan" not in _section_of(_draft([(C, sentence)]), sentence.rstrip(".?"))


def test_an_instruction_continuing_the_homework_is_homework():
    sections = _draft(
        [
            (C, "For homework, walk to the end of the road and back every morning."),
            (P, "Okay, I can try that."),
            (C, "And on the way back, count five things you can see."),
        ]
    )
    assert _section_of(sections, "count five things") == ["plan"]


def test_a_lead_in_is_joined_to_what_it_introduces():
    sections = _draft([(C, "Second, the tablets. Could you give the spare boxes to your partner tonight?")])
    (sentence,) = _texts(sections, "plan")
    assert "Second, the tablets. Could you give the spare boxes to your partner tonight?" in sentence


def test_an_observation_of_wounds_is_objective():
    sentence = "These look superficial and there's no sign of infection."
    assert _section_of(_draft([(C, sentence)]), sentence.rstrip(".")) == ["objective"]


def test_a_typed_summarys_soap_letters_and_subjectless_lines_decide_the_section():
    sections = _draft(
        [
            (S, "A: low mood maintained by withdrawal from friends."),
            (S, "Eyes downcast, speech slow."),
            (S, "Risk of relapse moderate."),
            (S, "Prescription to be reviewed by GP next week."),
            (S, "Phone review Thu pm."),
            (S, "Inpatient referral not indicated."),
        ]
    )
    assert _section_of(sections, "withdrawal from friends") == ["assessment"]
    assert _section_of(sections, "Eyes downcast") == ["objective"]
    assert _section_of(sections, "Risk of relapse moderate") == ["assessment"]
    assert _section_of(sections, "Prescription to be reviewed") == ["plan"]
    assert _section_of(sections, "Phone review Thu pm") == ["plan"]
    assert any(t.startswith("Decided against:") and "referral" in t for t in _texts(sections, "plan"))


def test_evidence_stays_whole_with_its_negation_and_speaker():
    sections = _draft(
        [
            (C, "Have you used since we last met?"),
            (P, "No, not once."),
            (P, "My flatmate still smokes weed every night, and I've stopped going into the kitchen when he does."),
        ]
    )
    subjective = _texts(sections, "subjective")
    # One turn's reports are quoted together, with the question the turn answers.
    quoted = "\u201cNo, not once. My flatmate still smokes weed every night"
    assert any(quoted in t and "Have you used since we last met?" in t for t in subjective)
    assert any(t.endswith("into the kitchen when he does\u201d.") and "My flatmate" in t for t in subjective)


def _cues():
    from ml.notes import Cues

    return Cues()


# --- what the transcriber does to it -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Your bad 9 this morning was 11.", ("PHQ-9", 11, "bad 9")),
        ("I'm up at 7 and it's 10 before I eat.", None),  # a time, not an instrument
        ("The GAD 7 today is 12.", None),  # heard right: spoken_score reads it
    ],
)
def test_a_misheard_instrument_is_matched_to_the_stored_one_with_its_number(text, expected):
    assert st.misheard_score(text, ["PHQ-9", "GAD-7"]) == expected


def test_a_misheard_score_is_shown_with_what_was_heard_next_to_the_stored_score():
    sections = _draft([(C, "Your bad 9 this morning was 11.")], ["PHQ-9 15 (moderately severe) on 2 Nov"])
    spoken = next(t for t in _texts(sections, "objective") if t.startswith("Stated in session:"))
    assert spoken.startswith("Stated in session: PHQ-9 11") and "heard as \u201cbad 9\u201d" in spoken
    assert "differs from the stored PHQ-9 score" in spoken


def test_a_yes_or_no_answer_is_quoted_with_the_question_it_answers():
    sections = _draft(
        [
            (C, "Has anyone at home ever threatened you?"),
            (P, "No, my brother shouts a lot but he has never laid a finger on me."),
        ]
    )
    (sentence,) = [t for t in _texts(sections, "subjective") if "laid a finger" in t]
    assert "Has anyone at home ever threatened you?" in sentence


def test_a_rating_of_something_done_between_sessions_is_the_patients_report():
    sections = _draft(
        [
            (C, "When you stood in the queue at the bank, how anxious were you, out of ten?"),
            (P, "Nine at first, then it settled at about five."),
            (C, "And what's your anxiety right now, from nought to ten?"),
            (P, "Two."),
        ]
    )
    (looking_back,) = [t for t in _texts(sections, "subjective") if "queue" in t]
    assert looking_back.startswith("Patient's rating, looking back: anxiety rating 9")
    assert any("anxiety rating 2" in t for t in _texts(sections, "objective"))


def test_a_proposal_is_agreed_or_declined_by_the_patients_reply():
    sections = _draft(
        [
            (C, "Would it be okay if I let your college know you'll be back part-time?"),
            (P, "Yes, please."),
            (C, "Would you be happy for me to speak to your dad as well?"),
            (P, "No, I'd rather you didn't."),
            (C, "Can I ask what happened after that?"),
            (P, "Sure."),
        ]
    )
    plan = _texts(sections, "plan")
    assert any(t.startswith("Agreed:") and "college" in t and "Yes, please" in t for t in plan)
    assert any(t.startswith("Declined by the patient:") and "your dad" in t for t in plan)
    assert not any("what happened after that" in t for t in plan)


@pytest.mark.parametrize(
    ("sentence", "section"),
    [
        ("Your knuckles look sore and cracked today.", "objective"),
        ("It seems the reassurance works for an hour and then the doubt comes back stronger.", "assessment"),
    ],
)
def test_more_observation_and_formulation_wordings(sentence, section):
    assert _section_of(_draft([(C, sentence)]), sentence.rstrip(".")) == [section]


def test_a_negative_instruction_continuing_the_homework_is_homework():
    sections = _draft(
        [
            (C, "This week, touch the bin lid once a day and wait before washing."),
            (C, "Also, don't ask your mum whether your hands are clean."),
        ]
    )
    assert _section_of(sections, "don't ask your mum") == ["plan"]


# --- spoken sessions: psychoeducation, timed plan details, conditional advice, instruments by name ---


def test_an_instrument_said_by_its_name_is_a_score():
    unit = st.sentence_units([{"index": 0, "speaker": C, "text": "Your Edinburgh score last week was fourteen."}])[0]
    assert st.spoken_score(unit.text) == ("EPDS", 14)


def test_naming_what_the_patient_describes_and_explaining_it_is_one_formulation():
    sections = _draft(
        [
            (P, "I keep checking the oven, sometimes twenty times before I can leave."),
            (C, "What you're describing is a checking habit. It gets stronger every time you give in to it."),
        ]
    )
    assert _texts(sections, "assessment") == [
        "Clinician: What you're describing is a checking habit. It gets stronger every time you give in to it."
    ]


def test_how_a_habit_is_learnt_is_a_formulation():
    sections = _draft([(C, "Scrolling in bed at night teaches your brain that the bed is for being awake.")])
    assert _section_of(sections, "teaches your brain") == ["assessment"]


def test_a_plans_clock_times_and_conditional_advice_go_to_plan():
    sections = _draft(
        [
            (C, "So we're going to set a fixed wake-up time."),
            (C, "Your alarm goes at quarter past seven, weekends included."),
            (C, "You may feel flat for a few days, so please don't skip meals if you feel low."),
        ]
    )
    assert _section_of(sections, "quarter past seven") == ["plan"]
    assert _section_of(sections, "please don't skip meals") == ["plan"]
