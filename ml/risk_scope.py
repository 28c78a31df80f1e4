"""Clause windows and the scope of negation, time and subject, for the risk detector.

Scope, not presence: a negation counts as a denial only when it governs a risk predicate in its own
clause ("I'm not suicidal"), not when the negation is itself the risk ("I'd be fine if I just didn't
wake up", "so no one sees the new marks"). A denial is undone by a retraction that follows it, in
the same sentence or the next ("I told the nurse no, but that wasn't true"). A time marker ("years
ago", "used to") makes its own clause history; a recurrence marker ("again", "came back") in the
same clause keeps it current, and "now" in a different clause ("now I know it isn't true") does not.

Dictated text has no punctuation, so clauses also break at conjunctions and long runs are cut into
overlapping word windows: a risk clause in the middle of a run-on entry gets a window of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ml.text import lowered, without_ignorecase

CLAUSE_BREAK = re.compile(
    r"\s*(?:[,;:\u2014]|\s-\s|\bbut\b|\bthough\b|\balthough\b|\bhowever\b|\bbecause\b|\bcause\b|\bexcept\b"
    r"|\band then\b|\bthen\b|\bso that\b|\bwhich\b|\band\b|\bso\b)\s*",
    re.I,
)
# Time scope also ends where a speaker turns to the present with "now" and a subject ("used to wish I was
# dead, now I actually think about …"), "now" staying with the clause it opens; the learned stage's clause
# windows keep CLAUSE_BREAK.
TIME_BREAK = re.compile(CLAUSE_BREAK.pattern + r"|\s*(?:\bbut\s+)?(?=\bnow (?:i|i'm|im|i've|ive|it's|its)\b)", re.I)
# A turn to the present inside the match's own clause: it is about now, whatever the clause before says.
PRESENT_TURN = re.compile(r"\bnow (?:i|i'm|im)\b(?! (?:used to|was|had|did)\b)|\b(?:it'?s|its) different now\b", re.I)
WORD = re.compile(r"\S+")
MAX_WINDOW_WORDS = 14
MIN_CLAUSE_WORDS = 3

NEGATION = re.compile(
    r"\b(?:not|no|never|none|nothing|nobody|without|n't|didn't|don't|doesn't|haven't|hasn't|hadn't|wasn't|"
    r"weren't|isn't|aren't|won't|wouldn't|can't|cannot|couldn't|dont|didnt|havent|wasnt|wont|cant)\b",
    re.I,
)
# What a denial denies: the risk itself.
RISK_PREDICATE = re.compile(
    r"\b(?:suicid\w*|kill(?:ing)? myself|end(?:ing)? (?:it|my life|things)|tak(?:e|ing) my (?:own )?life|"
    r"hurt(?:ing)? myself|harm(?:ing)? myself|self[- ]?harm\w*|cut(?:ting)?|burn(?:ing|ed|t)? myself|"
    r"(?:want(?:ed)?|wanting) to die|die|dying|overdos\w*|thoughts? (?:of|about)|urges?|plans?|"
    r"do (?:anything|something) (?:to|stupid)|give up|unsafe|safe)\b",
    re.I,
)
# Negations that are the risk, not a denial of it.
NEGATIVE_RISK = re.compile(
    r"\b(?:(?:not|never|n't|didn't|don't|dont|didnt) (?:\w+ ){0,2}wake up|no (?:point|reason|future|way out)|"
    r"(?:no one|nobody|no body|noone) (?:would|will|'d)? ?(?:\w+ )?(?:miss|care|notice|sees?|know)|"
    r"(?:don'?t|do not|didn'?t) (?:\w+ ){0,2}want to (?:live|be (?:here|alive|around)|exist|go on|carry on|keep)|"
    r"can'?t (?:go on|carry on|keep going|do this)|(?:won'?t|will not|not) be (?:here|around)|"
    r"not (?:scared|afraid) of dying|nothing left|never want to wake|wouldn'?t (?:mind|care) if i|"
    r"(?:not|never) (?:see|seeing) (?:the point|a future|myself)|haven'?t stopped|not a day goes by)\b",
    re.I,
)
RETRACTION = re.compile(
    r"\b(?:that (?:wasn'?t|was not|isn'?t|is not) true|(?:which|that) was a lie|i lied|lying|not really|"
    r"the truth is|truthfully|actually i|i do\b|"
    # "I have." / "I have been", not "I have people around me"
    # "I said no … but honestly the answer is yes"
    r"(?:real|honest|true|actual) answer (?:is|was|would be) yes|the answer (?:is|was) (?:actually |really )?yes|"
    r"i have(?=\s*(?:[.,;!?]|$|(?:been|thought|done|tried|cut|hurt|had|actually|though|sometimes)\b))|"
    r"i should have (?:said|ticked) yes|who am i kidding|"
    r"but i (?:have|do|am|did)\b|i haven'?t stopped|really i'?m)",
    re.I,
)
# Words through which a negation keeps governing what follows ("I don't have any plans to …").
DENIAL_COMPLEMENT = frozenset(
    "any thoughts thought of plans plan to intention intentions urge urges wish desire want wanting feel feeling "
    "have having had ever really been at all the a real serious current currently".split()
)
# A question someone asked the writer about risk ("the nurse asked if I'd had thoughts of harming myself",
# "the form's question about being better off dead"): the risk words are the question's, not a statement.
REPORTED_QUESTION = re.compile(
    r"\b(?:asked|asks|asking)(?: \w+){0,3} (?:if|whether|about)\b|\bquestions? (?:about|on)\b",
    re.I,
)
# The writer's answer to it, right after the question (the rest of its sentence, or the start of the next):
# "Said no and meant it", "told her no, love, never", "Ticked 'not at all'", "I haven't, and I told her so".
# A bare negation later in the answer ("I haven't told anyone") is not an answer.
NEGATIVE_ANSWER = re.compile(
    r"^\W*(?:(?:and|but|so) )?(?:i )?(?:said|answered|told(?: \w+){0,2}?) ['\"]?(?:no|nope|never|not at all)\b|"
    r"^\W*(?:(?:and|so) )?(?:i )?(?:ticked|circled|marked|put|chose|picked)(?: \w+){0,2} ['\"]?(?:no|not at all|"
    r"never|zero|none|0)\b|^\W*(?:no|nope|never|not at all)(?:\s*[,.;!]|\s*$)|"
    r"^\W*(?:(?:and|but) )?i(?: (?:honestly|really|genuinely))?(?: haven'?t| have not|'m not| am not| don'?t| do not|"
    r" didn'?t| did not| wasn'?t| was not)(?:\s*(?:[,.;!]|$|and\b))|^\W*the answer (?:is|was) no\b",
    re.I,
)
# The writer's own question about risk, answered in the next sentence ("Do I want to die? No.").
SELF_QUESTION = re.compile(r"^\W*(?:so |and |but )?(?:do|did|am|have|would|will|was) i\b", re.I)
# An answer given later in the next sentence, after a clause of its own ("I thought about it and answered no").
LATER_NEGATIVE_ANSWER = re.compile(
    r"^[^.;!?]{0,60}\b(?:and|so|then) (?:i )?(?:said|answered|told (?:him|her|them)) "
    r"['\"]?(?:no|never|not at all)\b(?! one\b)",
    re.I,
)
# "No" right after the risk words, as a form's answer read aloud ("thoughts of harming myself no").
TRAILING_NO = re.compile(
    r"\s*[,:\-]?\s*(?:no|nope|none|not at all)\b"
    r"(?!\s+(?:one|body|point|reason|way|more|longer|matter|future|hope|\w+ing))",
    re.I,
)
# Verbs that mark the word before them as a subject ("my friend was …", "my nephew has been …").
SUBJECT_VERB = frozenset("was is has had been keeps kept wants wanted said says told".split())
# Subject words with which a speaker starts again after a complete negation ("I'm not | I want to …").
SUBJECT_RESTART = frozenset({"i", "i'm", "i've", "i'd"})
PAST = re.compile(
    r"\b(?:years ago|months ago|a long time ago|long ago|used to|back then|back in|when i was (?:younger|a "
    r"teenager|a kid|little|at (?:school|uni|college)|\w+)|as a (?:teenager|kid|child)|in (?:19|20)\d\d|"
    r"at (?:fifteen|sixteen|seventeen|eighteen|nineteen|twenty|\d\d)|in my (?:teens|twenties|thirties)|"
    r"there was a time|history of|(?:in|from) (?:the|my) past|my past|"
    r"(?:i'?d|i would|i might) have (?:said|told you|thought|agreed)|"
    r"before i (?:met|had|got|started|moved|found))\b",
    re.I,
)
RECURRENCE = re.compile(
    r"\b(?:again|still|come back|came back|coming back|are back|is back|back now|this week|last night|"
    r"tonight|today|these days|lately|this time|started \w+ again|relapsed)\b",
    re.I,
)
OTHER_SUBJECT = re.compile(
    r"\b(?:he|she|they|he's|she's|they're|his|her|him|herself|himself|themselves|friend|brother|sister|mum|"
    r"mom|dad|cousin|aunt|uncle|colleague|character|patient|client|neighbour|son|daughter|boy|girl|man|"
    r"woman|celebrity|guest|someone|grandmother|grandfather)\b",
    re.I,
)
# A later clause about getting better does not make an old statement current ("I self-harmed years
# ago and sometimes I still think about how far I've come").
PROGRESS = re.compile(
    r"\b(?:how far|come a long way|proud|better|glad|grateful|recover\w*|clean|free|helped|not there)\b", re.I
)
FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|id|i'll|me|my|myself|mine)\b", re.I)
DISCUSSION = re.compile(
    r"\b(?:news|article|documentary|report|radio|podcast|film|book|lecture|training|essay|course|rates?|"
    r"prevention|campaign|story|headline|charity|helpline|volunteer)\b",
    re.I,
)
# Dictated and texted entries drop apostrophes ("im suicidal again", "after im gone", "shes been saving
# her tablets"); the rules are written with them. Only forms that are not also other words are restored
# ("ill", "well", "were", "shed", "hell", "its" and "id" are left alone).
BARE_CONTRACTIONS = {
    "im": "i'm",
    "ive": "i've",
    "dont": "don't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "cant": "can't",
    "wont": "won't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "werent": "weren't",
    "arent": "aren't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "hadnt": "hadn't",
    "wouldnt": "wouldn't",
    "couldnt": "couldn't",
    "shouldnt": "shouldn't",
    "shes": "she's",
    "hes": "he's",
    "theyre": "they're",
    "thats": "that's",
    "theres": "there's",
    "youre": "you're",
    "ill be": "i'll be",
}
_BARE = re.compile(r"\b(" + "|".join(BARE_CONTRACTIONS) + r")\b", re.I)


def restore_apostrophes(text: str) -> str:
    """``text`` with the apostrophes of unambiguous bare contractions put back ("im" -> "i'm")."""
    return _BARE.sub(lambda m: BARE_CONTRACTIONS[m.group(0).lower()], text)


FEATURES = ("denied", "negative_risk", "retracted", "past", "recurrence", "other_subject", "first_person", "discussion")


@dataclass(frozen=True)
class Scope:
    """One language's scope patterns: what the rules stage reads around a match. English is built
    from this module's patterns (``ml.risk.ENGLISH_SCOPE``); another language's come from its
    lexicon file."""

    clause_break: re.Pattern  # clauses for time scope (conjunctions too)
    denial_clause_break: re.Pattern  # how far a negation reaches (commas and "but" stop it)
    negative_risk: re.Pattern
    retraction: re.Pattern
    past: re.Pattern
    recurrence: re.Pattern
    later_recurrence: re.Pattern  # in a later clause: the past is back ("again", "still")
    progress: re.Pattern
    first_person: re.Pattern
    first_person_reflexive: re.Pattern  # the risk is the writer's own ("myself", "my life")
    other_reflexive: re.Pattern  # the risk is someone else's ("himself", "their life")
    discussion_first_person: re.Pattern  # the writer's own feelings inside a discussion
    deliberate: re.Pattern
    other_subjects: frozenset[str]
    self_words: frozenset[str]
    time_break: re.Pattern | None = None  # clauses for time scope, where they differ from clause_break
    present_turn: re.Pattern | None = None  # "now I …" in the match's clause keeps it current


@dataclass(frozen=True)
class Window:
    start: int  # offsets within the sentence
    end: int


def clauses(sentence: str, breaks: re.Pattern = CLAUSE_BREAK) -> list[Window]:
    """The clauses of a sentence, in order; a clause shorter than MIN_CLAUSE_WORDS joins the next one.
    ``breaks``: another language's clause breaks."""
    bounds, start = [], 0
    for brk in breaks.finditer(sentence):
        if brk.start() > start:
            bounds.append((start, brk.start()))
        start = brk.end()
    if start < len(sentence):
        bounds.append((start, len(sentence)))
    merged: list[tuple[int, int]] = []
    for a, z in bounds:
        if merged and len(sentence[merged[-1][0] : merged[-1][1]].split()) < MIN_CLAUSE_WORDS:
            merged[-1] = (merged[-1][0], z)
        else:
            merged.append((a, z))
    if len(merged) > 1 and len(sentence[merged[-1][0] : merged[-1][1]].split()) < MIN_CLAUSE_WORDS:
        last = merged.pop()
        merged[-1] = (merged[-1][0], last[1])
    return [Window(a, z) for a, z in merged]


