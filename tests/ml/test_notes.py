import pytest

from ml.notes import NOT_DISCUSSED, Record, Utterance, as_first_person, builtin_templates, draft_note, load_template

DIALOGUE = [
    Utterance(0, "clinician", "How has the week been?", 0.0, 2.0),
    Utterance(1, "patient", "Work has been awful and I barely slept.", 2.0, 6.0),
    Utterance(2, "clinician", "Let's try a thought record for the thought that you will be fired.", 6.0, 11.0),
    Utterance(3, "patient", "That makes sense, I can try that.", 11.0, 13.0),
    Utterance(4, "clinician", "For homework, keep a sleep diary every night this week.", 13.0, 17.0),
]


def test_each_planted_fact_reaches_its_section_with_evidence():
    draft = draft_note(load_template("birp"), DIALOGUE, [Record("questionnaire_response:1", "PHQ-9 8 (mild)")])
    sections = {s.key: s for s in draft.sections}
    assert sections["intervention"].sentences[0].text.startswith("Intervention: Cognitive restructuring")
    assert sections["intervention"].sentences[0].evidence[0].ref == "2"
    assert sections["response"].sentences[0].text == "Patient: \u201cThat makes sense, I can try that\u201d."
    homework = sections["plan"].sentences[0]
    assert homework.text.startswith("Homework:") and (homework.evidence[0].start, homework.evidence[0].end) == (13, 17)
    behavior = [s.text for s in sections["behavior"].sentences]
    assert "Patient reported: \u201cWork has been awful and I barely slept\u201d." in behavior
    assert "PHQ-9 8 (mild) (stored questionnaire)." in behavior
    assert all(s.evidence for section in draft.sections for s in section.sentences)


def test_no_evidence_means_not_discussed():
    draft = draft_note(load_template("soap"), [Utterance(0, "patient", "Hello.", 0, 1)])
    assessment = next(s for s in draft.sections if s.key == "assessment")
    assert assessment.sentences == () and assessment.text == NOT_DISCUSSED
    assert "within normal limits" not in " ".join(s.text for s in draft.sections)


def test_all_four_templates_are_available():
    assert {t["key"] for t in builtin_templates()} == {"soap", "dap", "birp", "girp"}


def test_summaries_are_read_in_the_first_person_for_the_detectors():
    assert as_first_person("She said everyone would be better off without her.") == (
        "I said everyone would be better off without me."
    )


def test_voice_clustering_attributes_the_fixture_dialogue():
    from pathlib import Path

    import pytest

    from ml.speakers import attribute
    from ml.speech import load_audio
    from ml.transcription import get_transcriber

    path = Path(__file__).resolve().parents[1] / "fixtures" / "audio" / "dialogue.m4a"
    if not path.exists():
        pytest.fail("fixture missing")
    segments = get_transcriber().transcribe(str(path)).segments
    roles = attribute(load_audio(str(path)), segments)
    expected = ["clinician", "patient"] * 3
    assert sum(r == e for r, e in zip(roles, expected, strict=True)) >= 5


def _sections(draft):
    return {s.key: [x.text for x in s.sentences] for s in draft.sections}


