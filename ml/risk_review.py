"""Which session risk findings page the care team and which wait for the session clinician's review.

``ml.session_risk`` finds risk language turn by turn. Every finding it keeps is shown in the draft note;
this module only decides how each one reaches a person (issue 14):

- ``alert``: a risk signal now (the care team is paged per policy). Every rule-stage finding (the
  lexicon's explicit wording, a clinician's own term such as "passive SI", a "yes" to a risk question),
  and every learned-stage finding except the kinds below.
- ``review``: a "clinician review" item at the top of the draft's risk section, which the session's
  clinician must confirm (the alert is raised then) or dismiss, with the decision audited, before the
  note can be signed. Nothing is dropped: the item keeps its level, its utterances and why it waits.

A finding waits for review only where the session itself gives a reason to doubt it:

- ``learned_weak_ordinary_turn``: a plan read by the learned stage alone, with a weak score (below
  ``WEAK_SCORE``) and no means, method or time in the sentence, on a patient turn answering a clinician
  turn that is not about risk ("What's been the hardest part of the week?" -> "The evenings. I still lay
  two places at the table"). Weak ideation or self-harm readings still alert: on the risk sets' spoken
  rows, put after such a question, a weak reading of ideation was a real disclosure.
- ``learned_elliptical_answer``: the learned stage alone, on an answer that says nothing without its
  question ("She must be about nine weeks old now." -> "Nine weeks on Friday."), where the question is
  not about risk.
- ``learned_clinician_prose``: the learned stage alone, in a typed summary sentence the note reads as the
  clinician's own formulation, observation, intervention, goal or plan item (a named helper's visit, a decision
  against a scan, "the clutter keeps growing"), with no clinical risk term. The learned stage was trained on
  how people speak of themselves; the clinician who wrote the sentence says whether it was meant as risk. A
  sentence reporting what the patient said or did (a report, a score) still alerts, as does any rules reading.
- ``learned_weak_summary_plan``: in a typed summary, a plan read by the learned stage alone below
  ``WEAK_SCORE``, with no means, method or time in the sentence (as ``learned_weak_ordinary_turn``).
- ``clinician_called_it_a_saying``: a learned-stage reading of words quoted in a summary that the
  clinician, right after them, called a saying, an idiom or not literal ('"rather die than be in those
  photos" = a saying, denies SI'). A rules reading of the same words still alerts.
- ``clarified``: an ambiguous statement ("I can't go on like this", or a learned-stage-only reading)
  that the patient then clarified with a "no" to the clinician's question *at a matching level*: a
  question about thoughts of death, of ending their life or of harming themselves asks whether the
  statement was risk at all, so a "no" answers it; a question about plans, means or intent presupposes
  the thoughts, so "No, no plans" clears nothing. A question that names "active" ideation leaves
  passive ideation standing, and a passive reading the learned stage made alone is cleared only by a
  question about the wish to be dead itself (see ``clears``). Explicit wording ("I wish I could go to sleep
  and not wake up") is never cleared by a later "no". A clinician's summary is read the same way: a
  reported denial of the wish to be dead clarifies a learned-stage-only reading of an earlier sentence;
  a denial of thoughts of ending her life, or "denies plan", does not.

Where a learned reading goes to review and the rules read the same sentence at a lower alert level,
that lower level still alerts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

ALERT, REVIEW = "alert", "review"
# Below this calibrated probability a learned finding is weak (the stage's own thresholds are ~0.45).
WEAK_SCORE = 0.6
IDEATION = ("passive_ideation", "active_ideation")
# The statement kinds (``ml.note_statements``) that are the clinician's own reasoning or plan, not a report
# of what the patient said or did.
CLINICIAN_PROSE_KINDS = frozenset(
    {"formulation", "observation", "intervention", "goal", "homework", "next_steps", "action", "decided_against"}
)
# Wording that may or may not be about living: the patient can mean work, a marriage, the pain.
AMBIGUOUS = re.compile(
    r"\bcan'?t (go on|do this|keep (going|doing this)|take (it|this|much more)|cope)\b|\b(had|have) enough\b|"
    r"\bwhat'?s the point\b|\bno point\b(?! (in |of )?(living|being alive|being here|waking up|going on))",
    re.I,
)
# A question about plans, means or intent presupposes the thoughts: a "no" to it does not clarify them.
PLAN_QUESTION = re.compile(
    r"\b(plans?|planned|planning|intend\w*|intent|means|method|how (would|will) you|when would you|anything at home|"
    r"tablets|pills|using to|act on|acted|access)\b",
    re.I,
)
# "When you say you can't go on, do you mean …?": the question is what follows "do you mean".
ECHO = re.compile(r"^.*?\b(?:do|did) you mean\b|^.*?\bare you saying\b|^.*?\bdoes that mean\b", re.I)
# A plain "no" ("God, no.", "No, nothing like that."); "not really", "I don't know" and a "no, but…" are
# not a clarification, and neither is an answer that hedges anywhere.
CLARIFYING_NO = re.compile(
    r"^\W*(?:(?:oh|god|gosh|goodness|christ)\W+)?(?:no|nope|never|nah|not at all|nothing like that|i haven't|"
    r"i have not)\b(?!\W*but\b)",
    re.I,
)
HEDGE = re.compile(r"\b(but|sometimes|maybe|not sure|don't know|dunno|kind of|sort of|a bit|a little|used to)\b", re.I)


def is_clarifying_no(answer: str) -> bool:
    return CLARIFYING_NO.search(answer) is not None and HEDGE.search(answer) is None


ACTIVE_ONLY = re.compile(r"\bactive\b", re.I)

Levels = Callable[[str], set[str]]  # text -> the alert levels it reads at (rules and learned)


def asked_levels(question: str, levels: Levels, as_statement: Callable[[str], str]) -> set[str]:
    """The levels a clinician's question asks about, read as the statement it asks the patient to make.
    Empty for a question about plans, means or intent (see the module docstring)."""
    asked = ECHO.sub("do you", question.strip()) if ECHO.search(question) else question
    if PLAN_QUESTION.search(asked):
        return set()
    found = levels(as_statement(asked))
    return {lvl for lvl in found if lvl in (*IDEATION, "self_harm")}


def clears(statement_level: str, asked: Iterable[str], question: str, learned_only: bool = False) -> bool:
    """Whether a "no" to a question asking about ``asked`` clarifies an ambiguous statement at
    ``statement_level``: the question must ask about thoughts at the statement's level or above it on the
    ideation ladder (a "no" to "thoughts of ending your life?" answers "I can't go on like this"; a "no"
    to "do you wish you were dead?" leaves an active statement standing). "Thoughts of harming yourself"
    asks about self-harm and, as the screening item it comes from does, about wishing to be dead.

    A passive reading the learned stage made alone is cleared only by a question about passive ideation
    itself ("Do you ever wish you were dead?"). Its doubt is not which part of life the words are about,
    as with "I can't go on", but whether they wish to be dead, and a "no" to the rung above (thoughts of
    ending one's life, doing something to end it) does not answer that rung, as the C-SSRS keeps the wish
    to be dead and thoughts of suicide apart (blind7: "it would be easier if I just didn't wake up … Then
    I'd be with Ted", then "No, I'd never do anything" to "Have you thought about doing anything to end
    your life?", went to review instead of alerting)."""
    asked = set(asked)
    if statement_level == "self_harm":
        return "self_harm" in asked
    if statement_level not in IDEATION:
        return False
    if statement_level == "passive_ideation" and learned_only:
        return "passive_ideation" in asked and not ACTIVE_ONLY.search(question)
    if statement_level == "passive_ideation" and ACTIVE_ONLY.search(question):
        return False  # "Denies active SI" says nothing against passive ideation
    if statement_level == "passive_ideation" and "self_harm" in asked:
        return True
    rank = IDEATION.index(statement_level)
    return any(lvl in IDEATION and IDEATION.index(lvl) >= rank for lvl in asked)


def is_ambiguous(text: str, rule_spans: Iterable[tuple[int, int]], learned_only: bool) -> bool:
    """A reading that could be about something else: the learned stage's alone, or rules that matched
    only ambiguous wording ("can't go on like this")."""
    if learned_only:
        return True
    spans = list(rule_spans)
    return bool(spans) and all(AMBIGUOUS.search(text[max(0, s - 8) : e + 8]) for s, e in spans)
