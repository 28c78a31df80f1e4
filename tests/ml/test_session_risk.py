"""Session risk screening with the real detector: turns, questions, writer's voice, reasons for living."""

import pytest

from ml.risk import RiskDetector
from ml.session_risk import assemble_turns, question_as_statement, screen_session, typed_utterances

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def assess():
    return RiskDetector().assess


def said(*pairs, timed=True):
    out, clock = [], 0.0
    for i, (speaker, text) in enumerate(pairs):
        out.append(
            {
                "index": i,
                "speaker": speaker,
                "text": text,
                "start": clock if timed else None,
                "end": clock + 3 if timed else None,
            }
        )
        clock += 3.5
    return out


def screen(assess, utterances, confirmed=True):
    return screen_session(utterances, assess, speakers_confirmed=confirmed)


def test_a_denial_split_by_the_transcriber_stays_a_denial(assess):
    result = screen(
        assess,
        said(
            ("clinician", "Have you had any thoughts of killing yourself?"),
            ("patient", "I've never thought"),
            ("patient", "about killing myself."),
        ),
    )
    assert result.level == "none" and "denied" in {s.reason for s in result.suppressed}


def test_fragments_of_one_speaker_join_but_finished_sentences_stay_apart():
    turns = assemble_turns(said(("patient", "I've never thought"), ("patient", "about it."), ("patient", "Never.")))
    assert [t.text for t in turns] == ["I've never thought about it. Never."] and turns[0].indices == (0, 1, 2)


def test_a_real_disclosure_is_found_and_points_at_its_utterance(assess):
    result = screen(
        assess,
        said(("clinician", "How has the week been?"), ("patient", "I have been thinking about killing myself.")),
    )
    assert result.level == "active_ideation"
    assert [(f.utterances, f.basis, f.start) for f in result.findings] == [((1,), "patient_speech", 3.5)]


def test_clinician_questions_are_never_the_patients_risk_even_on_the_patients_side(assess):
    confirmed = screen(assess, said(("clinician", "Do you ever wish you were dead?"), ("patient", "No.")))
    assert confirmed.level == "none"
    # Crosstalk: the clinician's question transcribed on the patient's channel as well.
    leaked = screen(
        assess,
        said(("clinician", "Have you been thinking about ending your life?"), ("patient", "No, not at all."))[:1]
        + [
            {
                "index": 1,
                "speaker": "patient",
                "text": "Have you been thinking about ending your life?",
                "start": 0.2,
                "end": 3.0,
            },
            {"index": 2, "speaker": "patient", "text": "No, not at all.", "start": 3.5, "end": 5.0},
        ],
    )
    assert leaked.level == "none" and "question_to_other" in {s.reason for s in leaked.suppressed}


def test_crosstalk_that_repeats_the_clinician_is_not_the_patient(assess):
    utterances = [
        {
            "index": 0,
            "speaker": "clinician",
            "text": "Some people feel they would be better off dead.",
            "start": 0.0,
            "end": 3.0,
        },
        {
            "index": 1,
            "speaker": "patient",
            "text": "Some people feel they would be better off dead.",
            "start": 0.1,
            "end": 3.0,
        },
    ]
    result = screen(assess, utterances)
    assert result.level == "none" and "crosstalk" in {s.reason for s in result.suppressed}


def test_a_disclosure_heard_on_both_microphones_is_still_the_patients(assess):
    # Stereo crosstalk: the patient's words leak onto the clinician's channel at the same moment.
    utterances = [
        {"index": 0, "speaker": "clinician", "text": "How have the nights been?", "start": 0.0, "end": 2.0},
        {
            "index": 1,
            "speaker": "clinician",
            "text": "Some nights I wish I could go to sleep and not wake up.",
            "start": 2.5,
            "end": 6.0,
        },
        {
            "index": 2,
            "speaker": "patient",
            "text": "Some nights I wish I could go to sleep and not wake up.",
            "start": 2.5,
            "end": 6.0,
        },
    ]
    result = screen(assess, utterances)
    assert result.level == "passive_ideation" and result.findings[0].utterances == (2,)