def test_sections_follow_who_said_it_and_what_kind_of_statement_it_is():
    session = [
        Utterance(0, "clinician", "I notice you're speaking more slowly today and you look tearful.", 0, 4),
        Utterance(1, "clinician", "You scored sixteen on the PHQ-9 you filled in this morning.", 4, 8),
        Utterance(2, "clinician", "It sounds like the thought that you're useless keeps you in bed.", 8, 12),
        Utterance(3, "clinician", "Let's update your safety plan with the crisis line number.", 12, 16),
        Utterance(4, "clinician", "We won't refer you to the psychiatrist for now.", 16, 19),
        Utterance(5, "patient", "My sister is on lithium and she keeps saying I should ask about medication.", 19, 24),
    ]
    by_key = _sections(
        draft_note(
            load_template("soap"), session, [Record("questionnaire_response:1", "PHQ-9 12 (moderate) on 14 Nov")]
        )
    )
    assert "Observed: I notice you're speaking more slowly today and you look tearful." in by_key["objective"]
    spoken = next(t for t in by_key["objective"] if t.startswith("Stated in session:"))
    assert "sixteen" in spoken and "differs from the stored PHQ-9 score (PHQ-9 12 (moderate) on 14 Nov)" in spoken
    assert "PHQ-9 12 (moderate) on 14 Nov (stored questionnaire)." in by_key["objective"]
    assert by_key["assessment"] == ["Clinician: It sounds like the thought that you're useless keeps you in bed."]
    assert "Decided against: \u201cWe won't refer you to the psychiatrist for now\u201d." in by_key["plan"]
    assert any("safety plan" in t for t in by_key["plan"])
    assert by_key["subjective"] == [
        "Patient reported: \u201cMy sister is on lithium and she keeps saying I should ask about medication\u201d."
    ]


def test_an_instruction_with_a_frequency_is_homework_even_when_its_cue_was_misheard():
    # tiny.en heard "Between now and next session, stay in..." as "But we now, and next session, stay in...":
    # the instruction itself (a clause-initial verb with "every day") still makes it homework.
    session = [
        Utterance(
            0, "clinician", "But we now, and next session, stay in the corner shop for 10 minutes every day.", 0, 6
        ),
        Utterance(1, "clinician", "You said you stay in bed every day.", 6, 9),
    ]
    by_key = _sections(draft_note(load_template("soap"), session, []))
    assert any(t.startswith("Homework:") and "corner shop" in t for t in by_key["plan"])
    assert not any("stay in bed" in t for t in by_key["plan"])


def test_quotes_are_whole_sentences_of_whole_turns():
    long = (
        "I keep going over the meeting in my head, what I said and what they must have thought, and by the "
        "time I get home I am too tired to cook or call anyone so I just go to bed."
    )
    assert len(long.split()) > 30
    session = [
        Utterance(0, "patient", "I went back to the shop and stayed", 0, 2),
        Utterance(1, "patient", "there", 2, 2.4),
        Utterance(2, "patient", "for ten minutes.", 2.4, 3.5),
        Utterance(3, "clinician", "What happened at work?", 4, 5),
        Utterance(4, "patient", long, 5, 15),
    ]
    draft = draft_note(load_template("soap"), session)
    subjective = next(s for s in draft.sections if s.key == "subjective").sentences
    assert [s.text for s in subjective] == [
        "Patient reported: \u201cI went back to the shop and stayed there for ten minutes\u201d.",
        f"Patient reported: \u201c{long.rstrip('.')}\u201d.",
    ]
    assert [e.ref for e in subjective[0].evidence] == ["0", "1", "2"]
    assert (subjective[0].evidence[0].start, subjective[0].evidence[-1].end) == (0, 3.5)


def test_typed_headings_decide_the_section():
    summary = [
        Utterance(0, "summary", "Client reports three panic attacks this week."),
        Utterance(1, "summary", "Appeared calmer, breathing steady."),
        Utterance(2, "summary", "GAD-7 today 14."),
        Utterance(3, "summary", "Formulation: escape prevents learning that the fear passes."),
        Utterance(4, "summary", "Homework: stay in the corner shop for ten minutes every day."),
        Utterance(5, "summary", "Next session Tuesday at 4pm."),
        Utterance(6, "summary", "Plan: safety plan reviewed. Employer will not be informed."),
    ]
    by_key = _sections(draft_note(load_template("soap"), summary))
    assert by_key["subjective"] == ["Client reports three panic attacks this week."]
    assert by_key["objective"] == [
        "Score in the clinician's summary: GAD-7 today 14.",
        "Observed: Appeared calmer, breathing steady.",
    ]
    assert by_key["assessment"] == ["Clinician: escape prevents learning that the fear passes."]
    assert by_key["plan"][:2] == [
        "Homework: stay in the corner shop for ten minutes every day.",
        "Next steps: Next session Tuesday at 4pm.",
    ]
    assert "Decided against: \u201cEmployer will not be informed\u201d." in by_key["plan"]


