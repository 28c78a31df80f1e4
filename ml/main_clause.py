"""The main clause of a sentence: the sentence without its because/since/when/after clause (issue 15).

A two-theme sentence's main theme is what its main clause reports; a because/since/when/after clause
gives the second ("I've barely slept since she moved out" → sleep, relationship; "When the meeting
got heated I did my breathing" → coping_skill, work). The learned trigger stage reads the main
clause's own vector beside the sentence's, pooled from the token states of the encoder's single pass
(nothing is encoded again), so it can rank the main clause's theme first.

A subordinate clause opens at one of SUBORDINATORS. At the start of the sentence (after a filler
such as "um" or "so") it ends at the first comma, semicolon or dash, or, in dictated text without
punctuation, before the first subject word ("i", "we", "my", "nobody", …) at least two words in
("when the meeting got heated i took a breath"); elsewhere it runs to the next comma, semicolon or
dash, or to the end of the sentence. A sentence with no such clause, or whose main clause would
keep fewer than MIN_WORDS words, has no separate main clause.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ml.text import Span, TokenStates

SUBORDINATORS = re.compile(
    r"\b(?:because|'?cause|cos|coz|ever since|since|whenever|when|after|every time|each time|as soon as|"
    r"while|now that)\b",
    re.I,
)
CLAUSE_END = re.compile(r"[,;:\u2014]|\s-\s")
SUBJECT = re.compile(
    r"\b(?:i|i'm|im|i've|ive|i'd|i'll|we|we're|we've|my|our|nobody|no one|everyone|everybody|he|she|they)\b", re.I
)
LEADING_FILLER = re.compile(
    r"^(?:\W*(?:um+|uh+|er+|so|and|but|like|well|honestly|anyway|just|even|ok|okay)\b)*\W*$", re.I
)
MIN_WORDS = 2
WORD = re.compile(r"[\w']+")


def main_clause(sentence: str) -> list[tuple[int, int]]:
    """Character spans of ``sentence`` that make its main clause, in order; empty when the sentence has
    no because/since/when/after clause (or removing it would leave fewer than MIN_WORDS words)."""
    removed: list[tuple[int, int]] = []
    cursor = 0
    for match in SUBORDINATORS.finditer(sentence):
        if match.start() < cursor:
            continue
        leading = not removed and LEADING_FILLER.match(sentence[: match.start()]) is not None
        end = _leading_end(sentence, match.end()) if leading else _trailing_end(sentence, match.end())
        if end is None:
            continue
        removed.append((match.start(), end))
        cursor = end
    if not removed:
        return []
    spans, start = [], 0
    for a, z in removed:
        if a > start:
            spans.append((start, a))
        start = z
    if start < len(sentence):
        spans.append((start, len(sentence)))
    spans = [(a, z) for a, z in spans if WORD.search(sentence, a, z)]
    if sum(len(WORD.findall(sentence[a:z])) for a, z in spans) < MIN_WORDS:
        return []
    return spans


def _leading_end(sentence: str, start: int) -> int | None:
    brk = CLAUSE_END.search(sentence, start)
    if brk is not None:
        return brk.end()
    words = list(WORD.finditer(sentence, start))
    for word in words[MIN_WORDS:]:
        if SUBJECT.fullmatch(word.group(0)):
            return word.start()
    return None


def _trailing_end(sentence: str, start: int) -> int:
    brk = CLAUSE_END.search(sentence, start)
    return brk.start() if brk is not None else len(sentence)


def main_clause_vectors(
    sentences: Sequence[Span], embeddings: np.ndarray, tokens: Sequence[TokenStates]
) -> tuple[np.ndarray, list[list[tuple[int, int]]]]:
    """Per sentence: the L2-normalised mean of its main clause's token states (the sentence's own
    embedding when it has no separate main clause), and the main clause's spans (empty: none)."""
    vectors = embeddings.copy()
    spans = []
    for row, (sentence, states) in enumerate(zip(sentences, tokens, strict=True)):
        here = main_clause(sentence.text)
        if here:
            offsets = states.offsets
            real = offsets[:, 1] > offsets[:, 0]
            inside = np.zeros(len(offsets), dtype=bool)
            for a, z in here:
                inside |= real & (offsets[:, 0] >= a) & (offsets[:, 1] <= z)
            if inside.any():
                mean = states.hidden[inside].astype(np.float32).mean(axis=0)
                vectors[row] = mean / max(float(np.linalg.norm(mean)), 1e-9)
            else:
                here = []
        spans.append(here)
    return vectors, spans
