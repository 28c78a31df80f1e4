"""Typed summaries: what was agreed, what was seen, the clinician's judgement and the homework's report, each
to its section (sentences written for these tests, not taken from any fixture)."""

import pytest

from ml import note_statements as st
from ml.notes import Cues, Utterance


def _kind(text: str) -> str:
    (unit,) = st.sentence_units([Utterance(0, "summary", text)])
    return st.kind_of(unit, Cues())


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # agreed, though it names a rating
        ("She will keep the panic diary, adding a 0-10 rating of fear each evening.", st.HOMEWORK),
        ("He agreed to try a ten-minute pause when his anger reaches 6/10.", st.ACTION),
        ("With her consent the clinician will write to her GP about the dose.", st.ACTION),
        # the homework's report is what the client did
        ("HW done: walked to the shop 4/7 days, anxiety 70 -> 40.", st.REPORT),
        # seen in the room
        ("Flushed and tearful when describing the argument.", st.OBSERVATION),
        ("Weighed in session: 51.2 kg, down 0.3 kg.", st.OBSERVATION),
        # the clinician's judgement
        ("Presentation consistent with social anxiety rather than panic disorder.", st.FORMULATION),
        ("Good within-session habituation; she is ready to move up the hierarchy.", st.FORMULATION),
        # reported, not measured
        ("Weight loss of about 4 kg since the summer.", st.REPORT),
        ("She reports mood 3/10 most days this week.", st.REPORT),
    ],
)
def test_summary_sentences_by_kind(text, kind):
    assert _kind(text) == kind


def test_an_acronym_with_a_lower_case_part_is_an_instrument():
    assert st.spoken_score("SPAI-Soc 61 today (70 on 3/11).") == ("SPAI-Soc", 61)


def _kinds(summary: str) -> list[tuple[str, str]]:
    units = st.sentence_units([Utterance(i, "summary", line) for i, line in enumerate(summary.splitlines())])
    return [(u.text, st.kind_of(u, Cues())) for u in units]


def test_not_indicated_in_the_assessment_is_a_judgement_and_in_the_plan_a_decision():
    kinds = dict(
        _kinds(
            "O:\nGlanced towards the door twice and was told by the voice not to answer.\n"
            "A:\nRisk raised but not imminent; admission not indicated.\n"
            "P:\nReferral to the crisis team not needed at present."
        )
    )
    assert kinds["Glanced towards the door twice and was told by the voice not to answer."] == st.OBSERVATION
    assert kinds["Risk raised but not imminent; admission not indicated."] == st.FORMULATION
    assert kinds["Referral to the crisis team not needed at present."] == st.DECIDED_AGAINST


def test_a_rating_taken_during_an_in_session_exposure_is_a_measure():
    text = "During an in-session imaginal exposure his anxiety rose to 8 out of 10 and came down to 3 out of 10."
    assert _kind(text) == st.SCORE


def test_a_risk_judgement_in_prose_is_the_clinicians_assessment():
    assert _kind("Her own risk of suicide is judged to be low at present, with strong protective factors.") == (
        st.FORMULATION
    )