@pytest.fixture(scope="module")
def analyzer():
    from ml.analysis import TextAnalyzer

    return TextAnalyzer()


@pytest.mark.slow
def test_themes_are_about_the_patient(analyzer):
    session = [
        Utterance(0, "patient", "I always carry a bottle of water, so at least I remember to drink something.", 0, 4),
        Utterance(1, "patient", "He drinks every night after work, and when he's had a few he picks fights.", 4, 8),
        Utterance(2, "clinician", "This week, try one calm conversation when he hasn't been drinking.", 8, 12),
    ]
    draft = draft_note(load_template("soap"), session, analysis=analyzer.analyse, risk=analyzer.risk.assess)
    assert "substance" not in " ".join(s.text for section in draft.sections for s in section.sentences)
    mine = [Utterance(0, "patient", "I've been drinking more to get to sleep.", 0, 3)]
    draft = draft_note(load_template("soap"), mine, analysis=analyzer.analyse, risk=analyzer.risk.assess)
    assert "Theme: substance use (1 mention)." in [s.text for s in draft.sections[0].sentences]


@pytest.mark.slow
def test_the_notes_risk_statements_are_the_alert_paths_findings(analyzer):
    session = [
        Utterance(0, "clinician", "Have you had any thoughts of killing yourself?", 0, 3),
        Utterance(1, "patient", "I've never thought", 3, 4),
        Utterance(2, "patient", "about killing myself.", 4, 5),
        Utterance(3, "clinician", "What keeps you going?", 5, 6),
        Utterance(
            4, "patient", "Some nights I wish I could go to sleep and not wake up. My dog keeps me going.", 6, 10
        ),
    ]
    draft = draft_note(load_template("soap"), session, analysis=analyzer.analyse, risk=analyzer.risk.assess)
    risk = [s.text for section in draft.sections for s in section.sentences if s.source == "risk"]
    assert risk == [
        "Risk language (passive ideation): \u201cSome nights I wish I could go to sleep and not wake up. "
        "My dog keeps me going\u201d."
    ]


@pytest.mark.slow
def test_a_review_item_leads_the_risk_section_and_says_why_it_did_not_alert(analyzer):
    session = [
        Utterance(0, "clinician", "How are things at work?", 0, 3),
        Utterance(1, "patient", "Honestly, I can't go on like this.", 3, 6),
        Utterance(2, "clinician", "When you say that, do you mean you've had thoughts of ending your life?", 6, 9),
        Utterance(3, "patient", "No, nothing like that. I mean the night shifts.", 9, 12),
    ]
    draft = draft_note(load_template("soap"), session, analysis=analyzer.analyse, risk=analyzer.risk.assess)
    section = next(s for s in draft.sections if s.key == "objective")  # the first that holds risk statements
    first = section.sentences[0]
    assert first.source == "risk_review" and first.text.startswith("Clinician review needed before signing")
    assert "can't go on like this" in first.text and "said no when asked" in first.text
    assert first.review == {
        "level": "passive_ideation",
        "reason": "clarified",
        "utterances": [1],
        "detector": "passive.no_point",
        "score": 1.0,
    }
    assert not [s for sec in draft.sections for s in sec.sentences if s.source == "risk"]


@pytest.mark.parametrize(
    ("sentence", "keyword", "about_patient"),
    [
        ("My flatmate drinks a lot at those parties and I felt stupid next to everyone.", "drinks", False),
        ("He drinks every night after work.", "drinks", False),
        ("I always carry a bottle of water, so at least I remember to drink something.", "drink", False),
        ("I've been drinking more to get to sleep.", "drinking", True),
        ("My drinking has got worse since my husband left.", "drinking", True),
    ],
)
def test_a_theme_needs_the_patient_as_its_subject(sentence, keyword, about_patient):
    from ml.note_statements import theme_is_about_the_patient

    assert theme_is_about_the_patient(sentence, "substance_use", sentence.index(keyword)) is about_patient