def clause_windows(sentence: str) -> list[Window]:
    """Clause windows of a sentence with more than one clause (none for a single clause): its
    clauses, a clause longer than MAX_WINDOW_WORDS cut into overlapping word windows."""
    windows: list[Window] = []
    for a, z in ((c.start, c.end) for c in clauses(sentence)):
        words = [m.span() for m in WORD.finditer(sentence, a, z)]
        if len(words) <= MAX_WINDOW_WORDS:
            windows.append(Window(a, z))
            continue
        step = MAX_WINDOW_WORDS // 2
        for i in range(0, len(words) - step, step):
            chunk = words[i : i + MAX_WINDOW_WORDS]
            windows.append(Window(chunk[0][0], chunk[-1][1]))
    if len(windows) == 1 and windows[0] == Window(0, len(sentence)):
        return []
    # a clause and its neighbour together, so "X, but that wasn't true" is also read whole
    pairs = [Window(windows[i].start, windows[i + 1].end) for i in range(len(windows) - 1) if len(windows) > 2]
    return windows + pairs


def denied(text: str) -> bool:
    """A negation governs a risk predicate in the same clause (it comes first, within six words)."""
    for clause in CLAUSE_BREAK.split(text):
        for neg in NEGATION.finditer(clause):
            following = clause[neg.end() :].split()[:6]
            if RISK_PREDICATE.search(" ".join(following)):
                return True
    return False


