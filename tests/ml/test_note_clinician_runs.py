"""The clinician's statements said over several sentences, scores and ratings read out in passing, and the
next appointment offered as a question (sentences written for these tests, not taken from any fixture)."""

from ml import note_statements as st
from ml.notes import Utterance, draft_note, load_template


def _sections(draft) -> dict[str, list[str]]:
    return {section.key: [s.text for s in section.sentences] for section in draft.sections}


def _note(*turns: tuple[str, str]) -> dict[str, list[str]]:
    utterances = [Utterance(i, who, text, i * 5.0, i * 5.0 + 4) for i, (who, text) in enumerate(turns)]
    return _sections(draft_note(load_template("soap"), utterances, []))


def test_a_reading_said_over_several_sentences_is_one_assessment_statement():
    note = _note(
        ("patient", "I just go quiet for hours afterwards."),
        (
            "clinician",
            "It sounds like the silences protect you. But they also stop your partner from reaching you. "
            "So the distance grows each time. How does that land?",
        ),
    )
    assert note["assessment"] == [
        "Clinician: It sounds like the silences protect you. But they also stop your partner from reaching you. "
        "So the distance grows each time."
    ]


def test_a_sentence_about_someone_else_does_not_join_the_reading():
    note = _note(
        ("patient", "I can't face the classroom."),
        (
            "clinician",
            "It sounds like avoiding school keeps the fear going. Your dad asked whether you could study at home.",
        ),
    )
    assert note["assessment"] == ["Clinician: It sounds like avoiding school keeps the fear going."]
    assert not any("study at home" in t for t in note["assessment"])


def test_an_announced_reading_in_the_clinicians_own_words_is_the_assessment():
    note = _note(
        ("patient", "Evenings are the worst."),
        (
            "clinician",
            "So here's how I'm seeing it. The tablets help in the day, but not once they wear off. "
            "By the evening you're running on empty.",
        ),
    )
    assert len(note["assessment"]) == 1
    assert "wear off" in note["assessment"][0] and "running on empty" in note["assessment"][0]


def test_the_clinician_going_over_the_ratings_just_given_is_a_measure():
    note = _note(
        ("clinician", "Out of a hundred, how anxious are you now?"),
        ("patient", "Ninety."),
        ("clinician", "And now?"),
        ("patient", "About forty."),
        ("clinician", "Twenty minutes in, from ninety down to forty. You stayed with it."),
    )
    assert any(t.startswith("Ratings in session:") and "ninety down to forty" in t for t in note["objective"])


def test_a_recap_needs_a_rating_asked_for_first():
    assert st.recaps_ratings("Twenty minutes in, from ninety down to forty.")
    assert not st.recaps_ratings("Rate it from one to ten?")
    note = _note(("clinician", "Your commute went from ninety down to forty minutes since the move."))
    assert not any("Ratings in session" in t for t in note["objective"])


def test_scores_read_out_by_name_beside_another():
    assert st.spoken_score("The sleep one, the Bergen, is twelve today.") == ("Bergen", 12)
    # a name said straight before its score needs no word saying it is today's
    assert st.spoken_score("The stress one, the PSS, is twenty-two, a bit higher than before.") == ("PSS", 22)
    assert st.spoken_score("And the mood one, the PHQ-9, is fourteen.") == ("PHQ-9", 14)
    # an acronym's own number is part of its name, not its score
    assert st.spoken_score("Your DASS-21 came out at forty today.") == ("DASS", 40)
    assert st.spoken_score("PHQ-9 22 (severe) on 3 Nov", stored=True) == ("PHQ-9", 22)
    # a sentence naming the questionnaire with its number, then the score
    note = _note(("clinician", "Let's look at the stress questionnaire, the PSS ten. You scored twenty today."))
    assert any("20" in t and "stress questionnaire" in t.lower() for t in note["objective"])
    # service and role acronyms are no instrument
    assert st.spoken_score("The GP is two miles away.") is None


def test_a_change_the_clinician_saw_is_observed():
    note = _note(("clinician", "You've gone quite red there, let's pause for a moment."))
    assert note["objective"] == ["Observed: You've gone quite red there, let's pause for a moment."]


def test_the_next_appointment_offered_as_a_question_and_taken_is_agreed():
    note = _note(("clinician", "Same time next Thursday?"), ("patient", "Yes, Thursday works."))
    assert note["plan"] == [
        "Next appointment agreed: Same time next Thursday? (patient: \u201cYes, Thursday works\u201d)."
    ]


def test_the_clinicians_summary_of_the_risk_screen_is_their_assessment():
    note = _note(
        (
            "clinician",
            "So you've had thoughts of ending your life this week, with no plan and no intention to act on them.",
        ),
        ("patient", "Yes, that's right."),
    )
    assert any("no plan and no intention" in t for t in note["assessment"])


