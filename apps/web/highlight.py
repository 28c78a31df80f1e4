"""Split a transcript into plain and highlighted runs for the template (presentation only)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    text: str
    kind: str = ""  # trigger | protective | risk | emotion… ("" = plain text)
    label: str = ""


def highlight(text: str, spans: list[tuple[int, int, str, str]]) -> list[Run]:
    """``spans`` are (start, end, kind, label) offsets into ``text``. Overlapping spans keep the first
    (earliest start, then longest); out-of-range spans are ignored."""
    runs: list[Run] = []
    cursor = 0
    for start, end, kind, label in sorted(spans, key=lambda s: (s[0], -(s[1] - s[0]))):
        if start < cursor or start >= end or end > len(text):
            continue
        if start > cursor:
            runs.append(Run(text[cursor:start]))
        runs.append(Run(text[start:end], kind, label))
        cursor = end
    if cursor < len(text):
        runs.append(Run(text[cursor:]))
    return runs
