"""How clinicians lay out and abbreviate a typed summary, and how a formulation or a plan runs over
several spoken sentences. Every sentence here is written for these tests (none comes from an evaluation
set)."""

import pytest

from ml import note_statements as st
from ml.notes import Cues, Record, Utterance, draft_note, load_template
from ml.session_risk import typed_utterances

C, P = "clinician", "patient"


def _typed(summary, records=()):
    utterances = [
        Utterance(u["index"], u["speaker"], u["text"], u["start"], u["end"], u.get("line"))
        for u in typed_utterances(summary)
    ]
    draft = draft_note(load_template("soap"), utterances, [Record(f"r:{i}", r) for i, r in enumerate(records)])
    return {s.key: [x.text for x in s.sentences] for s in draft.sections}


def _spoken(turns, records=()):
    utterances = [Utterance(i, who, text, i * 5.0, i * 5.0 + 4) for i, (who, text) in enumerate(turns)]
    draft = draft_note(load_template("soap"), utterances, [Record(f"r:{i}", r) for i, r in enumerate(records)])
    return {s.key: [x.text for x in s.sentences] for s in draft.sections}


def _section_of(sections, fragment):
    return [key for key, texts in sections.items() for t in texts if fragment in t]


# --- a typed summary's layout ----------------------------------------------------------------------


def test_typed_lines_are_numbered_and_an_abbreviation_does_not_end_the_sentence():
    utterances = typed_utterances("Plan: diary nightly incl. naps, bed by 11pm. Walk daily.\nRv 3/52.")
    assert [(u["text"], u["line"]) for u in utterances] == [
        ("Plan: diary nightly incl. naps, bed by 11pm.", 0),
        ("Walk daily.", 0),
        ("Rv 3/52.", 1),
    ]


def test_only_an_abbreviation_joins_a_lower_case_continuation_so_a_denial_keeps_to_its_sentence():
    assert [u["text"] for u in typed_utterances("Denies plan. passive SI most nights.")] == [
        "Denies plan.",
        "passive SI most nights.",
    ]


def test_a_soap_section_heading_speaks_for_every_line_until_the_next_heading():
    sections = _typed(
        "S: Pt reports poor sleep since the move. Argued with landlord twice.\n"
        "O: Nails bitten to the quick.\n"
        "Clothes creased.\n"
        "A: Adjustment reaction, coping stretched. Sleep loss worsening irritability.\n"
        "P: Sleep diary.\n"
        "Letter to GP re bloods.\n"
        "Rv 3/52."
    )
    assert _section_of(sections, "Argued with landlord") == ["subjective"]
    assert _section_of(sections, "Nails bitten") == ["objective"]
    assert _section_of(sections, "Clothes creased") == ["objective"]
    assert _section_of(sections, "Sleep loss worsening irritability") == ["assessment"]
    assert _section_of(sections, "Letter to GP re bloods") == ["plan"]
    assert _section_of(sections, "Rv 3/52") == ["plan"]


@pytest.mark.parametrize(
    "headings",
    [
        ("S:", "O:", "A:", "P:"),
        ("Subjective", "Objective", "Assessment", "Plan"),
        ("SUBJECTIVE:", "OBJECTIVE:", "ASSESSMENT:", "PLAN:"),
        ("**Subjective**", "## Objective", "Assessment -", "p"),
    ],
)
def test_a_soap_heading_on_a_line_of_its_own_speaks_for_the_lines_under_it(headings):
    s, o, a, p = headings
    sections = _typed(
        f"{s}\nPt reports poor sleep since the move.\nArgued with landlord twice.\n"
        f"{o}\nNails bitten to the quick.\n{a}\nAdjustment reaction, coping stretched.\n"
        f"{p}\nSleep diary.\nLetter to GP re bloods."
    )
    assert _section_of(sections, "Argued with landlord") == ["subjective"]
    assert _section_of(sections, "Nails bitten") == ["objective"]
    assert _section_of(sections, "Adjustment reaction") == ["assessment"]
    assert _section_of(sections, "Letter to GP re bloods") == ["plan"]
    # the heading itself is not a statement of the note
    assert not [
        t for texts in sections.values() for t in texts if t.strip("#*: -").lower() in {"s", "plan", "objective"}
    ]


