"""How the session screen reads a clinician's typed summary (issue 14, wave 2 session 14): whose pronoun is
the patient's, verbs that agree once a sentence is put in the first person, and which learned-stage readings of
the clinician's own prose wait for that clinician instead of paging the team. Every sentence here is written
for these tests (none comes from an evaluation set)."""

import pytest

from ml.risk import RiskDetector
from ml.session_risk import patient_pronoun, screen_session, third_to_first, typed_utterances


@pytest.fixture(scope="module")
def assess():
    return RiskDetector().assess


def screen(summary, assess):
    return screen_session(typed_utterances(summary), assess, speakers_confirmed=True)


def tiers(result):
    return [(f.level, f.tier, f.review_reason, f.source.split(":")[0]) for f in result.findings]


# --- the first person, as the patient would say it ---------------------------------------------------
def test_the_patients_pronoun_is_the_one_the_summarys_sentences_open_with():
    assert patient_pronoun(["She reports a hard week.", "Her brother visited; he stayed two nights."]) == "she"
    assert patient_pronoun(["He denies SI.", "Plan: review in 2 weeks."]) == "he"
    assert patient_pronoun(["She says he left.", "He came back on Friday."]) is None  # both open: not known
    assert patient_pronoun(["Pt reports poor sleep."]) is None


def test_another_persons_pronoun_stays_theirs_when_the_patients_is_known():
    assert third_to_first("her son's bike was stolen after he moved out", "she") == (
        "my son's bike was stolen after he moved out"
    )
    assert third_to_first("his sister says she is worried", "he") == "my sister says she is worried"
    # not known: both are read as the patient's, as before
    assert third_to_first("she thinks he is right", None) == "I think I am right"


def test_a_verb_after_the_new_subject_agrees_with_it():
    assert third_to_first("she worries she is failing her kids", "she") == "I worry I am failing my kids"
    assert third_to_first("Pt reports he has not slept", "he") == "I report I have not slept"
    assert third_to_first("he wishes he could disappear", "he") == "I wish I could disappear"
    assert third_to_first("she always feels tired", "she") == "I always feels tired"  # an adverb is left alone
    assert third_to_first("her aunt offered her some of her pills", "she") == "my aunt offered me some of my pills"


# --- what alerts and what waits for the clinician who wrote it ----------------------------------------
def test_a_disclosure_told_in_the_clinicians_report_still_alerts(assess):
    result = screen(
        "She reports a difficult fortnight at home.\n"
        "She said that some mornings she wishes she would not wake up.\n"
        "Plan: review in one week.",
        assess,
    )
    assert result.level == "passive_ideation"
    assert ("passive_ideation", "alert") in [(lv, tier) for lv, tier, _, _ in tiers(result)]


def test_a_learned_reading_of_the_clinicians_own_plan_item_waits_for_that_clinician(assess):
    result = screen(
        "She reports the flat is overwhelming.\n"
        "Priya will come on Saturday to help her sort the spare room, with her choosing what goes.",
        assess,
    )
    learned_alerts = [f for f in result.findings if f.tier == "alert" and f.source.startswith("learned")]
    assert not learned_alerts
    for f in result.findings:
        if f.source.startswith("learned"):
            assert f.tier == "review" and f.review_reason in ("learned_clinician_prose", "learned_weak_summary_plan")


def test_quoted_words_the_clinician_called_a_saying_wait_for_review_and_plain_quotes_alert(assess):
    called = screen('Risk: said "I would rather be dead than go back to that office" = a saying, denies SI.', assess)
    assert all(f.tier == "review" for f in called.findings if f.source.startswith("learned"))
    assert all(f.review_reason == "clinician_called_it_a_saying" for f in called.findings if f.tier == "review")
    plain = screen('He said "I would rather be dead than go back to that office".', assess)
    assert plain.level in ("passive_ideation", "active_ideation")
    assert any(f.tier == "alert" for f in plain.findings)


def test_a_relatives_self_harm_named_by_its_term_is_not_the_patients(assess):
    result = screen("Cousin's self-harm became known at her college last term.", assess)
    assert result.level == "none"
    assert "term_about_someone_else" in [s.reason for s in result.suppressed]
    own = screen("She reports self-harm twice this week.", assess)
    assert own.level == "self_harm"
