"""Shared lexical rules: negation and "resolved" cues, looked for in the clause before a match.

English by default; Spanish (``language="es"``) reads lower-cased, accent-folded text (issue 19)."""

from __future__ import annotations

import re

from ml.text import clause_around

NEGATION = re.compile(
    r"\b(?:not|no|never|none|nothing|nobody|without|hardly|barely|n't|didn't|don't|doesn't|haven't|hasn't|hadn't|"
    r"wasn't|weren't|isn't|aren't|won't|wouldn't|can't|cannot|couldn't|shouldn't|skipped|avoided)\b",
    re.I,
)
RESOLVED = re.compile(
    r"\b(?:used to|no longer|any ?more|stopped|quit|gave up|given up|over it|sorted (?:now|out)|"
    r"behind me|in the past|years ago|when i was (?:younger|a teenager|a kid|at school|in school)|"
    r"as a teenager|back in (?:19|20)\d\d|long time ago|sober)\b",
    re.I,
)
NEGATION_ES = re.compile(r"\b(?:no|nunca|jamas|ni|ningun|ninguna|ninguno|nada de|sin|tampoco|apenas|evite)\b", re.I)
RESOLVED_ES = re.compile(
    r"\b(?:antes|solia|ya no|deje de|lo deje|hace (?:\w+ ){0,2}(?:anos|meses)|de (?:joven|adolescente|nino|nina)|"
    r"cuando era (?:joven|nino|nina|adolescente)|en el pasado|lo supere|sobrio|sobria|desintoxicad[oa])\b",
    re.I,
)
CLAUSE_BREAK_ES = re.compile(r"\s*(?:,|;|:|\u2014|\s-\s|\bpero\b|\baunque\b|\bsin embargo\b|\bsino\b)\s*", re.I)
PATTERNS = {"en": (NEGATION, RESOLVED, None), "es": (NEGATION_ES, RESOLVED_ES, CLAUSE_BREAK_ES)}
WINDOW_TOKENS = 5


def _clause(sentence: str, start: int, language: str) -> tuple[int, int]:
    breaks = PATTERNS[language][2]
    return clause_around(sentence, start) if breaks is None else clause_around(sentence, start, breaks)


def negated_before(sentence: str, start: int, language: str = "en") -> bool:
    """A negation cue shortly before ``start`` in the same clause ("I didn't drink")."""
    clause_start, _ = _clause(sentence, start, language)
    before = " ".join(sentence[clause_start:start].split()[-WINDOW_TOKENS:])
    return bool(PATTERNS[language][0].search(before.replace("’", "'")))


def resolved_in_clause(sentence: str, start: int, language: str = "en") -> bool:
    """A cue that the matter is over ("I used to drink", "I quit smoking", "years ago")."""
    clause_start, clause_end = _clause(sentence, start, language)
    return bool(PATTERNS[language][1].search(sentence[clause_start:clause_end]))