def test_a_word_that_happens_to_name_a_section_inside_a_sentence_is_not_a_heading():
    sections = _typed("Pt reports the plan fell through.\nArgued with landlord twice.")
    assert _section_of(sections, "Argued with landlord") == ["subjective"]


def test_an_item_heading_speaks_for_the_rest_of_its_line_only():
    sections = _typed(
        "HW: breathing practice twice daily. Avoid caffeine after noon. Note panic attacks on the app.\n"
        "Mood better this week, sleeping 7h."
    )
    assert _section_of(sections, "Avoid caffeine after noon") == ["plan"]
    assert _section_of(sections, "Note panic attacks on the app") == ["plan"]
    assert _section_of(sections, "Mood better this week") == ["subjective"]


@pytest.mark.parametrize(
    ("line", "section"),
    [
        ("Imp: panic disorder with agoraphobic avoidance.", "assessment"),
        ("Dx: generalised anxiety disorder.", "assessment"),
        ("Next appt Mon 10am.", "plan"),
        ("F/U 2/52.", "plan"),
        ("RTC 4 wks.", "plan"),
        ("Review in 3 weeks.", "plan"),
        ("Looks pale and tired.", "objective"),
        ("Presented unshaven, fidgeting.", "objective"),
        ("Skin on forearms healing well.", "objective"),
        ("Urges to drink ~4/10 most nights.", "subjective"),
        ("SUDS 70 -> 30 during in-session exposure.", "objective"),
        ("Risk currently moderate: recent plan, means now removed.", "assessment"),
        ("Letter to GP re sleep and mood.", "plan"),
        ("GP letter re medication review.", "plan"),
        ("Liaise with school nurse about lunchtimes.", "plan"),
        ("F/U with psychiatrist re lithium levels.", "plan"),
        ("Pt agreed to contact the crisis line if urges rise.", "plan"),
        ("Mx: increase session frequency.", "plan"),
        ("Obs: restless, picking at nails.", "objective"),
        ("In session she appeared flat and spoke quietly.", "objective"),
        ("I noticed her hands were shaking when work came up.", "objective"),
        ("I asked her to write down one worry each evening.", "plan"),
        ("She asked to move the appointment to the evening.", "subjective"),
    ],
)
def test_clinical_shorthand_decides_the_section(line, section):
    sections = _typed(f"Pt attended alone.\n{line}")
    fragment = line.split(": ", 1)[-1].rstrip(".")[:18]  # a heading is not quoted
    assert _section_of(sections, fragment) == [section]


def test_a_review_of_something_is_not_the_next_appointment():
    assert st.heading_kind("Review of diary: more walks than last time.") is None


# --- spoken: scores, formulations and plans over several sentences ------------------------------------


def test_a_mania_scale_named_after_its_author_is_read_and_set_against_the_stored_score():
    sections = _spoken([(C, "You did the Altman scale while you waited. You scored eleven.")], ["ASRM 5 on 1 Nov 2026"])
    spoken = next(t for t in sections["objective"] if t.startswith("Stated in session: ASRM 11"))
    assert "differs from the stored ASRM score" in spoken


def test_a_rating_said_as_a_change_is_the_current_value():
    assert st.spoken_rating("So your anxiety went from seventy down to forty in the lift.") == ("anxiety rating", 40)
    sections = _spoken([(C, "So the rating went from ninety down to fifty while we stayed put.")])
    assert _section_of(sections, "from ninety down to fifty") == ["objective"]


def test_a_rating_of_the_week_is_the_patients_report():
    sections = _spoken(
        [(C, "How strong were the urges this week, out of ten?"), (P, "Around five most nights.")],
    )
    assert _section_of(sections, "Around five most nights") == ["subjective"]


