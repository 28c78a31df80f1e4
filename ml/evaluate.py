"""Evaluation helpers shared by tests and benchmarks."""

from __future__ import annotations

import re

CONTRACTIONS = {
    "i'm": "i am",
    "it's": "it is",
    "i've": "i have",
    "i'll": "i will",
    "i'd": "i would",
    "can't": "can not",
    "won't": "will not",
    "don't": "do not",
    "didn't": "did not",
    "doesn't": "does not",
    "isn't": "is not",
    "wasn't": "was not",
    "couldn't": "could not",
    "that's": "that is",
    "we're": "we are",
    "they're": "they are",
    "you're": "you are",
}


def words(text: str) -> list[str]:
    """Lower case, no punctuation, common contractions expanded (so "I'm" matches "I am")."""
    tokens = re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("’", "'").replace("-", " ")).split()
    return " ".join(CONTRACTIONS.get(t, t) for t in tokens).replace("'", "").split()


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference length) by word-level edit distance."""
    ref, hyp = words(reference), words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h))
        previous = current
    return previous[-1], len(ref)


def word_error_rate(reference: str, hypothesis: str) -> float:
    errors, length = word_errors(reference, hypothesis)
    return errors / max(1, length)
