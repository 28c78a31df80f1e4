"""Which session risk findings alert and which wait for the clinician's review (``ml.risk_review``)."""

from types import SimpleNamespace

import pytest

from ml.risk_review import clears
from ml.session_risk import screen_session, typed_utterances


def said(*pairs):
    return [
        {"index": i, "speaker": speaker, "text": text, "start": i * 3.5, "end": i * 3.5 + 3}
        for i, (speaker, text) in enumerate(pairs)
    ]


def tiers(result):
    return [(f.level, f.tier, f.review_reason) for f in result.findings]


# --- the level a question asks about against the level of the statement ---------------------------
@pytest.mark.parametrize(
    ("statement", "asked", "question", "expected"),
    [
        ("passive_ideation", {"active_ideation"}, "Have you had thoughts of ending your life?", True),
        ("passive_ideation", {"passive_ideation"}, "Do you ever wish you were dead?", True),
        ("passive_ideation", {"self_harm"}, "Do you mean thoughts of harming yourself?", True),
        ("passive_ideation", set(), "Have you made any plans?", False),  # plans presuppose the thoughts
        ("passive_ideation", {"active_ideation"}, "Are you having active thoughts of suicide?", False),
        ("active_ideation", {"passive_ideation"}, "Do you ever wish you were dead?", False),
        ("active_ideation", {"active_ideation"}, "Are you thinking of ending your life?", True),
        ("self_harm", {"self_harm"}, "Have you been hurting yourself?", True),
        ("self_harm", {"active_ideation"}, "Have you had thoughts of ending your life?", False),
        ("plan_or_intent", {"active_ideation", "plan_or_intent"}, "Are you planning to end your life?", False),
    ],
)
def test_a_no_clears_only_a_statement_at_the_level_the_question_asks_about(statement, asked, question, expected):
    assert clears(statement, asked, question) is expected


@pytest.mark.parametrize(
    ("asked", "question", "expected"),
    [
        ({"active_ideation"}, "Have you thought about doing anything to end your life?", False),
        ({"active_ideation"}, "Have you had thoughts of ending your life?", False),
        ({"self_harm"}, "Do you mean thoughts of harming yourself?", False),
        ({"passive_ideation"}, "Do you ever wish you were dead?", True),
    ],
)
def test_a_passive_reading_the_learned_stage_made_alone_is_cleared_only_by_a_question_about_that_wish(
    asked, question, expected
):
    # The rung above (thoughts of ending one's life) is another question: a "no" to it leaves the wish to be
    # dead standing, as the C-SSRS asks the two apart.
    assert clears("passive_ideation", asked, question, learned_only=True) is expected


# --- clarification in a session, with the real detector -------------------------------------------
@pytest.mark.slow
def test_a_no_to_a_thoughts_question_sends_an_ambiguous_statement_to_review(assess):
    result = screen_session(
        said(
            ("clinician", "How are things at work?"),
            ("patient", "Honestly, I can't go on like this."),
            ("clinician", "When you say you can't go on, do you mean you've had thoughts of ending your life?"),
            ("patient", "No, nothing like that. I mean the night shifts."),
        ),
        assess,
        speakers_confirmed=True,
    )
    assert result.level == "none" and result.by_level() == {}
    assert tiers(result) == [("passive_ideation", "review", "clarified")]  # kept, shown, not paged


@pytest.mark.parametrize("answer", ["No, but sometimes I wonder.", "Not really.", "I don't know.", "No... maybe."])
def test_a_hedged_answer_is_not_a_clarification(answer):
    from ml.risk_review import is_clarifying_no

    assert not is_clarifying_no(answer)
    assert is_clarifying_no("God, no. I mean the night shifts.")


@pytest.mark.slow
def test_no_plans_does_not_clear_passive_ideation(assess):
    result = screen_session(
        said(
            ("clinician", "How are things at work?"),
            ("patient", "Honestly, I can't go on like this."),
            ("clinician", "Have you made any plans to end your life?"),
            ("patient", "No, no plans."),
        ),
        assess,
        speakers_confirmed=True,
    )
    assert result.level == "passive_ideation" and result.review_items() == []


@pytest.mark.slow
def test_explicit_wording_is_never_cleared_by_a_later_no(assess):
    result = screen_session(
        said(
            ("clinician", "How has the week been?"),
            ("patient", "Some nights I wish I could go to sleep and not wake up."),
            ("clinician", "Have you had thoughts of ending your life?"),
            ("patient", "No."),
        ),
        assess,
        speakers_confirmed=True,
    )
    assert result.level == "passive_ideation" and result.review_items() == []


@pytest.mark.slow
def test_speaker_labels_that_are_a_guess_clear_nothing(assess):
    result = screen_session(
        said(
            ("clinician", "How are things at work?"),
            ("patient", "Honestly, I can't go on like this."),
            ("clinician", "When you say you can't go on, do you mean you've had thoughts of ending your life?"),
            ("patient", "No, nothing like that."),
        ),
        assess,
        speakers_confirmed=False,
    )
    assert result.level == "passive_ideation"


@pytest.mark.slow
def test_a_summary_denial_of_the_wish_to_be_dead_clarifies_a_learned_reading_but_denies_plan_does_not(assess):
    learned = "Some days she feels her son would be better off with a different dad."
    cleared = screen_session(
        typed_utterances(f"{learned} Asked directly, she denies wishing she would not wake up."),
        assess,
        speakers_confirmed=True,
    )
    assert cleared.level == "none" and tiers(cleared) == [("passive_ideation", "review", "clarified")]
    rung_above = screen_session(
        typed_utterances(f"{learned} Asked directly, she denies any thoughts of ending her life."),
        assess,
        speakers_confirmed=True,
    )
    assert rung_above.level == "passive_ideation"  # a denial of the rung above leaves the wish standing
    kept = screen_session(typed_utterances(f"{learned} Denies plan or intent."), assess, speakers_confirmed=True)
    assert kept.level == "passive_ideation"
    named = screen_session(
        typed_utterances("Reports passive SI most nights. Denies active SI."), assess, speakers_confirmed=True
    )
    assert named.level == "passive_ideation"


