"""Shared lexical rules: negation and "resolved" cues, looked for in the clause before a match."""

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
WINDOW_TOKENS = 5


def _before(sentence: str, start: int) -> str:
    clause_start, _ = clause_around(sentence, start)
    words = sentence[clause_start:start].split()
    return " ".join(words[-WINDOW_TOKENS:])


def negated_before(sentence: str, start: int) -> bool:
    """A negation cue shortly before ``start`` in the same clause ("I didn't drink")."""
    return bool(NEGATION.search(_before(sentence, start).replace("’", "'")))


def resolved_in_clause(sentence: str, start: int) -> bool:
    """A cue that the matter is over ("I used to drink", "I quit smoking", "years ago")."""
    clause_start, clause_end = clause_around(sentence, start)
    return bool(RESOLVED.search(sentence[clause_start:clause_end]))