def test_an_announced_formulation_goes_on_over_the_turn():
    sections = _spoken(
        [
            (
                C,
                "Here's how I make sense of it. When the deadline hits, you stop eating properly. "
                "Then the tiredness makes the worry louder.",
            ),
        ]
    )
    assert _section_of(sections, "you stop eating properly") == ["assessment"]
    assert _section_of(sections, "the tiredness makes the worry louder") == ["assessment"]


def test_a_formulation_said_in_passing_does_not_take_the_next_sentence():
    sections = _spoken([(C, "It sounds like a hard week. Your sister phoned the surgery on Monday.")])
    assert "assessment" not in _section_of(sections, "Your sister phoned")


@pytest.mark.parametrize(
    "sentence",
    ["I'd put your risk as moderate today.", "Overall I'd rate the risk as low for now."],
)
def test_a_judgement_of_risk_is_the_clinicians_assessment(sentence):
    assert _section_of(_spoken([(C, sentence)]), sentence.rstrip(".")) == ["assessment"]


def test_a_plan_item_without_a_subject_continues_the_plan_and_a_report_does_not():
    sections = _spoken(
        [
            (C, "Let's set up a morning routine."),
            (C, "Breakfast before nine each morning, phone off at ten."),
            (C, "You mentioned you skip lunch every day."),
        ]
    )
    assert _section_of(sections, "Breakfast before nine") == ["plan"]
    assert "plan" not in _section_of(sections, "skip lunch")


def test_seeing_the_patient_sooner_is_the_next_appointment():
    sections = _spoken([(C, "I'd like to see you sooner, next Tuesday rather than in a month.")])
    assert _section_of(sections, "see you sooner") == ["plan"]


def test_a_patients_turn_of_reports_is_quoted_together():
    sections = _spoken(
        [(C, "How was the weekend?"), (P, "Not easy. I went to my brother's birthday. I had three glasses of wine.")]
    )
    quoted = [t for t in sections["subjective"] if "birthday" in t]
    assert len(quoted) == 1 and "three glasses of wine" in quoted[0] and "How was the weekend?" in quoted[0]


def test_an_intervention_cue_is_a_word_not_part_of_one():
    assert Cues().intervention("The stress of the move tipped you over.") is None
    assert Cues().intervention("Let's try TIPP: cold water on your face first.") is not None


@pytest.mark.parametrize(
    "sentence",
    [
        "Your homework is a ten minute walk at lunchtime, and rate your mood after it.",
        "With your permission, I update your school nurse about the plan.",  # "I'll" heard as "I"
    ],
)
def test_named_homework_and_an_action_asked_consent_for_are_the_plan(sentence):
    assert _section_of(_spoken([(C, sentence)]), sentence[:30]) == ["plan"]


def test_a_rating_asked_for_without_its_question_mark_is_still_a_question():
    assert st.asks_for_rating("And your mood this week, from not to ten.")
    assert not st.asks_for_rating("You rated it six out of ten last week.")
    sections = _spoken([(C, "And the urges this week, from nought to ten."), (P, "About a seven most evenings.")])
    looked_back = [t for t in sections["subjective"] if "About a seven most evenings" in t]
    assert looked_back and "urge rating 7" in looked_back[0]


def test_only_a_labelled_heading_speaks_for_the_rest_of_its_line():
    sections = _typed("Next session Tue 4pm. Pt worried about her exams.\nHW: revise 20 min daily. Tell mum.")
    assert _section_of(sections, "Pt worried about her exams") == ["subjective"]
    assert _section_of(sections, "Tell mum") == ["plan"]


def test_a_report_in_prose_after_the_plan_heading_is_still_a_report():
    sections = _typed("Plan: continue weekly sessions.\nShe mentioned her sister visits at Christmas.")
    assert _section_of(sections, "continue weekly sessions") == ["plan"]
    assert _section_of(sections, "She mentioned her sister visits") == ["subjective"]


# --- a typed summary written as prose ---------------------------------------------------------------