def test_a_yes_to_a_risk_question_carries_the_questions_level(assess):
    yes = screen(
        assess, said(("clinician", "Have you had thoughts of ending your life?"), ("patient", "Yes, most nights."))
    )
    assert yes.level == "active_ideation" and yes.findings[0].basis == "answer_to_question"
    no = screen(assess, said(("clinician", "Have you had thoughts of ending your life?"), ("patient", "No, never.")))
    assert no.level == "none"


def test_question_as_statement():
    assert question_as_statement("So, have you had thoughts of ending your life?") == (
        "I have had thoughts of ending my life."
    )


def test_a_pet_as_a_reason_for_living_is_not_a_plan(assess):
    dialogue = said(
        ("clinician", "What keeps you going?"), ("patient", "I've thought about it, but I couldn't leave my dog.")
    )
    assert screen(assess, dialogue).level != "plan_or_intent"

    # risk-1.2 read the sentence itself as a plan; the session screen sets the reason-for-living
    # clause aside and scores the rest (a detector that still reads it as a plan, here a stub)
    def plan_reader(text):
        from ml.risk import RiskFinding, RiskResult

        if "dog" not in text:
            return RiskResult("none", (), (), "stub")
        finding = RiskFinding("plan_or_intent", 0, len(text), "rule", "stub", 1.0)
        return RiskResult("plan_or_intent", (finding,), (), "stub")

    result = screen(plan_reader, dialogue)
    assert result.level != "plan_or_intent" and "reason_for_living" in {s.reason for s in result.suppressed}
    with_means = screen(assess, said(("patient", "I've saved up my pills, the only thing stopping me is my dog.")))
    assert with_means.level == "plan_or_intent"


def test_when_speakers_are_a_guess_a_first_person_disclosure_labelled_clinician_still_counts(assess):
    utterances = said(
        ("clinician", "How was the week?"), ("clinician", "Honestly everyone would be better off without me.")
    )
    assert screen(assess, utterances, confirmed=True).level == "none"
    guessed = screen(assess, utterances, confirmed=False)
    assert guessed.level == "passive_ideation" and guessed.findings[0].basis == "unconfirmed_speaker"


@pytest.mark.parametrize(
    ("summary", "level"),
    [
        ("She denies self-harm.", "none"),
        ("Denies thoughts of self-harm.", "none"),
        ("Denies SI/HI.", "none"),
        ("No suicidal ideation, plan or intent.", "none"),
        ("Patient reports thoughts that everyone would be better off without her.", "passive_ideation"),
        ("Passive SI without plan or intent.", "passive_ideation"),
        ("She denies current SI but reports passive thoughts of death last week.", "passive_ideation"),
        ('She said "I just want to go to sleep and not wake up."', "passive_ideation"),
        ("Client disclosed that she has been cutting her arms.", "self_harm"),
        ("Safety plan reviewed and updated.", "none"),
        ("Assessment: the belief of being useless maintains withdrawal, which then confirms the belief.", "none"),
        ("Assessment: she feels her family would be better off without her.", "passive_ideation"),
    ],
)
def test_clinician_written_text_is_read_in_the_writers_voice(assess, summary, level):
    assert screen(assess, typed_utterances(summary)).level == level


def test_a_typed_transcript_keeps_its_speakers(assess):
    utterances = typed_utterances(
        "Therapist: Have you thought about killing yourself?\n"
        "Client: Yes, a few times this week.\nTherapist: Thank you."
    )
    assert [u["speaker"] for u in utterances] == ["clinician", "patient", "clinician"]
    assert screen(assess, utterances).level == "active_ideation"
    denial = typed_utterances("T: Have you thought about killing yourself?\nC: No, never.")
    assert screen(assess, denial).level == "none"