# --- learned-stage readings of ordinary turns ------------------------------------------------------
@pytest.mark.slow
def test_a_short_answer_that_takes_up_the_question_waits_for_review_but_one_with_its_own_words_alerts():
    # Stand-ins that read a confident learned finding in exactly the patient's answer, so the gate is
    # tested whatever the shipped weights read (risk-learned-3.1 reads neither answer as risk: "Nine
    # weeks on Friday." rightly, "Not here anymore." alone not, where 3.0 read passive ideation at 0.45).
    echoed = screen_session(
        said(("clinician", "She must be about nine weeks old now."), ("patient", "Nine weeks on Friday.")),
        _only("Nine weeks on Friday.", _reading("plan_or_intent", "learned:sentence", 0.9)),
        speakers_confirmed=True,
    )
    assert echoed.level == "none" and [f.review_reason for f in echoed.review_items()] == ["learned_elliptical_answer"]
    own = screen_session(
        said(("clinician", "How has the week been?"), ("patient", "Not here anymore.")),
        _only("Not here anymore.", _reading("passive_ideation", "learned:sentence", 0.9)),
        speakers_confirmed=True,
    )
    assert own.level == "passive_ideation" and own.review_items() == []


def test_a_weak_learned_plan_on_an_ordinary_turn_waits_for_review():
    # a stand-in reading a weak plan (risk-learned-3.0 read this grief turn as a plan below 0.6;
    # risk-learned-3.1 reads it as passive ideation, which alerts)
    result = screen_session(
        said(
            ("clinician", "What's the hardest part of the day?"),
            ("patient", "The evenings. I still lay two places at the table and then just sit there."),
        ),
        _reading("plan_or_intent", "learned:sentence", 0.4),
        speakers_confirmed=True,
    )
    assert result.level == "none"
    assert {(f.level, f.review_reason) for f in result.review_items()} == {
        ("plan_or_intent", "learned_weak_ordinary_turn")
    }


def _reading(level, source, score, rule=None):
    """A stand-in detector: every sentence reads ``level`` from ``source`` (and a rule at ``rule``)."""

    def assess(text):
        findings = [SimpleNamespace(level=level, source=source, score=score, start=0, end=len(text))]
        if rule:
            findings.append(SimpleNamespace(level=rule, source="passive.rule", score=1.0, start=0, end=len(text)))
        if "hardest" in text:  # the clinician's question is not about risk
            return SimpleNamespace(level="none", findings=[], suppressed=[])
        return SimpleNamespace(level=level, findings=findings, suppressed=[])

    return assess


def _only(text, assess):
    """``assess`` for exactly ``text``; anything else reads as nothing."""

    def only(other):
        return assess(other) if other.strip() == text else SimpleNamespace(level="none", findings=[], suppressed=[])

    return only


def test_a_learned_plan_in_review_keeps_the_rules_lower_level_alerting():
    assess = _reading("plan_or_intent", "learned:sentence", 0.5, rule="passive_ideation")
    result = screen_session(
        said(("clinician", "What's the hardest part?"), ("patient", "Evenings at the table, just sitting there.")),
        assess,
        speakers_confirmed=True,
    )
    assert result.level == "passive_ideation"
    assert sorted(tiers(result)) == [
        ("passive_ideation", "alert", ""),
        ("plan_or_intent", "review", "learned_weak_ordinary_turn"),
    ]


def test_a_strong_learned_reading_that_names_risk_still_alerts():
    assess = _reading("plan_or_intent", "learned:sentence", 0.95)
    result = screen_session(
        said(("clinician", "What's the hardest part?"), ("patient", "Evenings at the table, counting the tablets.")),
        assess,
        speakers_confirmed=True,
    )
    assert result.level == "plan_or_intent" and result.review_items() == []


def test_a_strong_learned_reading_that_names_nothing_of_risk_waits_when_the_clinician_did_not_take_it_up():
    # session-risk-1.4: the score does not tell ordinary talk from risk (blind folders: 0.76-0.99 on "I'd rather
    # go back in the end", "I just want it to stop being so hard"); the words and the conversation do.
    assess = _reading("plan_or_intent", "learned:sentence", 0.95)
    result = screen_session(
        said(("clinician", "What's the hardest part?"), ("patient", "Evenings at the table, just sitting there.")),
        assess,
        speakers_confirmed=True,
    )
    assert result.level == "none"
    assert tiers(result) == [("plan_or_intent", "review", "learned_without_risk_words")]


@pytest.mark.slow
def test_a_wish_not_to_wake_up_then_no_to_doing_anything_to_end_life_still_alerts(assess):
    # blind7 (read after it was measured): the learned stage alone reads the wish; the "no" answers the rung
    # above it, so the wish is not cleared and the care team is alerted.
    result = screen_session(
        said(
            ("clinician", "You said some evenings are very dark. Can you tell me more?"),
            ("patient", "Some nights I think it'd be simpler if I just didn't wake up. Then I'd be with my wife."),
            ("clinician", "Thank you for telling me. Have you thought about doing anything to end your life?"),
            ("patient", "No. I'd never do that to my grandson."),
        ),
        assess,
        speakers_confirmed=True,
    )
    assert result.level == "passive_ideation" and result.review_items() == []