def test_a_time_or_a_decimal_does_not_end_a_typed_sentence():
    sections = _typed("We agreed she will keep her wake time fixed at 6.30 including weekends.\nDose 2.5 mg nocte.")
    assert _section_of(sections, "fixed at 6.30 including weekends") == ["plan"]
    assert [t for texts in sections.values() for t in texts if "Dose 2.5 mg nocte" in t]


def test_mental_state_terms_in_prose_are_the_clinicians_observation():
    sections = _typed(
        "She reported poor sleep since the move.\n"
        "She was tired-looking but engaged, with reactive affect and no psychomotor change.\n"
        "Good rapport, speech normal rate and volume."
    )
    assert _section_of(sections, "reactive affect") == ["objective"]
    assert _section_of(sections, "Good rapport") == ["objective"]
    assert _section_of(sections, "poor sleep since the move") == ["subjective"]


def test_a_patients_own_report_of_low_affect_stays_a_report():
    sections = _typed("She reports low affect most mornings.")
    assert _section_of(sections, "low affect most mornings") == ["subjective"]


def test_a_change_decided_in_the_passive_is_the_plan_and_a_relatives_news_is_not():
    sections = _typed(
        "Her time in bed will be extended by 15 minutes.\n"
        "His sertraline dose will be reviewed by the GP.\n"
        "Her sister will be visiting at Christmas."
    )
    assert _section_of(sections, "time in bed will be extended") == ["plan"]
    assert _section_of(sections, "dose will be reviewed") == ["plan"]
    assert _section_of(sections, "sister will be visiting") == ["subjective"]


def test_a_formulation_in_prose_is_the_assessment_even_without_i_think():
    sections = _typed(
        "Discarding seems to feel like losing her father again, so keeping his tools protects her from grief.\n"
        "The reassurance seeking serves to reduce doubt for a few minutes."
    )
    assert _section_of(sections, "keeping his tools protects her") == ["assessment"]
    assert _section_of(sections, "reassurance seeking serves to") == ["assessment"]


def test_what_the_clinician_saw_throughout_the_session_is_observed_and_a_weeks_mood_is_reported():
    sections = _typed("Cap pulled low throughout, picking at sleeve.\nMood low throughout the week.")
    assert _section_of(sections, "Cap pulled low throughout") == ["objective"]
    assert _section_of(sections, "Mood low throughout the week") == ["subjective"]


# --- wave 2 session 14: instruments the list does not name, and the plan in more wordings ------------------


def test_an_instrument_not_in_the_list_is_read_by_its_own_name_with_a_score_taken_now():
    assert st.spoken_score("Your OCI today is 27.") == ("OCI", 27)
    assert st.spoken_score("On the body image questionnaire you scored 41 today.") == ("Body Image Questionnaire", 41)
    assert st.spoken_score("DERS-SF total 3.2 this session (she thought it was higher).") == ("DERS-SF", 3.2)
    # no score taken now, a service or a sleep diary's fields, or a number that is not a score
    assert st.spoken_score("The OCI was designed for adults.") is None
    assert st.spoken_score("Saw the GP today about 2 repeat prescriptions.") is None
    assert st.spoken_score("TIB 8h, TST 5.5h this week.") is None
    assert st.spoken_score("I scored three goals today in five-a-side.") is None


def test_a_score_read_out_from_an_unlisted_instrument_is_objective_in_both_paths():
    typed = _typed("Pt reports fewer rituals.\nOCI 27 today (pt guessed 35).")
    assert _section_of(typed, "OCI 27 today") == ["objective"]
    spoken = _spoken([(C, "Your score on the body image questionnaire today is forty-one."), (P, "Oh. Lower.")])
    assert _section_of(spoken, "body image questionnaire") == ["objective"]


def test_a_stored_score_of_an_unlisted_instrument_that_differs_is_shown_beside_the_spoken_one():
    spoken = _spoken([(C, "Your OCI today is 27.")], records=["OCI 31 on 3 Nov 2026"])
    measures = [t for t in spoken["objective"] if "OCI" in t]
    assert measures and "differs from the stored OCI score" in measures[0]


