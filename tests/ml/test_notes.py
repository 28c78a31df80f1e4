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
    assert "PHQ-9 8 (mild)." in behavior
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