def test_a_denial_the_transcriber_ended_mid_clause_is_quoted_whole():
    from ml.note_statements import sentence_units

    units = sentence_units(
        [
            {"index": 0, "speaker": "patient", "text": "I never thought.", "start": 39.6, "end": 40.5},
            {"index": 1, "speaker": "patient", "text": "I'm out killing myself.", "start": 41.3, "end": 42.6},
            {"index": 2, "speaker": "patient", "text": "I just feel flat.", "start": 43.1, "end": 44.3},
        ]
    )
    assert [(u.text, u.indices) for u in units] == [
        ("I never thought I'm out killing myself.", (0, 1)),
        ("I just feel flat.", (2,)),
    ]


def test_a_bare_count_stays_with_the_sentence_that_says_what_it_counts():
    from ml.note_statements import sentence_units

    units = sentence_units(
        [
            {"index": 0, "speaker": "clinician", "text": "How many panic attacks this week?", "start": 0, "end": 2},
            {"index": 1, "speaker": "patient", "text": "3.", "start": 2.5, "end": 3.0},
            {"index": 2, "speaker": "patient", "text": "All of them in the supermarket. No.", "start": 3.1, "end": 5},
        ]
    )
    assert [(u.text, u.indices) for u in units] == [
        ("How many panic attacks this week?", (0,)),
        ("3. All of them in the supermarket.", (1, 2)),
        ("No.", (2,)),
    ]


def test_formulations_observations_and_reports_by_kind_of_statement():
    # General forms, not fixture strings: "it seems to me", "I wonder whether", "…keeps the X going"
    # are the clinician's formulation; a typed summary's subjectless observation is Objective; the
    # summary's report of what the client did is Subjective even when it names a technique.
    session = [
        Utterance(0, "clinician", "It seems to me that the worry and the poor sleep are feeding each other.", 0, 4),
        Utterance(1, "clinician", "I wonder whether avoiding the shop keeps the fear going.", 4, 8),
        Utterance(2, "clinician", "I can tell you're holding your sleeve over your wrist.", 8, 11),
    ]
    by_key = _sections(draft_note(load_template("soap"), session, []))
    # Said one after the other by the same clinician, the two readings are quoted as one statement.
    assert by_key["assessment"] == [
        "Clinician: It seems to me that the worry and the poor sleep are feeding each other. I wonder whether "
        "avoiding the shop keeps the fear going."
    ]
    assert any("sleeve" in t for t in by_key["objective"])
    summary = [
        Utterance(0, "summary", "Hands shaking, appears very tired."),
        Utterance(1, "summary", "Sitting on edge of chair, tapping foot."),
        Utterance(2, "summary", "Client completed exposure: rode the bus twice; anxiety 70 before, 30 after."),
    ]
    by_key = _sections(draft_note(load_template("soap"), summary, []))
    assert by_key["objective"][:2] == [
        "Observed: Hands shaking, appears very tired.",
        "Observed: Sitting on edge of chair, tapping foot.",
    ]
    assert any("rode the bus" in t for t in by_key["subjective"])


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("Your GAD-7 today came to twenty -one.", ("GAD-7", 21)),
        ("You scored eleven out of twenty-seven on the PHQ-9.", ("PHQ-9", 11)),
        ("That's a six on the PHQ.", ("PHQ-9", 6)),
        ("PHQ-9 today 19.", ("PHQ-9", 19)),
    ],
)
def test_spoken_scores_are_read_as_numbers(text, score):
    from ml.note_statements import spoken_score

    assert spoken_score(text) == score