def test_a_denial_the_transcriber_ended_mid_clause_and_misheard_stays_a_denial_to_the_rules(assess):
    # Mono audio, tiny.en: "I've never thought | about killing myself." came back as two sentences, the
    # second misheard ("I'm out killing myself"). The fragment's verb still wants its object, so the two
    # are read together, and the rules' "killing myself" is suppressed as denied. risk-learned-3.1 read the
    # turn as nothing; 3.2 reads the three patient sentences together as active ideation, and with speaker
    # labels a machine guessed that reading alerts (a false alarm on a misheard denial, kept in the README's
    # 3.2 paragraph): the words on the page say "killing myself", and a human looks.
    result = screen(
        assess,
        said(
            ("clinician", "Have you had any thoughts on killing yourself?"),
            ("patient", "I never thought."),
            ("patient", "I'm out killing myself."),
            ("patient", "I just feel flat."),
        ),
        confirmed=False,
    )
    assert "denied" in {s.reason for s in result.suppressed}
    assert all(f.source.startswith("learned") for f in result.findings)  # no rule reads it as risk


def test_a_clause_with_its_object_is_not_joined_to_a_disclosure(assess):
    result = screen(assess, said(("patient", "I thought about it. I want to kill myself.")))
    assert result.level == "active_ideation"


def test_a_clinician_labelled_sentence_to_you_needs_more_than_the_learned_stage():
    # Voice clusters (unconfirmed): the clinician's homework and formulation read by the learned stage
    # alone as plan or ideation were false alerts; they are set aside with their reason. A stand-in
    # stage that raises everything, so the guard is tested whatever the shipped weights read.
    result = screen(
        _learned_everywhere,
        said(
            ("clinician", "Before our next session, I'd like you to call your neighbor once just to say hello."),
            (
                "clinician",
                "I think leaving the sharp tops you from learning that the feeling passes on its own, so the fear "
                "stays.",
            ),
        ),
        confirmed=False,
    )
    assert result.level == "none"
    assert "clinician_address_learned_only" in {s.reason for s in result.suppressed}


@pytest.mark.parametrize(
    "text",
    [
        "Honestly you'd all be better off without me.",
        "I'm telling you, I've been thinking about ending it.",
        "You won't believe it but I bought pills to end my life.",
    ],
)
def test_a_disclosure_mislabelled_as_the_clinician_still_alerts_when_it_speaks_to_you(assess, text):
    result = screen(assess, said(("patient", "How are you?"), ("clinician", text)), confirmed=False)
    assert result.level in {"passive_ideation", "active_ideation", "plan_or_intent"}


def _learned_everywhere(text):
    """A stand-in for the learned stage at its noisiest: every sentence reads as passive ideation."""
    from types import SimpleNamespace

    finding = SimpleNamespace(level="passive_ideation", source="learned:sentence")
    return SimpleNamespace(level="passive_ideation", findings=[finding], suppressed=[])


@pytest.mark.parametrize("text", ["Yeah, I'd prefer that.", "Should I be on that?", "I guess.", "Okay, thanks."])
def test_a_turn_with_no_word_of_its_own_meaning_is_not_raised_by_the_learned_stage_alone(text):
    result = screen(_learned_everywhere, said(("clinician", "Shall we hold off on it?"), ("patient", text)))
    assert result.level == "none"
    assert "no_content_learned_only" in {s.reason for s in result.suppressed}


@pytest.mark.parametrize("text", ["I'd rather be dead.", "I want it all to end.", "I'm done.", "Not here anymore."])
def test_a_short_turn_that_says_something_is_still_read(text):
    result = screen(_learned_everywhere, said(("clinician", "How has the week been?"), ("patient", text)))
    assert result.level == "passive_ideation"


def test_a_yes_to_a_risk_question_still_alerts_through_the_question(assess):
    result = screen(
        assess,
        said(("clinician", "Have you had thoughts of ending your life this week?"), ("patient", "Yeah, I have.")),
    )
    assert result.level != "none" and {f.basis for f in result.findings} == {"answer_to_question"}