def test_a_sentence_naming_what_was_just_described_is_read_with_it():
    note = _note(
        ("patient", "I'd barely slept and hadn't eaten all day."),
        ("clinician", "So you were running on empty before it started. Those are your vulnerability factors."),
    )
    assert note["assessment"] == [
        "Clinician: So you were running on empty before it started. Those are your vulnerability factors."
    ]


def test_plan_items_said_after_the_homework_stay_in_the_plan():
    note = _note(
        ("clinician", "So, homework. Keep the diary every day."),
        ("patient", "Okay."),
        ("clinician", "And a proper break on every shift. And if you can, finish the worksheet at home."),
    )
    plan = " ".join(note["plan"])
    assert "every shift" in plan and "finish the worksheet" in plan


def test_what_the_clinician_saw_goes_on_over_the_sentences_after_it():
    note = _note(
        (
            "clinician",
            "I can see some marks on your right hand. A few look quite red. Take your time with the next bit.",
        ),
    )
    assert note["objective"][0] == "Observed: I can see some marks on your right hand. A few look quite red."


def test_how_worried_the_clinician_is_is_their_judgement():
    note = _note(
        ("patient", "I keep picturing something happening to him."),
        ("clinician", "Nothing you've told me worries me about his safety. These thoughts are common."),
    )
    assert any("worries me about his safety" in t for t in note["assessment"])


def test_what_happens_next_time_is_the_plan():
    note = _note(("clinician", "Yes, Friday at two, and we'll go over the diary at the start again."))
    assert note["plan"] == ["Next steps: Yes, Friday at two, and we'll go over the diary at the start again."]
    note = _note(("clinician", "We'll see how next week goes."))
    assert not any(t.startswith("Next steps") for t in note["plan"])


def test_a_weight_taken_in_the_room_is_objective():
    note = _note(("clinician", "You're at 52.1 kilos today, the same as last week."))
    assert note["objective"] == ["Observed: You're at 52.1 kilos today, the same as last week."]


def test_a_short_answer_said_earlier_still_carries_its_own_question():
    # "No." answered two questions: the second answer is quoted with its own question, not dropped as a repeat
    # (which left "Nothing like that" in the note with nothing saying what it denied).
    note = _note(
        ("clinician", "Did the weekend go as planned?"),
        ("patient", "No."),
        ("clinician", "Have you made any plans to end your life?"),
        ("patient", "No. Nothing like that."),
    )
    assert (
        "Patient, asked \u201cHave you made any plans to end your life?\u201d: \u201cNo. Nothing like that\u201d."
        in note["subjective"]
    )


def test_a_short_question_about_it_is_quoted_with_what_it_is():
    note = _note(
        ("clinician", "Some people who feel this low think about not being here. Has that happened for you?"),
        ("patient", "No. Never like that."),
        ("clinician", "Thank you for telling me. How have you been sleeping?"),
        ("patient", "Badly, most nights."),
    )
    assert (
        "Patient, asked \u201cSome people who feel this low think about not being here. Has that happened for "
        "you?\u201d: \u201cNo. Never like that\u201d." in note["subjective"]
    )
    # an acknowledgement says nothing of what is asked
    assert any(t.startswith("Patient, asked \u201cHow have you been sleeping?\u201d") for t in note["subjective"])


def test_a_hesitation_does_not_part_an_answer_from_its_question():
    note = _note(
        ("clinician", "Out of a hundred, how strongly do you believe that now?"),
        ("patient", "Hmm. Maybe forty."),
    )
    assert any("rating 40" in t for t in note["objective"])


def test_i_would_say_you_are_doing_well_is_the_clinicians_judgement():
    note = _note(("patient", "I did the lifts every day."), ("clinician", "I'd say you're doing really well with it."))
    assert note["assessment"] == ["Clinician: I'd say you're doing really well with it."]


def test_more_ways_a_score_is_read_out():
    assert st.spoken_score("The anxiety questionnaire came back at eleven.") == ("Anxiety Questionnaire", 11)
    assert st.spoken_score("On the OCI you're at twenty-two now.") == ("OCI", 22)
    assert st.spoken_score("Your score on the depression measure was fourteen today.") == ("Depression Measure", 14)
    assert st.spoken_score("The mood questionnaire's come out at seventeen, up from twelve.") == (
        "Mood Questionnaire",
        17,
    )
    # a questionnaire talked about, not scored
    assert st.spoken_score("The questionnaire was two pages long.") is None
    assert st.spoken_score("I'm not sure the questionnaire is right for me now, I've had three bad days.") is None


