"""What kind of statement a sentence of a session is, and the whole sentence it is.

The note's sections follow from who said something and what kind of statement it is, not from keywords
alone: the patient's report (Subjective), the clinician's observation of the patient in the room or a
score (Objective), the clinician's formulation (Assessment), an agreed action, homework, the next
appointment or an action decided against (Plan). A typed summary's explicit headings ("Homework:",
"Plan:", "Next session…", "Assessment:", shorthand such as "HW:", "Imp:", "Rv 2/52") decide before
anything else; a heading speaks for the rest of its line, and in a summary laid out in SOAP sections
("S:", "O:", "A:", "P:") for the lines after it too, where a sentence has no kind of its own.

Evidence is whole sentences of whole turns: a transcriber's fragments of one speaker are joined first
(``ml.session_risk.assemble_turns``), and nothing is clipped, so a negation ("we won't refer you"), a
third party ("my sister is on lithium") or a decision against stays in the quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ml.session_risk import ENDS_SENTENCE, ends_in_fragment
from ml.text import PEOPLE, split_sentences

# Statement kinds.
REPORT, OBSERVATION, SCORE, FORMULATION = "report", "observation", "score", "formulation"
HOMEWORK, NEXT_STEPS, DECIDED_AGAINST, INTERVENTION = "homework", "next_steps", "decided_against", "intervention"
RESPONSE, GOAL, QUESTION, OTHER = "response", "goal", "question", "other"
ACTION = "action"  # something agreed in the session: "let's update your safety plan", "we agreed…"
HYPOTHETICAL = "hypothetical"  # the patient wondering about an option: "if I went back on the tablets…"

HEADINGS = [
    (HOMEWORK, re.compile(r"^\s*(homework|hw|between[- ]session tasks?|tasks?)\s*[:\-–]", re.I)),
    (
        NEXT_STEPS,
        re.compile(
            r"^\s*(plan|next steps?|next|follow[- ]?up|referrals?|mx|management|tx plan|treatment plan|actions?|"
            r"to do)\s*[:\-–]",
            re.I,
        ),
    ),
    (
        NEXT_STEPS,
        re.compile(
            r"^\s*(next (session|appointment|appt|meeting|visit|review)|"
            r"see (her|him|them|client|pt) (next|on|again|in)|"
            # shorthand for the next appointment with its time: "Rv 2/52", "F/U Tue", "RTC 4 wks", "Review in 2 weeks"
            r"(rv|r/v|f/u|fu|rtc|review|follow[- ]?up)\b[^.;]{0,12}?\b(\d+/52|\d+/7|"
            r"in \w+ (weeks?|wks?|days?|months?)|\d+ ?(weeks?|wks?|days?|months?)|"
            r"(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(day)?|tomorrow|next week))\b",
            re.I,
        ),
    ),
    (
        FORMULATION,
        re.compile(
            r"^\s*(assessment|formulation|form'?n|fmn|impression|clinical impression|imp|dx|diagnosis|"
            r"working diagnosis|conceptuali[sz]ation|"
            r"risk\s+(?:assessment|formulation|low|moderate|medium|high|raised|elevated|minimal))\s*[:\-–]",
            re.I,
        ),
    ),
    # SOAP's one-letter headings ("A: PTSD sx improving", "P: call school"): only with a colon.
    (FORMULATION, re.compile(r"^\s*a\s*:\s", re.I)),
    (NEXT_STEPS, re.compile(r"^\s*p\s*:\s", re.I)),
    (OBSERVATION, re.compile(r"^\s*o\s*:\s", re.I)),
    (OBSERVATION, re.compile(r"^\s*(?:o/e|on examination)\b", re.I)),  # "O/E tired, tapping foot t/o"
    (REPORT, re.compile(r"^\s*s\s*:\s", re.I)),
    (INTERVENTION, re.compile(r"^\s*(interventions?|techniques?|in session)\s*[:\-–]", re.I)),
    (
        OBSERVATION,
        re.compile(
            r"^\s*(objective|observed|observations?|obs|o/e|mse|mental state|presentation|affect|appearance)\s*[:\-–]",
            re.I,
        ),
    ),
    (
        REPORT,
        re.compile(
            r"^\s*(subjective|presenting|reports?|history|hx|hpi|c/o|reasons? for living|protective factors?|"
            r"collateral|meds|medications?|sx|symptoms)\s*[:\-–]",
            re.I,
        ),
    ),
]
# A label ending in a colon or dash opens the sentence ("HW: …", "Imp - …"): a heading in the proper sense.
HEADING_LABEL = re.compile(r"^\s*[A-Za-z][A-Za-z /-]{0,30}\s*[:\-–]\s+")
# The headings that name a SOAP section (not one item of it, like "HW:").
SECTION_HEADING = re.compile(r"^\s*(s|o|a|p|subjective|objective|assessment|plan)\s*:", re.I)
# A SOAP section's heading on a line of its own ("S:", "Objective", "PLAN:", "**Assessment**", "## Plan"):
# it has nothing to report itself and speaks for every line after it until the next heading.
BARE_SECTION_HEADING = re.compile(
    r"^[\s#*_]*(?P<name>s|o|a|p|subjective|objective|assessment|plan)[\s*_]*[:\-–]?[\s*_]*$", re.I
)
# The clinician describing the patient as they are in the room (or a summary doing so).
OBSERVED = re.compile(
    r"\b(you|you're|you are) (seem|seemed|look|looked|appear|appeared|sound)\b|"
    r"\b(i notice|i noticed|i can see) (that )?(you|your)\b|"
    r"\bi (?:can|could) see (?:the |some |your )?(?:tears|tension|relief|hurt|pain|sadness|anger|shaking)\b|"
    r"\bi (?:can see|could see|noticed|notice) (?:some|a few|a|the|two|three|several|fresh|new)\b[^.?!]{0,40}"
    r"\b(?:on|in|around|across) your\b|"
    # "I noticed that when you came in your leg was bouncing", "I noticed something while we were talking."
    r"\bi (?:did |also |just )?(?:notice|noticed|could see|saw|spotted)\b(?: that)?[^.?!]{0,30}?"
    r"\b(?:when|while|as|earlier|just now|today)\b[^.?!]{0,40}\b(?:you|your)\b|\bi (?:noticed|notice) something\b|"
    r"\bi can see (?:that )?(?:this|it|that)(?:'s| is)\b[^.?!]{0,30}\b(?:tears|tearful|upsetting|painful)\b|"
    # what the clinician saw of a change: "the patch at the crown looked smaller than last time"
    r"\b(?:looked|looks|appeared|appears) (?:\w+ )?(?:smaller|bigger|larger|healthier|thinner|redder|paler|"
    r"better|worse|less \w+|more \w+) than (?:last time|before|last week|when)\b|"
    r"\byou're (making|speaking|smiling|holding|sitting|fidgeting|breathing|tearful|crying|shaking|shifting|rocking|"
    r"wincing|trembling|clenching|gripping|rubbing|twisting|picking|tapping|looking down|avoiding my eyes)\b|"
    # a reaction the clinician saw a moment ago: "you winced standing up just now", "you've gone a bit pale"
    r"\byou (winced|flinched|grimaced|tensed up|teared up|welled up)\b|"
    r"\byou'?ve (?:gone|turned|got) (?:a bit |quite |very |really |a little )?(?:pale|white|grey|gray|red|flushed|"
    r"quiet|still|tense|teary|tearful)\b|\byour colou?r'?s? (?:has |is )?(?:come back|returned|gone|drained)\b|"
    r"\byour (speech|breathing|voice|eye contact|posture|hands) (is|was|are|were|got|seems?|has)\b|"
    r"\byour (?:\w+ )?(hands|face|eyes|skin|arms?|wrists?|hair|clothes|knuckles|lips|nails|cuts|wounds|scars|"
    r"burns|bruises?) (look|looks|looked|appear|appears|seem|seems|are|is)\b(?! like)|"
    r"^\s*(appeared|appears|presented|presents|observed|was observed|looked|seemed)\b|"
    r"^\s*(speech|affect|eye contact|mood appeared|breathing|voice)\b|"
    r"\b(good|poor|fleeting|reduced) eye contact\b|\btearful\b|"
    r"\b(holding|rubbing|covering|touching|picking at|wringing|clenching|tapping) your (sleeves?|hands?|arms?|"
    r"wrists?|face|jaw|fists?|foot|feet|fingers)\b",
    re.I,
)
INSTRUMENT = re.compile(
    r"\b((phq|gad|pcl|core)([- ]?(9|nine|7|seven|5|five|10|ten))?|isi|insomnia severity index|ors|srs|audit|epds|"
    r"edinburgh(?: postnatal depression scale)?|"
    r"wsas|k10|spin|c-?ssrs|pswq|ybocs|y-bocs|bdi|bai|dass|asrm|altman(?: (?:self[- ]rating )?mania)?(?: rating)?"
    r"(?: scale)?|ymrs|mdq|hads|madrs|oci-?r|doci|lsas|pdss|ies-?r|wemwbs|swemwbs|rcads|dast|cudit|gds)\b",
    re.I,
)
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
NUMBER = re.compile(
    rf"\b(\d{{1,3}}|(?:a |one )?hundred|(?:{_TENS})(?:\s?[- ]\s?(?:{_UNITS}))?|{_TEENS}|zero|nought|naught|{_UNITS})\b",
    re.I,
)
WORD_NUMBERS = {
    **{w: i for i, w in enumerate(f"zero {_UNITS.replace('|', ' ')} {_TEENS.replace('|', ' ')}".split())},
    **{w: 20 + 10 * i for i, w in enumerate(_TENS.split("|"))},
    "nought": 0,
    "naught": 0,
    "hundred": 100,
}


def number_value(word: str) -> int:
    """12 from "12" or "twelve", 42 from "forty-two" or "forty - two", 100 from "a hundred"."""
    word = " ".join(word.lower().replace("-", " ").split())
    if word.isdigit():
        return int(word)
    if word.endswith("hundred"):
        return 100
    return sum(WORD_NUMBERS[p] for p in word.split())


# Ratings said aloud: SUDS, "six out of ten", "about a 70 out of 100", "distress peaked at eighty".
SCALE_WORD = re.compile(
    r"\b(suds|sud|subjective units?|distress|anxiety|anxious|fear|scared|urges?|cravings?|mood|belief|believe|"
    r"confidence|pain|panic|sad|low|worry|worried|rating)\b",
    re.I,
)
SCALE_RANGE = re.compile(
    r"\b(?:out of|on a scale of|over)\s+(?:10|ten|100|a hundred|one hundred)\b|/\s?(?:10|100)\b|\s?%|\bper ?cent\b|"
    # "from not to ten": how the transcriber often hears "from nought to ten"
    r"\b(?:from|between)\s+(?:nought|naught|not|zero|0|one|1)\s+(?:to|and)\s+(?:10|ten|100|a hundred|one hundred)\b|"
    r"\b(?:nought|naught|zero)\s+to\s+(?:10|ten|100|a hundred|one hundred)\b|"
    r"\bon a scale\b",
    re.I,
)
RATING_VERB = re.compile(
    r"\b(peaked|peak|rated?|rating|came down to|dropped to|went (?:up|down) to|rose to|fell to|started at|"
    r"(?:went|came|dropped|fell|rose|gone|come) (?:down |up )?from|"
    r"ended at|was at|is at|settled at)\b",
    re.I,
)
SUDS = re.compile(r"\b(suds|sud|subjective units?)\b", re.I)
# A belief or urge rating asked for without a scale, after one was given: "How much do you believe it right now?"
HOW_MUCH = re.compile(r"\bhow (?:much|strongly) do you (?:believe|feel|want)\b", re.I)
# "What's your rating now?": the rating was set up earlier in the session.
RATING_NAMED = re.compile(r"\b(?:your|the|a) rating\b", re.I)
# A question asking for a rating: "What's your SUDS right now?", "How anxious were you, out of ten?"
RATING_ASK = re.compile(rf"{SUDS.pattern}|{SCALE_RANGE.pattern}|{HOW_MUCH.pattern}|\b(rate|rating)\b", re.I)


# The clinician going over the ratings given a moment ago: "That's about fifteen minutes, from seventy-five
# down to thirty-five.", "You went up to eighty-five and came down to thirty-five." Read as the session's
# ratings once one was asked for.
RATINGS_RECAPPED = re.compile(
    rf"\b(?:from|up to|peaked at|started at|started on)\s+(?:about |around |roughly )?(?:{NUMBER.pattern})\b"
    rf"[^.?!]{{0,40}}?\b(?:down to|up to|dropped to|fell to|to|then)\s+(?:about |around |roughly )?"
    rf"(?:{NUMBER.pattern})\b",
    re.I,
)


def recaps_ratings(text: str) -> bool:
    return RATINGS_RECAPPED.search(SCALE_RANGE.sub(" ", text)) is not None and not text.rstrip().endswith("?")


def asks_for_rating(text: str) -> bool:
    """A request for a rating, with or without its question mark (the transcriber often ends a question
    with a full stop: "And the cravings this week, from nought to ten."): a scale or SUDS named and no
    value of its own ("You rated it six out of ten last week." states one)."""
    asked = SUDS.search(text) or SCALE_RANGE.search(text)
    return asked is not None and NUMBER.search(SCALE_RANGE.sub(" ", text)) is None


# A questionnaire item's answer, as the PHQ-9 and GAD-7 word them: "And on the last question, about thoughts
# you'd be better off dead, you ticked several days." The clinician reading an item's answer is a score; the
# patient's answer to an item read aloud ("Over the last two weeks, how often…?") is one too.
ITEM_OPTION = re.compile(r"\b(not at all|several days|more than half (?:the|of the) days|nearly every day)\b", re.I)
ITEM_NAMED = re.compile(
    r"\b(?:item|question|q) ?(?:\d|one|two|three|four|five|six|seven|eight|nine)\b|"
    r"\bthe (?:last|final) (?:question|item)\b",
    re.I,
)
ITEM_ASKED = re.compile(
    r"\b(?:over|in) the (?:last|past) (?:two|2) weeks,? how often\b|\bhow often have you been bothered\b", re.I
)


def item_answer(text: str, asked: str = "") -> str | None:
    """The response option of a questionnaire item stated in ``text`` (read out by the clinician, or the
    patient's answer to an item ``asked``), or None."""
    option = ITEM_OPTION.search(text)
    if option is None or not (ITEM_NAMED.search(text) or ITEM_ASKED.search(asked)):
        return None
    return option.group(1).lower()


# A score stated without its instrument, the instrument named in the sentence before it ("You filled in
# the PCL-5. You scored forty-two.").
SCORE_VERB = re.compile(
    r"\b(scored|score|came (?:out |back |in )?(?:at|to|as)|total(?:led)?|was|is|it's|that's|got|you're (?:at|on))\b",
    re.I,
)
FORMULATED = re.compile(
    r"\b((it )?sounds like|i think|i wonder (if|whether)|i'?m wondering (if|whether)|it seems (to me|like|that|as if)|"
    r"what i'?m hearing|my (sense|impression) is|(this|that) (keeps|maintains|is keeping)|formulation|"
    r"the pattern (is|seems)|(are|is) feeding (each other|into)|vicious (circle|cycle)|"
    r"keeps? (the|your|it|this|that)( \w+)? (going|coming back|alive|there|around)|it seems\b(?!\s+to be\b)|"
    r"which is (exactly )?what keeps|"
    # how the problem works, in a formulation's own words: "keeping his things protects her from grief",
    # "the checking serves to reduce doubt", "avoidance functions as safety", "appears to feel like losing him"
    r"protects? (her|him|them|the (client|patient)|pt) from|(is|are|being) maintained by|maintaining (factors?|cycle)|"
    r"serves? (to|as)|functions? (as|to)|(appears|seems) to (feel|function|serve|work) (like|as))\b",
    re.I,
)
# A typed summary's observation written without a subject ("Hands shaking, appears very tired.",
# "Sitting on edge of chair, tapping foot."), or with the client as the one observed.
SUMMARY_OBSERVED = re.compile(
    r"^\W*(\w+ )?(shaking|trembling|tapping|fidgeting|sitting|slumped|pacing|yawning|crying|tearful|restless|"
    r"agitated|dishevelled|unkempt|flat|tense|guarded|pale|flushed|sweaty|clammy|teary|fidgety|withdrawn)\b|"
    # a weight taken in the session: "In-session weighing: 47.8 kg, up 0.4 kg"
    r"\b(?:weighing|weighed|weight (?:today|in session|is|was|taken))\b[^.;]{0,30}?\b\d+(?:\.\d+)?\s*"
    r"(?:kg|kilos?|kilograms?)\b|"
    r"^\W*(the )?(client|patient|pt|she|he|they) "
    r"(appeared|appears|presented|presents|looked|looks|seemed|was observed)\b|"
    # written without the subject: "Looks tired; hands steady.", "Presented dishevelled."
    r"^\W*(appeared|appears|presented|presents|looked|looks|seemed|seems)\s+(?!to\b|like\b|as if\b)\w+|"
    r",\s*(appears|appeared|looks|looked|presents|presented)\b|"
    # prose: "In session she appeared flat.", "I noticed her hands were shaking."
    r"\b(?:client|patient|pt|she|he|they) (?:appeared|was observed)\b(?! to\b)|"
    r"\bi (?:noticed|observed) (?:that )?(?:the (?:client|patient)|pt|she|he|they|her|his|their)\b|"
    # a mental state examination's own terms, wherever the sentence puts them: "She was tired-looking but
    # engaged, with reactive affect and no psychomotor change.", "Good rapport; speech normal rate and volume."
    r"\b(?:(?:reactive|restricted|blunted|flat|labile|congruent|incongruent|euthymic|anxious|low|bright|"
    r"reduced|full[- ]range) affect|affect (?:was |is )?(?:reactive|restricted|blunted|flat|labile|congruent|"
    r"incongruent|euthymic|bright|anxious|low)|psychomotor (?:retardation|agitation|change)|"
    r"(?:good|poor|fleeting|reduced|little|no|avoidant) eye contact|eye contact (?:was |is )?(?:good|poor|fleeting|"
    r"reduced|avoidant|limited|appropriate)|(?:good|easy|poor) rapport|rapport (?:was |is )?(?:good|easily|poor)|"
    r"(?:well|poorly|casually|appropriately) (?:groomed|kempt|dressed)|speech (?:was |is )?(?:normal|pressured|"
    r"slowed|soft|quiet|rapid|of normal)|(?:fully )?orien?tated (?:to|in|x) )|"
    # what the clinician saw for the whole session: "Hood up throughout, freq touching L cheek.", "She held a bag
    # of receipts throughout." (not "low throughout the week")
    r"\bthroughout(?: the session)?\b(?!\s+(?:the\s+|this\s+|that\s+|last\s+|her\s+|his\s+|their\s+)?"
    r"(?:week|weekend|day|days|month|months|year|night|nights|holidays?|period|christmas|pregnancy|childhood|"
    r"\w+day|\w+s)\b)",
    re.I,
)
# A typed summary's homework in prose: "I asked her to walk each morning this week."
SUMMARY_SET = re.compile(
    r"\b(?:i|we) (?:asked|encouraged|suggested|advised|invited|set) (?:(?:for )?(?:her|him|them|the client|the "
    r"patient|pt|client)\s+)?(?:to\b|that\b)",
    re.I,
)
# A typed summary's report of what the client did or said ("Client completed exposure: …"): a report,
# even when it names a technique.
SUMMARY_REPORTED = re.compile(
    # what the client did of the homework: "HW done: watched the videos 5/7 days"
    r"^\W*(?:hw|homework)\s+(?:was\s+)?(?:done|completed|partly done|partially done|mostly done|not done)\b|"
    r"^\W*(the )?(client|patient|pt|she|he|they) (also )?(reports?|reported|completed|did|managed|tried|said|says|"
    r"describes?|described|went|spoke|attended|practi[sc]ed|mentioned|mentions|shared|shares|explained|explains|"
    r"disclosed|discloses|stated|states|expressed|expresses|admitted|admits|denied|denies|told|talked|talks|"
    r"acknowledged|acknowledges|endorsed|endorses|complained|complains|c/o)\b",
    re.I,
)
# Actions decided against: the decision, not the action, is the fact.
AGAINST = re.compile(
    r"\b(won't|will not|not going to|decided against|decided not to|agreed not to|agreed we won't|no need to|"
    r"hold off on|holding off|not (to )?(start|refer|change|increase|tell|inform|involve|contact|call|ask)|"
    r"not (indicated|needed|required|pursuing|pursued|warranted|appropriate|necessary) )\b|\bwill not be\b|"
    r"\bnot (indicated|needed|required|pursuing|pursued|warranted|necessary)\W*$",
    re.I,
)
ACTION_WORDS = re.compile(
    r"\b(refer\w*|medication|start|session|sessions|tell|inform\w*|change|increase|joint|couples|psychiatr\w*|"
    r"employer|doctor|gp|prescri\w*|frequency|admission|blockers?|involve\w*|crisis|team|contact|call|ring|admit\w*|"
    r"dose|tablets?|therapy|treatment|tuition|ask|referral|indicated|pursu\w*|warranted|request\w*|scans?|bloods|"
    r"blood tests?|investigations?|x-?rays?|mri)\b",
    re.I,
)
AGREED = re.compile(
    r"^\W*(?:(?:so|okay|ok|right|now|and|then|great|good),?\s+)*(let's|let us|we'll|we will|we agreed|we've agreed|"
    r"i'll|i will|shall we|we're going to|we are going to|agreed)\b|"
    # what the clinician asks consent for is what they will do: "With your consent, I'll write to your GP"
    r"^\W*(?:(?:so|and|then),?\s+)?with your (?:consent|permission|agreement)\b|"
    # after a leading condition or courtesy: "If that goes well we'll add…", "With your permission, I'll call…"
    r"^\W*(?:if|with|once|when|after|as soon as|before)\b[^.?!]{0,60}?(?:,\s*|\s)(we'll|we will|i'll|i will|"
    r"we're going to|we are going to|let's)\s+(?!be\b|see\b)\w+",
    re.I,
)
# When something between sessions is meant: what turns an instruction or a request into the plan.
BETWEEN_SESSIONS = re.compile(
    r"\b((?:for|over) the next (?:\w+ )?(?:days?|weeks?|fortnight)|until (?:next time|i see you)|"
    r"this week|next week|tonight|tomorrow|each day|every day|daily|"
    r"(?:every|each) (?:morning|evening|night|week|shift|meal|mealtime|lunchtime|school day|work day|working day)|"
    r"(?:once|twice|\w+ times) (?:a|per|this) (?:day|week)|(?:once|twice|\w+ times) this week|at home|"
    r"between (?:now and|sessions)|before (?:next|our next|we meet|i see you)|"
    r"(?:on )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?|over the weekend|this weekend|"
    r"after (?:school|work) (?:each|every)|when you get (?:home|back|in)|when you're (?:home|back)|later today|"
    r"after (?:the|this|today's) session|on your way home|(?:until|till|by|before) (?:next|our next|we meet|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b",
    re.I,
)
# A clinician's instruction: a bare verb opens the clause, after any leading time or place phrase
# ("And three times this week, sit in…", "On Monday, go in for…", "In the corridor, take your…").
_VERBS = (
    r"sit|go|take|put|try|write|jot|list|listen|keep|practi[sc]e|rehearse|repeat|notice|check|call|ring|phone|"
    r"message|bring|read|watch|record|rate|count|monitor|spend|walk|run|cycle|swim|exercise|plan|schedule|arrange|"
    r"drop|get|use|leave|stay|give|ask|tell|say|speak|talk|text|email|make|do|fill|complete|note|track|log|book|"
    r"start|stop|set|eat|drink|stand|travel|drive|visit|attend|meet|invite|join|look|remove|throw|lock|hand|add|"
    r"carry|wear|switch|turn|limit|cut down|reduce|swap|replace|allow|let|wake|sleep|clear|touch|hold|open|close|"
    r"wait|delay|sort|tidy|send|post|buy|cook|prepare|pack|finish|continue|carry on|don't|do not|try not to|"
    r"avoid|resist"
)
# A clinician's request for something to be done between sessions: "Would you ask at the drop-in about it?"
REQUEST_ACTION = re.compile(
    rf"\b(?:could|can|would|will) you (?:also |maybe |please )?(?:{_VERBS})\b(?! (?:me|us)\b)", re.I
)
IMPERATIVE = re.compile(
    rf"(?:^|[,;:]\s*|\b(?:and|then|please|just)\s+)({_VERBS})\b(?! (?:me|us)\b)",
    re.I,
)
# The sentence itself is an instruction: its main clause opens with the verb, after any discourse word
# and one leading phrase ("Also, don't ask…", "This week, touch the bin lid…").
START_IMPERATIVE = re.compile(
    rf"^\W*(?:(?:and|also|so|then|now|okay|ok|right|just|please|first|next|second|third|finally),?\s+)*"
    rf"(?:[^,.?!]{{0,50}},\s+)?(?:(?:also|just|please|then)\s+)?({_VERBS})\b(?! (?:me|us)\b)(?!'s| us\b)",
    re.I,
)
# "I'd like you to tell Karen about these thoughts tonight", "For the next two weeks I'd like to add stimulus
# control": with a time between sessions, the plan.
LIKE_REQUEST = re.compile(
    r"\b(?:i'?d|i would) like (?:you|us) to\b|\b(?:i'?d|i would) like to (?:add|try|start|introduce|set up|"
    r"suggest|bring in|build in|swap|change)\b",
    re.I,
)
# The clinician offering the next appointment: "Same time next Wednesday?", "Shall we say Tuesday at ten?"
_DAYS = r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|week|fortnight"
APPOINTMENT_ASK = re.compile(
    rf"\b(?:same time (?:next |on )?(?:{_DAYS})|(?:shall|should|can|could) we (?:say|meet|book|make it)\b|"
    rf"(?:does|would|will) (?:next )?(?:{_DAYS})\b[^.?!]{{0,30}}\b(?:work|suit|do)\b|"
    rf"how (?:about|does) (?:next )?(?:{_DAYS}))",
    re.I,
)
# The clinician saying how worried they are: their judgement ("nothing you've told me worries me about her
# safety", "I'm not worried that you'll act on them").
CONCERN_JUDGED = re.compile(
    r"\b(?:nothing|what|anything) (?:you'?ve|you have) (?:told|said to|shown) me (?:\w+ )?(?:worries|concerns|"
    r"reassures) me\b|\bi'?m (?:not )?(?:too |very |really |a bit |a little |more |less )?(?:worried|concerned) "
    r"(?:about|that|for)\b|\b(?:doesn'?t|does not|don'?t|do not) (?:worry|concern) me\b",
    re.I,
)
# The clinician saying what happens next, with its time: "Yes, Monday at four, and we'll weigh at the start
# again.", "Next time we'll go through the letter together."
WE_WILL = re.compile(
    r"\b(?:we'?ll|we will|we're going to|i'?ll|i will|i'm going to)\s+(?!be\b|see how\b|come back to\b|"
    r"talk about (?:that|this|it) (?:in a|later)\b|just\b|need\b|have to\b)\w+",
    re.I,
)
NEXT_TIME = re.compile(
    r"\bnext (?:time|session|appointment|week)\b|\bat the (?:start|beginning|end) of (?:the )?next\b|"
    r"\bwhen we (?:next )?meet\b|\bat (?:the|your) review\b|\b(?:monday|tuesday|wednesday|thursday|friday)"
    r" at (?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon)\b",
    re.I,
)
# A measurement taken in the room: "You're at 47.8 kilos today, up 0.4 from last Monday."
MEASURED = re.compile(
    r"\b(?:you'?re|you are|you weigh|weigh(?:ed|s)?|weight (?:is|was|today))\b[^.?!]{0,25}?\b\d+(?:\.\d+)?\s*"
    r"(?:kilos?|kilograms?|kg|stone|pounds|lbs)\b",
    re.I,
)
# The next appointment, set or agreed: "…so let's meet in two weeks, on Monday the fourteenth", "Could you come back
# this Friday?"
APPOINTMENT = re.compile(
    r"\b(?:let'?s meet|we'?ll meet|meet (?:again|next)|see you (?:again|next|on|in|this)|book you in|next appointment|"
    r"come back (?:on|in|next|this)|(?:shall|can|could) we meet)\b",
    re.I,
)
# A patient's commitment whose object is said before it ("There's Saturday football at the centre. I will go this
# Saturday.", "The agency. I will email them on Wednesday."): quoted with what it refers to.
REFERS_ONWARD = re.compile(r"\b(?:them|it|that|there|him|her|this one|that one)\b|\bi(?:'ll| will) go\b", re.I)


def is_appointment(text: str) -> bool:
    """A sentence setting or offering the next appointment."""
    return APPOINTMENT.search(text) is not None or APPOINTMENT_ASK.search(text) is not None


# What the clinician will do, wherever the sentence says it: "…and I'll write to Doctor Okafor today."
CLINICIAN_WILL = re.compile(
    r"\bi'?ll (?:write to|ring|call|phone|email|e-mail|contact|refer you|send (?:you|a letter|the))\b", re.I
)
# An item of a plan being listed: "First, the attention switching exercise twice a day…"
ORDINAL = re.compile(
    r"^\W*(?:(?:and|so|then),?\s+)?(?:first|firstly|second|secondly|third|thirdly|finally|lastly)\b,?", re.I
)
# The clinician's summary of a risk screen: "…with no plan and no intention to act": their risk judgement.
RISK_SUMMARISED = re.compile(
    r"\b(?:no|without|not any|nor any)\s+(?:\w+\s+){0,2}(?:plans?|intent|intention|intentions)\b", re.I
)
RISK_SUBJECT = re.compile(
    r"\b(?:suicid\w*|kill(?:ing)? yourself|end(?:ing)? your life|harm(?:ing)? yourself|risk)\b", re.I
)
# A clinician's request for something to be done: "Could you get them out of the flat tonight?"
REQUEST = re.compile(
    r"(?:^|[.!?:]\s+)\W*(?:[\w']+,?\s+){0,6}?(could|can|would|will) you (?!tell me|say|describe)\w+", re.I
)
# The clinician proposing to do something, asking leave: "Would you be okay if I wrote to your GP?"
PROPOSAL = re.compile(
    r"\b(would you be (?:okay|ok|alright|all right|happy|willing)|is it (?:okay|ok|alright|all right)|do you mind|"
    r"how would you feel about|how do you feel about (?:trying|doing|wearing|using|keeping|cutting)|"
    r"(?:could|can|shall) we(?= (?:try|cut|bring|move|make|set|add|keep|agree|aim|swap|change|reduce|limit|start|cap|"
    r"drop|stop|use|plan|book|build|schedule|practise|practice|include|write|put))|"
    r"would you feel (?:able|okay|ok|comfortable|ready|happy) to|"
    r"would you (?:be willing|like) to|are you willing to|"
    r"would it be (?:okay|ok|alright|all right)|are you (?:okay|ok|happy)|shall i|can i|could i|may i)\b"
    r"(?:\s+(?:if i|for me to|with me))?\s+(?!ask\b|check\b|just\b|say\b|be\b|interrupt\b|clarify\b|pause\b|go back\b|"
    r"stop you\b|come back\b|read\b|summari[sz]e\b|share\b|tell you\b|get you\b)\w+",
    re.I,
)
AFFIRMS = re.compile(r"^\W*(yes|yeah|yep|sure|okay|ok|fine|that's fine|that's okay|go ahead|of course|please)\b", re.I)
# Taking a proposal on in other words: "I can do that.", "Once a day. That'll be hard, but I'll try."
ACCEPTS = re.compile(
    r"\b(i can do that|i could do that|i'?ll (?:try|give it a (?:go|try)|do (?:that|it))|i will|let'?s do (?:that|it)|"
    r"i think so|i'?ll (?:tell|ask|ring|call|text|email|e-mail|write|talk to|speak to|book|bring|show|send|start|"
    r"keep)\b|(?:yeah|yes),? (?:okay|ok|fine|alright|go on)\b|you can (?:tell|ring|call|write to|contact|let)\b|"
    r"sounds (?:good|fine|okay|ok|alright|doable|like a plan)|i'?m (?:happy|willing|up for|okay|ok) (?:to|with|for)|"
    r"(?:worth|happy to give it) a (?:try|go|shot)|deal|i'?m in)\b",
    re.I,
)
DECLINES = re.compile(r"^\W*(no|nope|nah|i'd rather not|rather not|please don't|not yet)\b", re.I)
# The patient taking something on: "I can drop them at my sister's tonight", "I'll put it in my phone".
COMMITMENT = re.compile(
    r"^\W*(?:(?:okay|ok|yes|yeah|right|fine|sure),?\s+)*"
    r"i(?:'ll| will| can| could| am going to|'m going to)\s+(?!try\b|be\b|see\b|do that\b)\w+",
    re.I,
)
# The patient wondering about an option, not reporting a fact: "If I went back on the tablets…",
# "Maybe I should ask about…", "What if I just stopped going?"
HYPOTHETICAL_CUE = re.compile(
    r"^\W*(?:(?:and|but|so|i mean|maybe),?\s+)*(if i (?:were|was|went|did|had|could|would|told|stopped|started|"
    r"tried|asked|took|quit|left|moved|got|gave|changed|came off|went back)|what if|maybe i should|i might (?:try|ask|"
    r"go|just|start|stop|need)|i could always|i wonder (?:if|whether) i|should i|would it help if)\b",
    re.I,
)
# A typed summary's plan written without a heading: "Blades to be removed tonight.", "Pt to call GP."
SUMMARY_ACTION = re.compile(
    r"^\W*(?:[\w'’]+\s+){0,3}to be (\w+ed|\w+en|sent|set|put|kept|made|done|given|taken)\b|"
    r"^\W*(?:with (?:his|her|their|the client's|the patient's) (?:consent|agreement|permission),?\s+)?"
    r"(?:the )?(?:pt|client|patient|she|he|they|we|clinician|therapist|mum|mother|dad|father|parents?|"
    r"partner|i)\s+(?:to|will)\s+\w+|"
    r"^\W*(?:the )?(?:pt|client|patient|she|he|they)\s+(?:agreed|agrees|consented|consents)\s+to\b|"
    # correspondence to be done: "Letter to GP re bloods.", "GP letter re mood.", "Liaise with school.",
    # "Referral to CMHT.", "F/U with psychiatrist re meds."
    r"^\W*(?:[\w/]+\s+)?(?:letter|referral|e-?mail|liaise|liaising)\s+(?:to|re|with|for)\b|"
    r"^\W*(?:f/u|fu|follow[- ]?up)\s+(?:with|re)\b|"
    # a change decided for what comes next, told in the passive: "Her time in bed will be extended by 15
    # minutes.", "His dose will be reviewed by the GP."
    r"^\W*(?:her|his|their|the)\s+(?:[\w-]+\s+){0,4}(?:will|is to|are to) be (?:extended|reduced|increased|"
    r"reviewed|reassessed|repeated|continued|started|restarted|stopped|introduced|added|tapered|changed|scheduled|"
    r"booked|arranged|sent|shared|referred|revisited|monitored|checked|re-?rated|moved|set|kept|fixed|adjusted|"
    r"titrated|updated|rewritten|revised)\b",
    re.I,
)
# Someone named who will do something for the plan: "Sue will come on Sunday to help clear the kitchen table.",
# "Karen to take her tablets to the pharmacy." (the name as written, upper-case first; pronouns are above)
NAMED_ACTION = re.compile(
    r"^\W*(?!(?:She|He|They|We|It|This|That|There|Pt|Patient|Client|Risk|Plan|Homework|Next)\b)[A-Z][a-z]+\s+"
    r"(?:will|is going to|to|has agreed to|agreed to|offered to)\s+(?:come|help|visit|call|ring|phone|bring|drive|"
    r"join|attend|take|collect|check|stay|hold|keep|look after|text|go)\b"
)
# A follow-up named with its day: "Phone check-in Fri am.", "Review Tuesday."
FOLLOW_UP = re.compile(
    r"\b(check[- ]?in|review|appointment|session|call|phone|ring)\b[^.;]{0,30}\b(mon|tue|tues|wed|thu|thur|thurs|"
    r"fri|sat|sun)(day)?\b|\b(mon|tue|tues|wed|thu|thurs|fri)(day)?\b[^.;]{0,20}\b(check[- ]?in|review|call)\b",
    re.I,
)
# A clinician's observation of something other than the patient's manner: wounds, marks.
OBSERVED_OTHER = re.compile(
    r"\bno (?:sign|signs|evidence) of\b|\b(they|these|those|the (?:cuts?|wounds?|marks?|scars?|burns?|bruis\w+))\s+"
    r"(?:look|looks|looked|appear|appears|are healing|have healed|seem to be healing)\b|"
    r"^\W*(?:wounds?|cuts?|marks?|scars?)\b[^.]{0,20}\b(viewed|examined|inspected|seen|checked)\b|"
    r"\bon examination\b",
    re.I,
)
# A typed summary's observation opening with the part of the person observed ("Eyes down and quiet").
SUMMARY_BODY = re.compile(
    r"^\W*(eyes|eye contact|gaze|hands|voice|speech|breathing|posture|face|appearance|affect|presentation|"
    r"skin|knuckles|arms|wrists|hygiene|dress|dressed|"
    r"grooming|gripping|clutching|wringing|rocking|avoid(?:ed|ing|ant) eye contact)\b",
    re.I,
)
# The clinician's reading of the problem in wordings beyond "I think": an overall judgement, a risk level,
# what has become of something, what keeps it going.
FORMULATED_MORE = re.compile(
    r"\b(my (assessment|view|understanding|formulation|guess|hunch|worry) is|from what you've (told|said|described)|"
    r"what i think is (happening|going on)|overall,? (your|the|you)|in my (view|opinion)|"
    r"(symptoms?|mood|anxiety|depression|ptsd|sleep|panic|worry|low mood|self[- ]harm|drinking|risk)\s+"
    r"(is|are|has|have|seems?|remains?)\s+(?:been\s+|still\s+|now\s+)?(improv\w*|getting (better|worse)|worse\w*|"
    r"reduc\w*|lift\w*|stable|high|low|moderate|elevated|persist\w*)|"
    r"has become (your|a|the|their|her|his)|is keeping (you|her|him|them)|are keeping (you|her|him|them)|"
    r"(stops?|prevents?|stopping|preventing) (you|her|him|them|pt|client)? ?(from )?(?:ever )?(finding out|learning|"
    r"discovering|disconfirm\w*)|disconfirmation|maintain\w*|reinforc\w*|in the long (run|term)|"
    r"^\W*risk (of|to|level|is|assessed|remains)\b|"
    r"what i'?m (noticing|seeing|struck by) is|what (stands out|strikes me)|"
    r"(to me|from here),? it (looks|seems|sounds)|"
    r"^\W*it looks (like|as if|as though)|i'?d (understand|see|describe|put|call) (this|it|that|what)|"
    r"(here's|here is) how i (see|understand|read|make sense of|think about)\b|"
    # a judgement of risk: "I'd see your risk as low", "Risk currently low", "overall risk is moderate"
    r"\b(i'?d|i would|i) (see|rate|put|judge|assess|consider|class|describe) (your|the|her|his|their) "
    r"(current |overall )?risk\b|"
    r"\brisk\b[^.?!]{0,40}\b(?:judged|assessed|considered|felt|thought|rated)\s+(?:to\s+be\s+|as\s+)?(?:\w+\s+)?"
    r"(?:low|moderate|medium|high|elevated|minimal|raised)\b|"
    r"\brisk\b[^.?!]{0,25}\b(as|is|remains|at|currently|now|judged|assessed|considered)\s+(?:\w+\s+)?(low|moderate|"
    r"medium|high|elevated|"
    r"minimal|raised)\b|"
    r"one way (of|to) (understand|see|look at|think about)|(is|are|was|were) (your|a|her|his|their) way (of|to)|"
    r"every time (you|she|he|they)\b[^.?!]*\b(gets?|feels?|makes?) (worse|stronger|bigger|harder)|"
    r"the more (you|she|he|they)\b[^.?!]*\bthe (more|less|worse)|driven by|(is|are) (linked|connected|tied) to|"
    r"(the|a|this) (cycle|loop|trap)\b|"
    # naming what the patient describes, and how a habit is learnt: "What you're describing are intrusive
    # thoughts.", "Lying awake and trying harder teaches your brain that bed is for worrying."
    r"what you'?re describing (is|are|sounds|fits|meets)|"
    # a presentation named against a diagnosis or a stage of change: "Her presentation fits prolonged grief
    # disorder", "I'd say you're in the contemplation stage"
    r"\b(presentation|picture|symptoms|this) (fits|meets|(?:is |are )?consistent with|(?:is |are )?in keeping with|"
    r"(?:is |are )?suggestive of|(?:is |are )?indicative of)\b|"
    # a judgement of the work in the session: "Good within-session habituation; ready to move up the hierarchy."
    r"\b(?:is|are|seems?|appears?|now) ready to (?:move|progress|step|go|start|begin|try)\b|"
    r"\b(?:good|clear|rapid|partial|limited|poor) (?:within[- ]session |in[- ]session |between[- ]session )?"
    r"(?:habituation|response to|engagement with)\b|"
    r"\b(?:fits|meets criteria for|consistent with) (?:a |an |the )?(?:diagnosis|prolonged|complicated|"
    r"generali[sz]ed|major|persistent|post-?traumatic)\b|"
    r"\b(?:pre-?)?contemplation stage|\bstage of change|\b(?:in|at) the (?:pre-?contemplation|contemplation|"
    r"preparation|action|maintenance) stage|"
    r"\b(?:appears|seems) to (?:keep|maintain|drive)\b|"
    r"(teach|teaches|teaching|train|trains|training) (your|the|her|his|their) "
    r"(brain|body|mind|nervous system)\b|"
    # a judgement of how the treatment is going: "Worry postponement is proving effective", "responding well to"
    r"\bproving (?:effective|helpful|useful|hard|difficult)\b|\bresponding (?:well |poorly )?to (?:treatment|"
    r"therapy|the|exposure|\w+ing)\b|\b(?:good|steady|clear|encouraging|limited|slow) progress\b|"
    # "The postponement is working.", "That's exactly the kind of evidence the worry period is designed to give"
    r"^\W*(?:(?:so|and|but|i think),?\s+)*(?:the|your|this|that|it)\b[^.?!,]{0,30}\b(?:is|are|'s) "
    r"(?:really |clearly |definitely |already )?(?:working|helping)\W*$|"
    r"\bthe (?:kind|sort) of evidence\b|\bevidence (?:that|against|for) (?:the|your|it|this)\b|"
    # "This looks to me like autistic burnout", "From what you're describing, they're not panic attacks", "the
    # real trigger was feeling small", "Those are your vulnerability factors", "the anger came in to cover that"
    r"\b(?:this|that|it) (?:looks|seems|sounds) to me like\b|\bfrom what you'?re (?:describing|telling me|saying)\b|"
    r"\bthe real (?:trigger|problem|driver|issue) (?:is|was|wasn'?t|isn'?t)\b|"
    r"\b(?:those|these) are (?:your|the) (?:vulnerability|warning|early warning|maintaining) (?:factors|signs)\b|"
    r"\bcame in to (?:cover|protect|hide)\b|"
    # "The way I see it, this is an adjustment reaction", "I see real strengths in you"
    r"\b(?:the way|as) i (?:see|understand|read) it\b|\bi (?:see|can see|notice) (?:real |some |a lot of |many |"
    r"great |lots of )?(?:strengths?|resilience|resourcefulness)\b|"
    # "I'd say you're doing really well with the exposure work"
    r"\bi'?d (?:say|think) (?:that )?(?:you'?re|you are|this is|that'?s|it'?s|the)\b|"
    r"\byou'?re doing (?:really |so |very |pretty )?well (?:with|at|on)\b)",
    re.I,
)
THIRD_PARTY = re.compile(
    rf"\b(he|she|they|his|her|their|my ({PEOPLE}|ex)|partner|flatmate|husband|wife|cousin|aunt|uncle)\b", re.I
)
# What makes substance use a theme: a substance or its use named, not a party or a pub alone.
SUBSTANCE = re.compile(
    r"\b(drink\w*|drank|drunk|alcohol\w*|booze|beers?|wine|vodka|gin|spirits|pints?|cider|whisky|hungover|hangover|"
    r"weed|cannabis|skunk|cocaine|coke|ketamine|mdma|pills?|drugs?|smok\w*|vap\w*|high|stoned|using|used|dealer|"
    r"units|sober|relapse\w*|wasted|pissed)\b",
    re.I,
)
NON_ALCOHOLIC = re.compile(r"\b(water|tea|coffee|juice|squash|something to drink|drink something|soft drink)\b", re.I)


@dataclass(frozen=True)
class Unit:
    """One whole sentence of one speaker's turn, with the utterances it came from."""

    speaker: str
    text: str
    indices: tuple[int, ...]
    start: float | None
    end: float | None
    heading: str | None = None  # kind carried from a typed heading earlier in the same line


def _get(u, name, default=None):
    return u.get(name, default) if isinstance(u, dict) else getattr(u, name, default)


# A sentence that is only a count ("Three.", "3.") means nothing on its own: it answers a question, and
# the speaker's next sentence says what it counts ("3. All of them in the supermarket."), so the two stay
# one sentence of evidence. (A bare "No." is left alone: joined, it could read as negating what follows.)
BARE_COUNT = re.compile(rf"^\W*(?:{NUMBER.pattern})\W*$", re.I)
# A hesitation said as a sentence of its own ("Hmm. Maybe sixty."): read with the sentence it opens, so the
# answer still follows its question.
HESITATION = re.compile(r"^\W*(?:hmm+|mm+|um+|uh+|erm*|er|oh|ah|well|gosh)\W*$", re.I)
# How the clinician says they read things: "I see it", "I'm seeing it", "I'm putting it together".
_READING = (
    r"i(?:'m| am)? (?:see|seeing|understand|understanding|read|reading|make sense of|making sense of|think|thinking|"
    r"put(?:ting)? (?:this|it|that|things) (?:all )?together)"
)
# A lead-in that says nothing until the sentence after it: "Here's what I think is happening.",
# "So here's the plan for this week.", "First, the blades.", "One more thing:".
LEAD_IN = re.compile(
    r"^\W*(?:(?:so|okay|ok|right|and|now),?\s+)*(?:"
    r"(?:here's|here is|this is) (?:what (?:i think|i'm thinking|seems|i'd like|we'll|we will)\b.*|the plan\b.*|"
    r"my (?:thinking|sense|plan|suggestion)\b.*)|"
    rf"(?:here's|here is) how {_READING}\b.*|"
    r"(?:first|firstly|second|secondly|third|thirdly|next|finally|lastly)\b,?(?:\s+\S+){0,3}|"
    r"one (?:more|last) thing\b.*"
    r")[.:]\s*$",
    re.I,
)
# The clinician asking leave to say how they see it: "Can I tell you what I'm hearing…?", "Can I share how
# I'm putting this together?": what follows in the turn is their reading.
ASKS_TO_FORMULATE = re.compile(
    r"\b(?:can|could|may) i (?:tell you|share|say|give you|offer)\b[^.?!]{0,20}\b(?:what i'?m (?:hearing|seeing|"
    r"noticing)|how i'?m (?:putting|seeing|understanding|thinking)|what i think|my (?:sense|take|understanding|"
    r"thoughts))\b|\bhow i'?m putting (?:this|it|that) (?:all )?together\b",
    re.I,
)
# The clinician announcing their reading of things: what follows in the turn is that reading.
ANNOUNCED = re.compile(
    r"^\W*(?:(?:so|okay|ok|right|and|now|well),?\s+)*(?:here's|here is|this is|let me (?:tell you|say)) "
    rf"(?:how|what) {_READING}\b",
    re.I,
)
# The clinician announcing what they saw: what follows in the turn is that observation.
OBSERVATION_ANNOUNCED = re.compile(r"\bi (?:noticed|notice|saw|spotted) something\b", re.I)
# A sentence that names what the patient describes, and the one after it that explains it by a pronoun
# ("What you're describing are intrusive thoughts. They're very common after having a baby."): one statement.
NAMING = re.compile(
    r"^\W*(?:(?:so|and|okay|ok|well),?\s+)*(?:what you'?re describing|what you'?ve (?:described|told me about)|"
    r"(?:this|that|it) is (?:called|known as))\b",
    re.I,
)
REFERS_BACK = re.compile(r"^\W*(?:they|they're|it|it's|these|this|that|that's)\b", re.I)
# A sentence that names what the sentence before it described ("So you were exhausted and hungry before anything
# happened. Those are your vulnerability factors."): one statement.
NAMES_WHAT_CAME_BEFORE = re.compile(
    r"^\W*(?:(?:and|so),?\s+)?(?:those|these) (?:are|were) (?:your|the|what|called|classic|typical|all)\b", re.I
)
# A sentence whose subject is someone else, named only by a pronoun ("He was in the army…"): read with
# the sentence before it that names them ("My brother keeps telling me…"), so the quote says who.
PRONOUN_SUBJECT = re.compile(r"^\W*(he|she|they)(?:'s|'ve|'d|'ll| \w+)", re.I)
NAMES_SOMEONE = re.compile(rf"\b(my|our|his|her|their)\s+(?:\w+\s+)?({PEOPLE}|ex|doctor|gp)s?\b", re.I)


# A patient's question back to the clinician ("Could I weigh myself at home too?"), not an unsure answer.
ASKS_BACK = re.compile(
    r"^\W*(?:(?:and|but|so|sorry|wait|um|er),?\s+)*(?:what|how|why|when|where|who|which|do|does|did|can|could|"
    r"would|will|should|shall|is|are|am|was|were|have|has|may|might|must|isn'?t|aren'?t|don'?t|won'?t)\b",
    re.I,
)
ASKED_ABOUT_SOMEONE = re.compile(rf"\byour\s+(?:\w+\s+)?({PEOPLE})s?\b", re.I)
# A sentence whose subject is someone in the patient's life: "Your mum asked whether you could study at home."
ABOUT_SOMEONE = re.compile(rf"^\W*(?:(?:and|but|so|also|now),?\s+)*your\s+(?:\w+\s+)?({PEOPLE})s?\b", re.I)


def answers_about_someone(answer: str, question: str) -> bool:
    """An answer whose subject is a pronoun for the person the question named ("How's your sister?" "She's
    okay."): without the question, whose the answer is would be lost."""
    question = question.strip()
    last = re.split(r"(?<=[.!])\s+", question)[-1]  # the question is the turn's last sentence
    return PRONOUN_SUBJECT.match(answer) is not None and ASKED_ABOUT_SOMEONE.search(last) is not None


def _names_instrument(text: str) -> bool:
    """A sentence naming a questionnaire: one on the list, or one by its acronym or its own words ("the vomiting
    fear questionnaire you did in the waiting room, the SPOVI.", then "It's thirty-one today.")."""
    unnamed = NUMBERED_NAME.sub(lambda m: m.group(0).split()[0].split("-")[0], text)  # "the DAR five": no score
    return INSTRUMENT.search(text) is not None or (
        _generic_instrument(text, stored=True) is not None and spoken_score(unnamed, stored=True) is None
    )


def _states_bare_score(text: str) -> bool:
    return INSTRUMENT.search(text) is None and SCORE_VERB.search(text) is not None and NUMBER.search(text) is not None


def _joined_spans(spans: list) -> list[tuple[int, int, str]]:
    """(start, end, text) of ``split_sentences`` spans, with the sentences that mean nothing alone joined
    to the one that completes them: a bare count or a lead-in to the sentence after it, a score to the
    sentence naming its instrument, a pronoun subject to the sentence naming the person."""
    out: list[tuple[int, int, str]] = []
    pending = None
    for span in spans:
        if pending is not None:
            out.append((pending.start, span.end, f"{pending.text} {span.text}"))
            pending = None
        elif BARE_COUNT.match(span.text) or LEAD_IN.match(span.text) or HESITATION.match(span.text):
            pending = span
        elif out and (
            (_names_instrument(out[-1][2]) and _states_bare_score(span.text))
            or (PRONOUN_SUBJECT.match(span.text) and NAMES_SOMEONE.search(out[-1][2]))
            or (NAMING.match(out[-1][2]) and REFERS_BACK.match(span.text))
            or (NAMES_WHAT_CAME_BEFORE.match(span.text) and not out[-1][2].rstrip().endswith("?"))
        ):
            start, _, text = out.pop()
            out.append((start, span.end, f"{text} {span.text}"))
        else:
            out.append((span.start, span.end, span.text))
    if pending is not None:
        out.append((pending.start, pending.end, pending.text))
    return out


def sentence_units(utterances: Sequence) -> list[Unit]:
    """Whole sentences of whole turns: one speaker's consecutive segments are joined where a segment
    does not end a sentence (or ends in a clause whose verb still wants its object: "I never
    thought."), then split into sentences; each keeps the utterances it spans."""
    units: list[Unit] = []
    run: list = []
    # A typed summary's headings: one speaks for the rest of its line ("HW: walk daily. Log cravings."),
    # and once the summary is laid out in SOAP sections ("S:", "O:", "Assessment:", "Plan:") the heading
    # that opened a line speaks for every line after it until the next one.
    carried = {"line": None, "line_kind": None, "section": None, "soap": False}

    def flush():
        if not run:
            return
        speaker = _get(run[0], "speaker")
        text, pieces = "", []  # (offset in text, utterance)
        for u in run:
            piece = str(_get(u, "text", "")).strip()
            if not piece:
                continue
            if text and (not ENDS_SENTENCE.search(text) or piece[:1].islower() or ends_in_fragment(text)):
                text = text.rstrip().rstrip(".,") + " "
            elif text:
                text += " "
            pieces.append((len(text), u))
            text += piece
        line = _get(run[0], "line")
        line = ("utterance", _get(run[0], "index")) if line is None else line
        new_line = line != carried["line"]
        if new_line:
            carried.update(line=line, line_kind=None)
        for start, end, sentence in _joined_spans(split_sentences(text)):
            covered = [u for offset, u in pieces if offset < end and offset + len(str(_get(u, "text"))) > start]
            covered = covered or [pieces[-1][1]]
            starts = [_get(u, "start") for u in covered if _get(u, "start") is not None]
            ends = [_get(u, "end") for u in covered if _get(u, "end") is not None]
            bare = BARE_SECTION_HEADING.match(sentence) if speaker == "summary" else None
            if bare:  # a heading alone on its line opens its section and is not a statement itself
                carried.update(line_kind=None, section=heading_kind(f"{bare['name']}: -"), soap=True)
                new_line = False
                continue
            own = heading_kind(sentence) if speaker == "summary" else None
            if own is not None and HEADING_LABEL.match(sentence):  # "HW: …" carries; "Next session Tue." does not
                carried["line_kind"] = own
                if SECTION_HEADING.match(sentence):
                    carried["soap"] = True
                if new_line or SECTION_HEADING.match(sentence):
                    carried["section"] = own
            new_line = False
            heading = carried["line_kind"] or (carried["section"] if carried["soap"] else None)
            units.append(
                Unit(
                    speaker,
                    sentence.strip(),
                    tuple(int(_get(u, "index")) for u in covered),
                    min(starts) if starts else None,
                    max(ends) if ends else None,
                    heading if speaker == "summary" and own is None else None,
                )
            )
        run.clear()

    for u in utterances:
        if run and (_get(u, "speaker") != _get(run[-1], "speaker") or _get(u, "speaker") == "summary"):
            flush()
        run.append(u)
    flush()
    return units


def heading_kind(text: str) -> str | None:
    for kind, pattern in HEADINGS:
        if pattern.search(text):
            return kind
    return None


def strip_heading(text: str) -> str:
    """The sentence without its typed heading ("Homework: walk daily" -> "walk daily"); a sentence
    without a known heading is returned as it is."""
    if heading_kind(text) in (None, NEXT_STEPS) or re.match(r"^\s*(reasons?|protective|risk\s+\w)", text, re.I):
        return text
    return HEADING_LABEL.sub("", text, count=1)


# An instrument the list above does not name, said with a score taken now: a scale named by its own words
# ("the health anxiety inventory", "the grief questionnaire", "Saving Inventory-Revised") or an upper-case
# acronym ("EDE-Q global", "HAI"), in a sentence that says the score is today's or was scored.
NAMED_SCALE = re.compile(
    r"\b(?P<name>(?:(?!(?:the|your|my|his|her|their|on|of|in|a|an|today|score|scored)\b)[a-z]+[- ]){0,3}"
    r"(?:questionnaire|inventory|scale|index|checklist|measure|survey|screener))(?:[- ]revised)?\b",
    re.I,
)
ACRONYM = re.compile(r"(?<![\w/-])(?P<name>[A-Z][A-Z0-9]{1,5}(?:-(?:[A-Z0-9]{1,3}|[A-Z][a-z]{1,3}))?)(?![\w/-])")
# acronyms of a service, a role, a diagnosis or a sleep diary's fields: not an instrument
NOT_INSTRUMENT = frozenset(
    "GP SI SH OD CBT DBT ACT ERP EMDR MI BA CFT IPT NHS AE ED ICU OCD PTSD ADHD BDD GAD MDD BPD TIB TST SE SOL "
    "WASO HW FU RV PM AM BMI BP HR ID PIN UK US TV".split()
)
SCORED_NOW = re.compile(r"\b(today|this (?:week|session|morning)|in session|scored|score)\b", re.I)
# A questionnaire named beside another ("The carer one, the Zarit, is fifty-eight today."): "the <what> one",
# then its name.
APPOSED = re.compile(r"\b(?i:the) (?:[a-z]+ ){1,3}one,? the (?P<name>[A-Z][a-z]+(?:-[A-Za-z0-9]+)?)\b")
# "your tinnitus handicap score came out at fifty": the words before "score" name the scale (read after an acronym)
SCORED_NAME = re.compile(
    r"\b(?P<name>(?:(?!(?:the|your|my|his|her|their|on|of|in|a|an|today|total|overall|same|good|bad|high|low|"
    r"this|that|last|first|new|old)\b)[a-z]+ ){1,3}score)\b",
    re.I,
)
THE_ONE = re.compile(r"\bthe (?:[a-z]+ ){1,3}one\b", re.I)
# A name said straight before its score ("the DERS, is sixty-six"): a score even with no word saying it is today's.
_IS_SCORE = re.compile(
    r"^(?:,?\s+(?:is|was|(?:is|was) at|came|comes|has come|you'?re (?:at|on)|you were (?:at|on)|totals?|totalled)|"
    r"'s(?: come)?)\s+(?:(?:out|back|in)\s+)?(?:(?:at|to|as)\s+)?"
    rf"(?:{NUMBER.pattern})\b(?!\s+(?:pages?|minutes?|hours?|days?|weeks?|months?|questions?|items?|times?|sheets?))",
    re.I,
)
# An acronym's own number ("the DAR five", "DASS-21"), part of its name and not its score.
NUMBERED_NAME = re.compile(
    rf"(?<![\w/-])[A-Z][A-Z0-9]{{1,5}}[- ](?:\d{{1,2}}|{_UNITS}|ten|twenty[- ]one)\b(?=\s*(?:[.,;:]|$|is\b|was\b))"
)


def _generic_instrument(text: str, stored: bool = False) -> re.Match | None:
    now = stored or SCORED_NOW.search(text) is not None
    named = NAMED_SCALE.search(text)
    if named is not None and (now or _IS_SCORE.match(text[named.end() :])):
        return named
    apposed = APPOSED.search(text)
    if apposed is not None and (now or _IS_SCORE.match(text[apposed.end() :])):
        return apposed
    for match in ACRONYM.finditer(text):
        if match["name"].split("-")[0] not in NOT_INSTRUMENT and (now or _IS_SCORE.match(text[match.end() :])):
            return match
    scored = SCORED_NAME.search(text)
    if scored is not None and (now or _IS_SCORE.match(text[scored.end() :])):
        return scored
    return None


def spoken_score(text: str, *, stored: bool = False) -> tuple[str, float] | None:
    """("PHQ-9", 16) from "You scored sixteen on the PHQ-9" or "PHQ-9 today 16"; an instrument not in
    ``INSTRUMENT`` by its own name ("On the health anxiety inventory you scored 38 today"). ``stored``: the
    text of a stored questionnaire record ("OCI 31 on 3 Nov 2026"), which needs no word saying it is today's."""
    instrument = INSTRUMENT.search(text)
    generic = instrument is None
    if generic:
        instrument = _generic_instrument(text, stored)
        if instrument is None:
            return None
    rest = SCALE_RANGE.sub(" ", text[: instrument.start()] + " " + text[instrument.end() :])
    rest = THE_ONE.sub(" ", rest)  # "the carer one, the Zarit, is 58": "one" is no score
    suffix = re.match(r"-\d{1,2}\b", text[instrument.end() :])  # "DASS-21": the list names it "DASS"
    if suffix is not None and NUMBER.search(text[instrument.end() + suffix.end() :]):
        rest = text[: instrument.start()] + " " + text[instrument.end() + suffix.end() :]  # "DASS-21 … forty"
        rest = THE_ONE.sub(" ", SCALE_RANGE.sub(" ", rest))
    unnamed = NUMBERED_NAME.sub(" ", rest)  # "Let's do the anger questionnaire, the DAR five. You scored sixteen."
    number = _current_number(unnamed) or _current_number(rest)
    if number is None:
        return None
    value: float = number_value(number)
    decimal = re.search(rf"(?<![\d.]){re.escape(number)}\.(\d+)\b", rest) if number.isdigit() else None
    if decimal is not None:  # "EDE-Q global 3.9": a mean score, not 3
        value = float(f"{number}.{decimal[1]}")
    if generic:
        name = instrument["name"]
        return (name if name[:2].isupper() else " ".join(w.capitalize() for w in name.split())), value
    return canonical_instrument(instrument.group(0)), value


# A number said as the earlier value: "down from 24", "last time it was 14", "when we started".
EARLIER = re.compile(
    rf"\b(?:(?:down|up|dropped|fell|rose|come|came|gone|went)\s+)?from\s+(?:the\s+)?(?:{NUMBER.pattern})s?\b|"
    r"[^.!?]*\b(?:last time|previously|at (?:the )?(?:start|beginning|first session|assessment)|when we started|"
    r"at baseline|before (?:treatment|we started))\b[^.!?]*[.!?]?",
    re.I,
)


def _current_number(text: str) -> str | None:
    """The number that is the score now: an earlier value ("down from 24", "last time 14") only when no
    other number is said."""
    current = NUMBER.search(EARLIER.sub(" ", text))
    if current is not None:
        return current.group(0)
    number = NUMBER.search(text)
    return number.group(0) if number else None


# An instrument the transcriber misheard ("Your DID 7 today is 14." for "Your GAD-7 today is fourteen"):
# a short word and the instrument's number, then a score. Read as a stored instrument with that number,
# and only when exactly one stored instrument has it.
MISHEARD_INSTRUMENT = re.compile(r"\b(?P<word>[A-Za-z]{2,5})[- ]?(?P<suffix>9|nine|7|seven|5|five|10|ten)\b", re.I)
_NOT_A_NAME = frozenset(
    "at by to about around for of on in till until after before is was the and or from than like after are were "
    "be been it its it's that this these those me my you your we our them some any only just all every each past "
    "near nearly almost over under up down out off into onto with without per".split()
)
_SUFFIX = {"nine": "9", "seven": "7", "five": "5", "ten": "10"}


def misheard_score(text: str, known: Sequence[str]) -> tuple[str, int, str] | None:
    """(instrument, value, what was heard) for a score whose instrument name the transcriber misheard,
    matched to ``known`` (the stored instruments' names, e.g. "GAD-7") by its number."""
    if INSTRUMENT.search(text):
        return None
    for match in MISHEARD_INSTRUMENT.finditer(text):
        if match["word"].lower() in _NOT_A_NAME or match["word"].lower() in WORD_NUMBERS:
            continue
        suffix = _SUFFIX.get(match["suffix"].lower(), match["suffix"])
        names = {k for k in known if re.search(rf"\D{suffix}$", k)}
        after = text[match.end() :]
        number = NUMBER.search(after)
        if len(names) == 1 and number is not None and SCORE_VERB.search(after[: number.start()] + " is"):
            return names.pop(), number_value(number.group(0)), match.group(0)
    return None


def spoken_rating(text: str, *, asked: str = "") -> tuple[str, int] | None:
    """("SUDS", 80) from "SUDS peak 80" or from "About eighty." asked "What's your SUDS, from nought to a
    hundred?"; ("anxiety rating", 6) from "About six out of ten." asked "How anxious were you?"; None
    without a scale (a number alone is a count, not a rating)."""
    context = f"{asked} {text}"
    scale = SCALE_RANGE.search(context)
    named = SCALE_WORD.search(text) and RATING_VERB.search(text)
    if not (SUDS.search(context) or scale or named or HOW_MUCH.search(asked) or RATING_NAMED.search(asked)):
        return None
    number = _current_number(SCALE_RANGE.sub(" ", text))  # "went from 85 down to 35": 35
    if number is None:
        return None
    if SUDS.search(context):
        name = "SUDS"
    else:
        word = SCALE_WORD.search(context)
        stem = word.group(0).lower() if word else ""
        renamed = {"anxious": "anxiety", "scared": "fear", "worried": "worry", "believe": "belief", "rating": ""}
        stem = renamed.get(stem, stem.removesuffix("s") if stem in ("urges", "cravings") else stem)
        name = f"{stem} rating".strip() if stem else "rating"
    return name, number_value(number)


PAST_ASK = re.compile(r"\b(were you|was it|was your|were your|did you|did it|had you|was that)\b", re.I)
PAST_SAID = re.compile(r"\b(was|were|had|felt|got|went|started|ended)\b", re.I)
IN_SESSION = re.compile(
    r"\b(just then|right now|now|at the moment|in here|today|just now|this time|that time round|during that|"
    r"as we|while we|at the (?:start|end|peak|top)|peaked|try|attempt|in[- ]session|within[- ]session|"
    r"in the session|during (?:the|an|this|today's) (?:\w+ )?(?:exposure|experiment|session))\b",
    re.I,
)


# A stretch of everyday life between sessions: "most evenings", "this week", "on average".
LIFE_PERIOD = re.compile(
    r"\b((?:most|every|each|some|many) (?:days?|evenings?|nights?|mornings?|afternoons?|weekends?)|"
    r"(?:this|last|the past|the last) (?:week|fortnight|month)|since (?:last|our|we|the last)|on average|usually|"
    r"typically|normally|(?:per|a) (?:day|week|night))\b",
    re.I,
)


# A comparison with an earlier rating: "at 60%, down from 90% last week" is today's rating.
COMPARED_WITH = re.compile(
    r"\b(?:down|up|dropped|fallen|risen|changed) from\b[^.;?!]*|\bcompared (?:with|to)\b[^.;?!]*|"
    r"\b(?:than|from) (?:last|the last|the previous) (?:week|session|time)\b",
    re.I,
)


def rating_looks_back(answer: str, asked: str = "") -> bool:
    """Whether a rating is the patient's report of a time between sessions ("How anxious were you, from
    zero to a hundred?" about last week's task; "The cravings this week, out of ten?" "Six most
    evenings.") rather than one taken in the session ("What's your SUDS right now?", "How anxious were
    you just then?"). Reported ones belong with what the patient reported; a comparison with an earlier
    rating ("at 60%, down from 90% last week") does not make it one."""
    context = COMPARED_WITH.sub(" ", f"{asked} {answer}")
    answer = COMPARED_WITH.sub(" ", answer)
    past = PAST_ASK.search(asked) if asked else PAST_SAID.search(answer)
    return bool(past or LIFE_PERIOD.search(context)) and not IN_SESSION.search(context)


def canonical_instrument(name: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", name.lower()).replace("nine", "9").replace("seven", "7").replace("five", "5")
    names = {
        "phq9": "PHQ-9",
        "phq": "PHQ-9",
        "gad7": "GAD-7",
        "gad": "GAD-7",
        "pcl5": "PCL-5",
        "pcl": "PCL-5",
        "insomniaseverityindex": "ISI",
        "cssrs": "C-SSRS",
        "ybocs": "Y-BOCS",
    }
    if key.startswith("edinburgh"):
        return "EPDS"  # the Edinburgh Postnatal Depression Scale, as it is said aloud
    if key.startswith("altman"):
        return "ASRM"  # the Altman Self-Rating Mania Scale, by its author's name
    return names.get(key, name.upper())


def kind_of(unit: Unit, cues) -> str:
    """The statement kind of one sentence. ``cues`` is ``ml.notes.Cues`` (homework, next steps,
    interventions, assessment, goals and response phrases)."""
    text = unit.text
    by_clinician = unit.speaker in ("clinician", "summary")
    summary = unit.speaker == "summary"
    formulated = FORMULATED.search(text) or FORMULATED_MORE.search(text)
    if summary:
        heading = heading_kind(text)
        if heading is not None and heading != NEXT_STEPS:
            return heading
        if heading == NEXT_STEPS and not (AGAINST.search(text) and ACTION_WORDS.search(text)):
            return NEXT_STEPS
    # In a summary's Objective or Assessment section, "not indicated" or "told not to tell" is what was seen or
    # judged there ("Risk raised but not imminent; admission not indicated."), not an option decided against.
    first = re.split(r"[;:]", text, maxsplit=1)[0]
    judged_there = (
        summary
        and unit.heading in (OBSERVATION, FORMULATION)
        and not (AGAINST.search(first) and ACTION_WORDS.search(first))  # "Inpatient referral not indicated."
    )
    if by_clinician and AGAINST.search(text) and ACTION_WORDS.search(text) and not judged_there:
        return DECIDED_AGAINST
    if summary and SUMMARY_SET.search(text) and BETWEEN_SESSIONS.search(text):
        return HOMEWORK
    if by_clinician and cues.matches("homework", text):
        return HOMEWORK
    if by_clinician and (cues.matches("next_steps", text) or FOLLOW_UP.search(text)):
        return NEXT_STEPS
    if summary and SUMMARY_ACTION.search(text) and spoken_score(text) is None:
        return ACTION  # "He agreed to try a time-out when he reaches 7/10.": what was agreed, not a rating taken
    if summary and SUMMARY_REPORTED.search(text) and spoken_score(text) is None:
        return REPORT  # "Client completed exposure: …; SUDS 80 before, 40 after": what the client did
    if summary and spoken_score(text) is None and spoken_rating(text) is not None and rating_looks_back(text):
        return REPORT  # "Cravings ~6/10 most evenings": the client's account of the week, not a measure taken
    if by_clinician and (spoken_score(text) is not None or spoken_rating(text) is not None):
        return SCORE
    if by_clinician and item_answer(text) is not None:
        return SCORE
    if unit.speaker == "patient" and not text.rstrip().endswith("?"):
        if spoken_score(text) is not None or (SCALE_RANGE.search(text) and spoken_rating(text) is not None):
            return SCORE
    if unit.speaker == "clinician" and START_IMPERATIVE.match(text) and not text.rstrip().endswith("?"):
        if BETWEEN_SESSIONS.search(text):
            return HOMEWORK
        seen = OBSERVED.search(text)
        # "I can see it's brought tears, take a moment": what was seen comes before the word of care
        if not cues.intervention(text) and not (seen and seen.start() < START_IMPERATIVE.match(text).start(1)):
            return OTHER  # an instruction for now ("Take a breath and notice your feet"), or more homework
    if by_clinician and (OBSERVED.search(text) or OBSERVED_OTHER.search(text)) and not formulated:
        return OBSERVATION
    if summary and (SUMMARY_OBSERVED.search(text) or SUMMARY_BODY.search(text)) and not formulated:
        return OBSERVATION
    if by_clinician and (cues.matches("clinician_assessment", text) or formulated):
        return FORMULATION
    if unit.speaker == "clinician" and not text.rstrip().endswith("?") and CONCERN_JUDGED.search(text):
        return FORMULATION  # "…nothing you've told me worries me about her safety."
    if unit.speaker == "clinician" and not text.rstrip().endswith("?") and MEASURED.search(text):
        return OBSERVATION  # a weight taken in the session
    if (
        unit.speaker == "clinician"
        and not text.rstrip().endswith("?")
        and RISK_SUMMARISED.search(text)
        and RISK_SUBJECT.search(text)
    ):
        return FORMULATION  # "So you're having thoughts of killing yourself…, with no plan and no intention to act."
    if summary and SUMMARY_REPORTED.search(text):
        return REPORT
    if by_clinician and cues.intervention(text):
        return INTERVENTION
    if by_clinician and AGREED.search(text):
        return ACTION
    if summary and (SUMMARY_ACTION.search(text) or NAMED_ACTION.search(text)):
        return ACTION
    if unit.speaker == "clinician" and REQUEST.search(text) and BETWEEN_SESSIONS.search(text):
        return ACTION
    if unit.speaker == "clinician" and LIKE_REQUEST.search(text) and BETWEEN_SESSIONS.search(text):
        return ACTION
    if unit.speaker == "clinician" and not text.rstrip().endswith("?") and CLINICIAN_WILL.search(text):
        return ACTION  # "The card, the blades out tonight, and I'll write to Doctor Okafor today."
    if unit.speaker == "clinician" and not text.rstrip().endswith("?") and APPOINTMENT.search(text):
        return NEXT_STEPS  # "I'm on leave next week, so let's meet in two weeks, on Monday the fourteenth…"
    if (
        unit.speaker == "clinician"
        and not text.rstrip().endswith("?")
        and WE_WILL.search(text)
        and NEXT_TIME.search(text)
    ):
        return NEXT_STEPS  # "…and we'll weigh at the start again.", "Next time we'll sit in the waiting room."
    if (
        unit.speaker == "clinician"
        and is_instruction(text)
        and (BETWEEN_SESSIONS.search(text) or CONDITION.search(text))
    ):
        return HOMEWORK  # "…so please don't drive if you feel drowsy": advice for when it happens
    if summary and unit.heading is not None:
        return unit.heading
    if text.rstrip().endswith("?") and unit.speaker != "summary":
        return QUESTION  # a question states nothing about the patient, whoever asks it
    if cues.matches("goals", text):
        return GOAL
    if unit.speaker == "patient" and HYPOTHETICAL_CUE.search(text):
        return HYPOTHETICAL
    if unit.speaker == "patient" and COMMITMENT.search(text) and BETWEEN_SESSIONS.search(text):
        return ACTION
    if unit.speaker == "patient" and cues.matches("patient_response", text):
        return RESPONSE
    if unit.speaker in ("patient", "summary", "unknown", "other"):
        return REPORT
    return OTHER


YES_NO = re.compile(r"^\W*(yes|yeah|yep|yup|no|nope|nah|not really|not at all|never)\b", re.I)


def is_elliptical(text: str) -> bool:
    """An answer that says nothing without its question: short, with no one of its own as subject
    ("Fifty milligrams, since August.", "No, nothing like that.", "About eighty.", "Flat.")."""
    words = text.split()
    if YES_NO.match(text):
        return True  # "No, he has never hurt me": what the "no" answers is in the question
    return 0 < len(words) <= 10 and not SUBJECT_I.search(text) and not PRONOUN_SUBJECT.match(text)


_OPTION_STOP = frozenset(
    "the a an you your to for of on in at with me him her them it this that these those any about now yet today "
    "tonight week weeks for more anymore someone somebody round over up out just right moment time again "
    "ask go get be have do make involve put take need want send arrange try use bring tell inform contact call "
    "ring see start asking getting going having doing making putting taking trying using bringing telling calling "
    "ringing seeing starting involving arranging sending refer refers referring referral".split()
)
_OPTION_END = re.compile(
    r"\b(because|but|until|unless|as|since|so|while|yet|today|tonight|right now|for (?:now|the time being)|"
    r"(?:at|for) (?:this|the|that) (?:point|stage|moment|time))\b|[,;.:!?]",
    re.I,
)


def options_decided_against(sentences: Sequence[str]) -> list[frozenset[str]]:
    """The options a session decided against, each as the words that name it: "we're not going to ask for
    home tuition, because…" -> {"home", "tuition"}; "not going to increase the sertraline yet" ->
    {"increase", "sertraline"}. A patient's later "home tuition sounded easier" is about that option."""
    out = []
    for sentence in sentences:
        match = AGAINST.search(sentence)
        if match is None:
            continue
        span = _OPTION_END.split(sentence[match.end() :], maxsplit=1)[0]
        words = frozenset(w for w in re.findall(r"[a-z]+", span.lower()) if w not in _OPTION_STOP and len(w) > 2)
        if words:
            out.append(words)
    return out


def mentions_any(text: str, options: Sequence[frozenset[str]]) -> bool:
    words = set(re.findall(r"[a-z]+", text.lower()))
    return any(option <= words for option in options)


def is_instruction(text: str) -> bool:
    """A clinician's sentence telling the patient to do something (read with a plan already under way)."""
    return IMPERATIVE.search(text) is not None and not text.rstrip().endswith("?")


# An instruction for when something happens between sessions: "if you feel drowsy", "whenever you notice".
CONDITION = re.compile(
    r"\b(?:if|when|whenever) you(?:'re| are)? (?:feel|get|notice|start|find|wake|can't|cannot|are|become)\b", re.I
)
PERSONAL = re.compile(
    r"\b(you|you're|you've|you'd|i|i'm|i've|i'd|we|we're|he|she|they|it|it's|that|this|there)\b", re.I
)


# A clock time: a plan's detail ("Your window is from half past midnight to six thirty.").
CLOCK_TIME = re.compile(
    rf"\b(half past|quarter (past|to)|o'?clock|midnight|midday|noon|\d{{1,2}}[:.]\d{{2}}|\d{{1,2}} ?[ap]\.?m\b|"
    rf"(?:{_UNITS}|ten|eleven|twelve) (?:thirty|fifteen|forty[- ]five))\b",
    re.I,
)


def is_plan_item(text: str) -> bool:
    """A list item of a plan being set out, with its time and no one as its subject ("Same wake-up time
    every day, seven o'clock.", "Your window is from half past midnight to six thirty."): read as part of
    that plan. "You said you stay in bed every day." is not."""
    timed = BETWEEN_SESSIONS.search(text) is not None or CLOCK_TIME.search(text) is not None
    return timed and PERSONAL.search(text) is None and not text.rstrip().endswith("?")


FIRST_PERSON = re.compile(r"\b(i|i'm|i've|i'd|i'll|me|my|myself)\b", re.I)
SUBJECT_I = re.compile(r"\b(i|i'm|i've|i'd|i'll)\b", re.I)


def theme_is_about_the_patient(sentence: str, category: str, start: int) -> bool:
    """A theme needs the patient as its subject: "he drinks every night" is the partner's, and "I carry a
    bottle of water" is not substance use."""
    before = sentence[:start]
    clause = re.split(r"[,;.]|\band\b|\bbut\b", before)[-1]
    if THIRD_PARTY.search(clause) and not SUBJECT_I.search(clause):
        return False  # "my flatmate drinks": "my" names the flatmate, not the speaker, as the subject
    if THIRD_PARTY.search(before) and not FIRST_PERSON.search(sentence):
        return False  # "Partner drinks every night and picks fights when drinking"
    if category == "substance_use" and not SUBSTANCE.search(sentence):
        return False  # "after the party I cut my arm": a party is not substance use
    return not (category == "substance_use" and NON_ALCOHOLIC.search(sentence))
