"""Which language a text is in, and whether the text detectors support it.

The detectors' rules, lexicons and exemplars exist per language (English; Spanish since issue 19).
A text in a language without them is never run through another language's rules: the insight engine
records "not analysed: language" so the clinician knows the entry was not risk-screened.

``detect_language`` is a cheap profile check for English, Spanish and French (function words and a
few letters and punctuation only one of them uses), for when no speech detector said which language
it was. Short or mixed texts give ``None``: then the declared language (the transcript's detected
language, or the patient's preferred language) decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ANALYSIS_LANGUAGES = frozenset({"en", "es"})
PROFILE_VERSION = "lang-profile-1.0"
# Frequent function words that are rare in the other two languages (shared ones such as "a", "de",
# "me", "la", "que", "en" with both Spanish and French, are left out or split by letter cues).
STOPWORDS = {
    "en": frozenset(
        "the and i my is it to was of that this in have with but not for be me so just he she they you "
        "what when about would i'm don't can't it's been am are at all out up like feel felt today".split()
    ),
    "es": frozenset(
        "y el los las que es de un una por para con pero no mi me muy ya estoy esta está hoy yo se lo "
        "como más mis todo nada porque tengo hace fue cuando también estar ser mañana siento quiero".split()
    ),
    "fr": frozenset(
        "et le les je j'ai suis est un une des du pour avec mais pas ne mon ma mes très aujourd'hui il elle "
        "ce c'est qui dans sur au aux tout rien parce fait quand aussi être demain sens veux moi".split()
    ),
}
LETTERS = {
    "es": re.compile(r"[ñ¿¡]|ción\b|mente\b"),
    "fr": re.compile(r"[çœèêëîïûù]|\b(?:j|c|d|l|qu|n)'\w|eau\b|aux\b"),
    "en": re.compile(r"\b\w+'(?:s|t|m|re|ve|ll|d)\b|\b\w+ing\b"),
}
WORD = re.compile(r"[\w']+")
MIN_WORDS = 3
MIN_MARGIN = 2.0


@dataclass(frozen=True)
class LanguageGuess:
    language: str | None  # en | es | fr, or None when too short or too close to call
    scores: dict[str, float]


def normalise(code: str | None) -> str | None:
    """ "es-MX" → "es"; blank → None."""
    if not code:
        return None
    return code.strip().lower().replace("_", "-").split("-")[0] or None


def detect_language(text: str) -> LanguageGuess:
    """Function-word hits per language plus letter cues (weighted 2); the best wins when it leads the
    second by MIN_MARGIN and the text has at least MIN_WORDS words."""
    lowered = text.lower().replace("\u2019", "'")
    words = WORD.findall(lowered)
    scores = {
        lang: sum(1.0 for w in words if w in vocabulary) + 2.0 * len(LETTERS[lang].findall(lowered))
        for lang, vocabulary in STOPWORDS.items()
    }
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if len(words) < MIN_WORDS or top - second < MIN_MARGIN:
        return LanguageGuess(None, scores)
    return LanguageGuess(best, scores)


@dataclass(frozen=True)
class LanguageDecision:
    language: str  # the language the text is taken to be in
    source: str  # transcript | text | preferred | default
    supported: bool  # whether the text detectors have rules for it


def analysis_language(text: str, *, transcript: str | None = None, preferred: str | None = None) -> LanguageDecision:
    """The transcript's detected language first (the speech model heard it); then the text's own
    profile when it is clear; then the patient's preferred language; English when nothing is known."""
    for code, source in ((normalise(transcript), "transcript"), (detect_language(text).language, "text")):
        if code:
            return LanguageDecision(code, source, code in ANALYSIS_LANGUAGES)
    code = normalise(preferred)
    if code:
        return LanguageDecision(code, "preferred", code in ANALYSIS_LANGUAGES)
    return LanguageDecision("en", "default", True)