def test_a_commitment_keeps_what_it_refers_to():
    note = _note(
        ("clinician", "What could you do about the evenings?"),
        ("patient", "There's a pottery class at the library. I used to love that. I will go this Thursday."),
    )
    assert (
        "Patient agreed: \u201cThere's a pottery class at the library. I used to love that. I will go this "
        "Thursday\u201d." in note["plan"]
    )


def test_the_next_appointment_is_named_as_such():
    note = _note(
        ("clinician", "Could you come back this Friday, the fourth, at ten?"), ("patient", "Yes, that's fine.")
    )
    assert note["plan"][0].startswith("Next appointment agreed: Could you come back this Friday")
    note = _note(("clinician", "I'm away next week, so let's meet in two weeks, on Monday the fourteenth."))
    assert note["plan"] == ["Next steps: I'm away next week, so let's meet in two weeks, on Monday the fourteenth."]


def test_a_recap_of_ratings_says_what_was_rated():
    note = _note(
        ("clinician", "From nought to ten, how confident are you that you can sort it out?"),
        ("patient", "Two."),
        ("clinician", "And now, from nought to ten?"),
        ("patient", "Six."),
        ("clinician", "From two to six."),
    )
    assert any(
        t.startswith("Ratings in session: \u201cFrom two to six\u201d (asked \u201cAnd now, from nought to ten\u201d)")
        for t in note["objective"]
    )


def test_requests_proposals_and_listed_items_are_the_plan():
    note = _note(
        ("clinician", "Would you ask at the library about their reading group?"),
        ("patient", "Yes, I'll ask them on Monday."),
        ("clinician", "And would you feel able to tell Sam about the thoughts?"),
        ("patient", "I think so. I'll tell him tonight."),
        ("clinician", "So for the fortnight. First, the breathing exercise twice a day, morning and evening."),
    )
    plan = " ".join(note["plan"])
    assert "reading group" in plan and "tell Sam" in plan and "breathing exercise twice a day" in plan


def test_what_the_clinician_saw_and_how_they_read_it():
    note = _note(
        (
            "clinician",
            "I did notice that a couple of times while we were talking you looked towards the window and went quiet.",
        ),
        ("patient", "Did I?"),
        ("clinician", "I see real strengths in you. The way I see it, this is a grief reaction, not a weakness."),
    )
    assert note["objective"][0].startswith("Observed: I did notice that a couple of times")
    assert note["assessment"] == [
        "Clinician: I see real strengths in you. The way I see it, this is a grief reaction, not a weakness."
    ]


def test_a_scale_named_by_the_words_before_score():
    assert st.spoken_score("Your sleep quality score came out at twelve today.") == ("Sleep Quality Score", 12)
    assert st.spoken_score("EDE-Q global score 4.2 on 23 Nov 2026", stored=True) == ("EDE-Q", 4.2)
    assert st.spoken_score("Your score came out at fifty today.") is None


def test_an_observation_with_a_word_of_care_after_it_is_still_observed():
    note = _note(("clinician", "I can see it's brought tears, take a moment, there's no rush."))
    assert note["objective"] == ["Observed: I can see it's brought tears, take a moment, there's no rush."]


def test_a_question_about_they_is_quoted_with_what_they_are():
    note = _note(
        ("clinician", "Tell me about the flashbacks. How often have they been coming?"),
        ("patient", "Most days. Three or four times."),
    )
    assert any("Tell me about the flashbacks. How often have they been coming?" in t for t in note["subjective"])


def test_consent_given_in_other_words_and_what_it_was_for():
    note = _note(
        ("clinician", "I'd like to let your GP know about the cutting. Would you be okay with me doing that?"),
        ("patient", "Um. Will it go on my records? I suppose it will. Yeah, okay."),
    )
    assert note["plan"][0].startswith(
        "Agreed: I'd like to let your GP know about the cutting. Would you be okay with me doing that? (patient:"
    )


def test_what_the_clinician_will_do_said_mid_sentence_is_the_plan():
    note = _note(("clinician", "The card, the blades out tonight, and I'll write to Doctor Shah today."))
    assert note["plan"] == ["Agreed: The card, the blades out tonight, and I'll write to Doctor Shah today."]


def test_a_safety_behaviour_named_in_a_reading_stays_in_the_reading_but_a_plan_does_not():
    note = _note(
        (
            "clinician",
            "Let me tell you how I'm understanding it. The racing heart feels like danger. Then there are the "
            "things you do to keep yourself safe, the water bottle and the wall. They stop you finding out you'd be "
            "fine. Today let's write a safety plan together.",
        ),
    )
    assert len(note["assessment"]) == 1 and "water bottle" in note["assessment"][0]
    assert not any("safety plan together" in t for t in note["assessment"])
