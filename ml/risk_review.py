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
  photos" = a saying, denies SI'), or glossed ('"want it all to stop" = wants a break', "clarified she
  meant…"). A rules reading of the same words still alerts.
- ``learned_without_risk_words`` (session-risk-1.4): a learned-stage reading of a patient's sentence that
  names nothing of the risk domain (``RISK_WORDS``, outside a figure of speech or a clause about someone
  else), between a clinician turn not about risk and a next clinician turn that does not take it up as risk
  ("The urge is massive. I want to run to the sink."); in a typed summary, a sentence naming nothing of
  risk. The score does not separate these from disclosures (0.76-0.99 on ordinary speech in the notes
  fixtures); the words and the conversation do. Of the training writers' alert-level rows, 85.6% name a
  risk word, so a disclosure waits here only where it names none and the clinician neither asked nor then
  asks about risk.
- ``learned_in_denying_answer``: a learned-stage reading of the rest of the patient's plain "no" to a risk
  question ("No, never. I just want it to stop being so hard.").
- ``learned_question_without_risk_words``: an answer read at the level of the clinician's question, where the
  question's reading is the learned stage's and names nothing of risk ("Are you still taking the quetiapine
  at night?" "Yeah, every night.").
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

from ml.text import FIRST_PERSON, PEOPLE

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
_SELF = r"(?:my|him|her|them|your) ?sel(?:f|ves)"
_RISK_WORD_PARTS = (
    # death, dying, ending a life
    r"\b(?:die|dies|dying|died|dead|death|deaths|deadly|suicid\w*|kill\w* " + _SELF + r"|(?:to|would|will) kill me|"
    r"(?:take|taking|took|end|ending|ended) (?:my|his|her|your) (?:own )?life|"
    r"(?:end|ending|finish|finishing) (?:it|it all|things|everything|myself|" + _SELF + r")(?: off)?|"
    r"check(?:ing|ed)? out|for good|way out|want out|exit|no more|the end of (?:me|it all|my)|"
    r"(?:it all|everything|all of it|all this|my life|life) (?:to )?(?:end|stop)|i'?m done|i am done)\b",
    # being gone, absent or never having been
    r"(?:\bnot|\bnever|\bno longer|n't)(?: (?:want|wanna|wish|like|mind|care|deserve|need|going|meant|supposed|to|be|"
    r"being|even|really|just|ever|have|been))* (?:here|around|alive|born|exist\w*)\b",
    r"\b(?:still here|here any ?more|around any ?more|alive any ?more|gone|go away|disappear\w*|vanish\w*|"
    r"without me|never met me|when i'?m gone|where i'?m going|after i'?m|stop existing|go black|stay black|"
    r"take me|let it come|be over|all over|that was that|that'?s it)\b",
    # not waking, sleeping for ever
    r"\b(?:wake|waking|woke|sleep forever|sleep for ever|go to sleep and)\b",
    # hopelessness, burden, not going on
    r"\b(?:no point|no reason|no future|no hope|pointless|hopeless|nothing (?:left )?to live for|"
    r"give up|giving up|gave up|can'?t (?:go on|keep (?:doing|going)|do this|take (?:it|this|any ?more))|"
    r"any ?more|better off|lighter|happier|burden|relie(?:f|ved)|welcome|"
    r"(?:living|live|life) like this|don'?t want to (?:live|be|wake|go on|exist|carry on))\b",
    # harm to oneself
    r"\b(?:harm\w*|hurt\w* (?:my|me\b|" + _SELF + r")|hurt me|injur\w*|punish\w*|on purpose|"
    r"(?:cut|cuts|cutting)(?! (?:down|back|out|off|in\b|up|short|corners|ties|(?:me|him|her|them|us) up|"
    r"the (?:grass|hedge|lawn|cake)))|"
    r"carv\w*|blade|blades|razor\w*|burn\w* (?:my|" + _SELF + r")|scratch\w*|scald\w*|bruis\w*|bleed\w*|"
    r"blood(?! (?:test|pressure|sugar|results|work))|scars?|scabs?|"
    r"blister\w*|hit(?:ting)? (?:my|" + _SELF + r")|punch\w*|bang\w* my head|starv\w*|"
    r"cigarette on|iron on|hob|straighteners|lighter on|safety pin|compass)\b",
    # means
    r"\b(?:ligature|noose|rope|belt|cord|(?:round|around) (?:my|his|her) neck|hang\w*|gun|knife|knives|"
    r"poison\w*|bleach|pills?|tablets?|"
    r"painkillers?|pain killers?|overdos\w*|paracetamol|warfarin|"
    r"insulin|stockpil\w*|saved (?:up|them)|hose|exhaust|engine running|fumes|charcoal|"
    r"a hundred|all of (?:them|my|his|her|dad'?s|mum'?s)|the lot)\b",
    # places
    r"\b(?:jump\w*|edge|ledge|balcony|railing|out of (?:the|my) window|top floor|\w+(?:th|st|nd|rd) floor|car park|"
    r"roof\w*|height|the drop|fall (?:from|off)|let myself fall|bridge|cliffs?|railway|tracks|in front of a train|"
    r"platform edge|motorway|lorry|river|into the sea|lake|tide|into the water|under the water|canal|drown\w*|"
    r"reservoir|quarry|train|trains|fall|falling|traffic|woods|forest|peaceful|at peace|calm about)\b",
    r"\b(?:sav|hoard|collect|keep|kept|hid|hidden|stash)\w* (?:up )?(?:\w+ ){0,2}"
    r"(?:meds|medication|prescriptions?|doses)\b",
    r"\bburn(?:ed|t|ing|s)?\b(?! out)",
    r"\b(?:drive|driving|drove|crash\w*) (?:into|off|in front)\b|\b(?:step|stepping|walk|walking) (?:out )?in front\b",
    # wishing for an end, or to be taken
    r"\b(?:alive|living|being here|tired of (?:it all|everything|life)|heart (?:would |to |just |will )*"
    r"(?:stop|give out|give up)|let it happen|takes? me|took me|hit by|run over|accident|"
    r"stop including me|taking up space|waste of (?:space|air|oxygen)|see a future|picture (?:being|myself)|"
    r"nothing left (?:for me|to live for)|(?:wasn'?t|weren'?t|not) in (?:it|their lives|the picture)|"
    r"easier (?:life|for them|without)|"
    r"had been me|instead of (?:him|her|them)|kms|kys|unalive\w*|sooner|(?:do|did|doing|done) it again|"
    r"marks|welts|rubber band|scissors|lined up|garage)\b",
    r"\b(?:goes down|go down|went down|slip\w* (?:away|under)|painless\w*|permanent\w*|cemetery|urn|grave|"
    r"favour|drain on|commit|top (?:my ?self|myself)|never see|another (?:morning|day|year)|next (?:year|week)|"
    r"make it (?:to|through)|wouldn'?t mind|(?:don'?t|doesn'?t) care|love (?:them|you)|yours now|safe before|"
    r"free to go|made up my mind|the day i|chosen|picked|knot|banister|beam|stool|chair|handful|swallow\w*|"
    r"morphine|co-?codamol|codeine|tramadol|insulin|what i need|everything i need|rucksack|plasters|"
    r"delet\w*|stop the payments|after i go|before i go|when they find|find me|found me)\b",
    # preparations and last things
    r"\b(?:letters?|notes?|obituary|(?:my|a) will|wills|funeral|insurance|affairs|records|"
    r"give (?:\w+ )?away|gave (?:\w+ )?away|given (?:\w+ )?away|giving (?:\w+ )?away|"
    # "for the last time", "last night I took…" ("Last time you said…", "last time we met": only when)
    r"paid off|owing|goodbye\w*|forgive|last (?:time(?! (?:you|we|i saw you|i asked))|day|night|week|goodbye|one)|"
    r"won'?t (?:need|see|be)|"
    r"no need|doesn'?t matter after|made sure|sorted|arranged|ready|thought it through|chos(?:e|en) (?:where|when|how)|"
    r"looked up|read up|research\w*|how long|how (?:high|many|much)|how (?:i|you)(?:'d| would| could) do it|"
    r"lethal|fatal|method|plan (?:to|for (?:it|when|how))|planned|planning|my plan|plan is to|"
    r"tonight'?s the night|blocked everyone|rehears\w*|"
    r"loose ends|just in case|good knowing|look after (?:my|the)|keep my (?:cat|dog)|going away|"
    r"password|video for|tallest|timing|house (?:is|will be) empty|not (?:their|your|his|her) fault|"
    r"why i had to|had to go|what happens)\b",
)
# Words of the risk domain, broad on purpose (recall over precision): death and dying, being gone or absent,
# not waking, hopelessness and burden, harm to oneself, lethal means and places, and preparations and last
# things. Written from the C-SSRS's and safety planning's vocabulary and the training writers' rows (never a
# blind set's). A learned-stage reading of a patient's sentence that names none of them, in a conversation
# where the clinician neither asked nor then asks about risk, waits for that clinician's review
# (``learned_without_risk_words``); everything the rules or these words touch still alerts.
RISK_WORDS = re.compile("|".join(_RISK_WORD_PARTS), re.I)
# A question about plans, means or intent presupposes the thoughts: a "no" to it does not clarify them.
PLAN_QUESTION = re.compile(
    r"\b(plans?|planned|planning|intend\w*|intent|means|method|how (would|will) you|when would you|anything at home|"
    r"tablets|pills|using to|act on|acted|access)\b",
    re.I,
)
# A clinician's question about the patient's own words: "When you say you want it all to stop…", "what do you mean".
ECHOES_STATEMENT = re.compile(
    r"\bwhen you (?:say|said)\b|\bwhat (?:do|did) you mean\b|\bdo you mean\b|\bwhat you mean(?:t)?\b|"
    r"\bby that\b",
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
HEDGE = re.compile(
    r"\b(but|sometimes|maybe|not sure|don't know|dunno|kind of|sort of|a bit|a little|used to)\b"
    # "…but I would not do anything like that", "It drives me up the wall, but no.": a "but" that denies again
    r"(?<!\bbut)|\bbut\b(?!,?\s+(?:no|not|never|nothing)\b|,?\s+i(?:'d| would| will|'ll| could)? (?:not|never)\b|"
    r",?\s+i (?:wouldn'?t|won'?t|couldn'?t|would never|will never)\b)",
    re.I,
)


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
    if statement_level == "plan_or_intent" and learned_only:
        # A plan the learned stage read alone ("I'd take anything just to knock me out") presupposes thoughts
        # of ending one's life or of harming oneself: a "no" to those thoughts answers it.
        return bool(asked & {"active_ideation", "self_harm"}) and not ACTIVE_ONLY.search(question)
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


# Figures of speech the risk lexicon's idioms do not list, which name nothing of risk in conversation.
SPOKEN_FIGURES = (
    re.compile(r"\bdeath warmed (up|over)\b|\bsick to death\b|\bto death of\b|\bcurl up and die\b", re.I),
)


# A clause about someone else ("he's on warfarin and he can't drive"): its risk words are that person's.
_CLAUSES = re.compile(r"[,;:]\s*|\s+(?:and|but|so|because|then)\s+", re.I)
_THIRD_SUBJECT = re.compile(
    rf"^\W*(?:(?:and|but|so|then|now|well)\s+)*(?:he|she|they|his|her|their|my (?:\w+ )?(?:{PEOPLE}))\b", re.I
)


def names_risk(text: str, idioms: Iterable[re.Pattern] = ()) -> bool:
    """Whether ``text`` names the risk domain (``RISK_WORDS``) outside a figure of speech ("I'd rather die than
    be in those photos" names nothing; ``idioms`` are the lexicon's, with ``SPOKEN_FIGURES``) and outside a
    clause about someone else with no word of the speaker's own ("he's on warfarin"; "she'd be better off
    without me" keeps its "me")."""
    spans = [m.span() for p in (*idioms, *SPOKEN_FIGURES) for m in p.finditer(text)]
    start = 0
    for part in _CLAUSES.split(text):
        at = text.find(part, start)
        start = at + len(part)
        if part and _THIRD_SUBJECT.match(part) and not FIRST_PERSON.search(part):
            spans.append((at, at + len(part)))
    return any(not any(s <= m.start() and m.end() <= e for s, e in spans) for m in RISK_WORDS.finditer(text))


def is_ambiguous(text: str, rule_spans: Iterable[tuple[int, int]], learned_only: bool) -> bool:
    """A reading that could be about something else: the learned stage's alone, or rules that matched
    only ambiguous wording ("can't go on like this")."""
    if learned_only:
        return True
    spans = list(rule_spans)
    return bool(spans) and all(AMBIGUOUS.search(text[max(0, s - 8) : e + 8]) for s, e in spans)