def test_formulation_headings_and_wordings_beyond_i_think_are_the_assessment():
    typed = _typed(
        "Pt reports checking the hob 20x before leaving.\n"
        "Form'n: doubt > checking > brief relief > more doubt.\n"
        "Risk low: no SI, protective factors strong.\n"
        "Her presentation fits generalised anxiety disorder.\n"
        "Reassurance seeking appears to keep the doubt going."
    )
    for fragment in ("doubt > checking", "Risk low", "presentation fits", "appears to keep"):
        assert _section_of(typed, fragment) == ["assessment"], fragment
    spoken = _spoken(
        [
            (C, "What you're describing fits panic disorder quite closely."),
            (P, "Right."),
            (C, "I'd say you're in the preparation stage now."),
        ]
    )
    assert _section_of(spoken, "fits panic disorder") == ["assessment"]
    assert _section_of(spoken, "preparation stage") == ["assessment"]


def test_a_bare_risk_heading_with_a_denial_stays_what_the_patient_reported():
    typed = _typed("Risk: denies SI/SH.")
    assert _section_of(typed, "denies SI") != ["assessment"]


def test_what_the_clinician_sees_a_moment_ago_and_an_o_e_line_are_observed():
    spoken = _spoken([(C, "You're rocking a little and you flinched when the door banged."), (P, "Did I?")])
    assert _section_of(spoken, "rocking a little") == ["objective"]
    typed = _typed("O/E flushed, sitting forward, picking at cuticles.")
    assert _section_of(typed, "flushed") == ["objective"]


def test_homework_next_session_and_named_helpers_in_more_wordings_are_the_plan():
    typed = _typed(
        "Pt reports the week went badly.\n"
        "Homework is to phone the housing office on Monday.\n"
        "Raj will come on Saturday to help fill in the forms."
    )
    assert _section_of(typed, "phone the housing office") == ["plan"]
    assert _section_of(typed, "Raj will come") == ["plan"]
    spoken = _spoken(
        [
            (C, "Keep a worry diary: when it starts, what you were doing, and how strong it was."),
            (P, "Okay."),
            (C, "Before you go, let's put the reminder in your phone together."),
            (P, "Sure."),
            (C, "For the next session we'll meet at the library, on Friday at ten."),
        ]
    )
    for fragment in ("worry diary", "reminder in your phone", "at the library"):
        assert _section_of(spoken, fragment) == ["plan"], fragment


def test_a_goal_agreed_in_session_is_the_plan_and_no_template_drops_what_was_said():
    from ml.notes import builtin_templates

    turns = [
        (C, "So your goal is three dry days a week, starting Monday."),
        (P, "Yeah, that sounds doable."),
        (C, "It sounds like the drinking has become your way of switching off."),
        (P, "I went to the gym twice and felt good about it."),
    ]
    assert _section_of(_spoken(turns), "three dry days") == ["plan"]
    utterances = [Utterance(i, who, text, i * 5.0, i * 5.0 + 4) for i, (who, text) in enumerate(turns)]
    for template in builtin_templates():
        draft = draft_note(template, utterances, [])
        text = " ".join(s.text for section in draft.sections for s in section.sentences)
        for fragment in ("three dry days", "switching off", "gym twice"):
            assert fragment in text, (template["key"], fragment)


def test_a_practice_template_without_a_section_for_a_source_keeps_its_sentences_in_the_catch_all():
    template = {
        "key": "brief",
        "version": 1,
        "title": "Brief",
        "sections": [
            {"key": "notes", "title": "Notes", "sources": ["patient_statements"]},
            {"key": "next", "title": "Next", "sources": ["next_steps"]},
        ],
    }
    utterances = [
        Utterance(0, C, "It sounds like the drinking has become your way of switching off.", 0.0, 4.0),
        Utterance(1, P, "Maybe, yeah.", 5.0, 7.0),
    ]
    draft = draft_note(template, utterances, [])
    notes = [s.text for s in draft.sections[0].sentences]
    assert any("switching off" in t for t in notes)