_FEATURE_PATTERNS = (NEGATIVE_RISK, PAST, RECURRENCE, OTHER_SUBJECT, FIRST_PERSON, DISCUSSION)
_CASED = dict(zip(_FEATURE_PATTERNS, map(without_ignorecase, _FEATURE_PATTERNS), strict=True))


def scope_features(text: str, following: str = "") -> list[float]:
    """The scope flags of one window (``following``: the rest of its sentence and the next sentence,
    where a retraction would be). In FEATURES order. The flags' patterns run on the lower-cased window
    (``ml.text.without_ignorecase``)."""
    low = lowered(text)

    def found(pattern: re.Pattern) -> bool:
        return bool(pattern.search(text) if low is None else _CASED[pattern].search(low))

    negative_risk = found(NEGATIVE_RISK)
    is_denied = denied(text) and not negative_risk
    first_person = found(FIRST_PERSON)
    return [
        float(is_denied),
        float(negative_risk),
        float(is_denied and bool(RETRACTION.search(following))),
        float(found(PAST)),
        float(found(RECURRENCE)),
        float(found(OTHER_SUBJECT) and not first_person),
        float(first_person),
        float(found(DISCUSSION)),
    ]


# --- plans whose finality sits in a neighbouring sentence (``RiskRules._final_neighbours``) -----------
# "I'm going tonight." then "I've fed the fish.": the sentence that says when or where the writer goes
# carries no risk word, the one that says it is final carries no time. Either alone is ordinary; the two
# in one entry, with nothing that makes the going a trip, a move or an appointment, are a plan.
_WHEN = (
    r"(?:tonight|tomorrow(?: night| morning)?|this (?:weekend|evening)|on (?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"|after (?:registration|closing time|dark|the \w+ o'?clock news)|when it'?s (?:dark|darker|quiet)"
    r"|at (?:dawn|midnight|first light))"
)
LEAVING_WHEN = re.compile(
    r"\b(?:going|go|leaving|heading|walking|doing it)(?: (?:up|back|out|down))?,? " + _WHEN + r"\b"
    r"|\b" + _WHEN + r",? i'?m (?:going|off|leaving|doing it)\b|\btonight'?s the night\b"
    r"|\b(?:going|go|heading|head|walk|walking)(?: (?:up|back|out|down))? (?:to|into|in) (?:the )?(?:bridge|river|"
    r"cliffs?|sea|loch|tracks|railway|roof|top floor|dam|quarry|reservoir|canal|lake)\b",
    re.I,
)
# What says the going is final: goodbyes, letters and notes, affairs in order, things given away or left
# for someone, the last chores done.
FINALITY = re.compile(
    r"\b(?:said (?:my |our )?goodbyes?|wrote (?:my|the|a) (?:goodbye|letters?|notes?)|(?:my|a) goodbye (?:to|for)"
    r"|(?:letters?|notes?) (?:are |is )?(?:all )?(?:written|done|sealed)|left (?:a|the|my) (?:note|letter)"
    r"|a (?:note|letter) (?:on top )?for|(?:written|wrote) (?:to \w+ )?to explain|affairs in order"
    r"|(?:put|putting|got) (?:everything|things|it all) in order|(?:no|tied up the|tying up) loose ends"
    r"|fed the (?:fish|cat|dog)|made my bed|(?:gave|giving|given) away|(?:she|he|they) can have my"
    r"|left (?:my|the) (?:phone|keys|charger|wallet|bank card)|cancelled the (?:milk|paper|papers)|paid back"
    r"|everything(?:'s| is) (?:sorted|square))\b",
    re.I,
)
# What makes the going ordinary, anywhere in the entry: travel, holidays, moving house, appointments,
# occasions (the lexicon's ``ending_other`` is read too).
LEAVING_BENIGN = re.compile(
    r"\b(?:holiday|trip|travel\w*|flight|airport|plane|ferry|coach|train to|suitcase|pack(?:ed|ing)|passport"
    r"|mov(?:e|ed|ing) (?:house|flat|out|in|to|abroad)|removals?|old (?:house|flat|place)|new (?:flat|house|job|place)"
    r"|keys (?:go|went) back|appointment|interview|dentist|doctor'?s|gp|hospital|operation|clinic|party|wedding"
    r"|birthday|festival|gig|concert|match|leaving do|last day|camping|visit(?:ing)?|stay(?:ing)? (?:with|at|over)"
    r"|sleepover|see you|be back|back (?:on|by|home|in)|for the (?:weekend|week|night)"
    r"|for a (?:week|few days|fortnight))\b",
    re.I,
)
# Who goes: the writer ("I'm going", "I'll walk to the river") or no one named ("Going up to the bridge").
LEAVING_SUBJECT = frozenset("i i'm i'll am will to gonna and then so now just when".split())
