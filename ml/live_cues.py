"""Cues for the clinician during a live session, as pure functions over the committed transcript.

Each function answers "is there something worth a quiet chip now?" and returns the cue's evidence, or
None. The caller keeps the state (what was already shown) and records every cue it sends. Thresholds
are deliberately conservative: a cue panel that chatters gets ignored.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ml import session_analytics as sa

VERSION = "live-cues-1.0"
TALK_MIN_SPEECH_S = 120.0  # no talk-time cue before two minutes of speech
TALK_SHARE_HIGH = 0.6  # the clinician holding the floor
MONOLOGUE_S = 60.0  # one person's unbroken turn
TALK_REPEAT_S = 180.0  # at most one talk-time cue per three minutes
AFFECT_WINDOW_S = 180.0  # the patient's affect over the last three minutes
AFFECT_SCORE = 0.55  # a dominant emotion at least this strong
NEGATIVE_AFFECTS = ("sadness", "anxiety", "anger", "shame", "fear", "guilt", "hopelessness", "loneliness")
_WORD = re.compile(r"[a-z][a-z']+")
_STOP = frozenset(
    "a an and are as at be but by do for from have i in is it its me my of on or our so that the their them "
    "then this to was we were will with you your more less each every day days week weeks time times".split()
)


def talk_time(turns: Sequence[sa.Turn], now: float, last_cue_at: float | None) -> dict | None:
    """Talk-time share, longest monologue and silences so far (``ml.session_analytics.timing``), as a
    cue when the clinician holds most of the floor or someone's turn runs past a minute."""
    if last_cue_at is not None and now - last_cue_at < TALK_REPEAT_S:
        return None
    stats = sa.timing(list(turns))
    spoken = sum(stats["talk_seconds"].values())
    monologue = max(stats["longest_monologue_seconds"].values(), default=0.0)
    share = stats["clinician_share"]
    high_share = spoken >= TALK_MIN_SPEECH_S and share is not None and share >= TALK_SHARE_HIGH
    if not (high_share or monologue >= MONOLOGUE_S):
        return None
    return {
        "clinician_share": share,
        "talk_seconds": stats["talk_seconds"],
        "longest_monologue_seconds": stats["longest_monologue_seconds"],
        "silences": stats["silences"],
        "reason": "clinician_share" if high_share else "monologue",
        "version": VERSION,
    }


def affect(scored: Sequence[tuple[float, dict[str, float]]], now: float, last_kind: str | None) -> dict | None:
    """The patient's affect over the last minutes: ``scored`` is (utterance end, emotion scores) for
    the patient's committed utterances. A cue when one negative emotion dominates the window and it is
    not the one already shown."""
    recent = [scores for end, scores in scored if now - end <= AFFECT_WINDOW_S]
    if not recent:
        return None
    names = recent[0].keys()
    mean = {n: sum(s.get(n, 0.0) for s in recent) / len(recent) for n in names}
    top = max(mean, key=mean.get)
    if top not in NEGATIVE_AFFECTS or mean[top] < AFFECT_SCORE or top == last_kind:
        return None
    return {
        "emotion": top,
        "score": round(mean[top], 3),
        "utterances": len(recent),
        "window_seconds": AFFECT_WINDOW_S,
        "version": VERSION,
    }


def _content_words(text: str) -> set[str]:
    return {w.rstrip("s") for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


def goals_touched(text: str, goals: Sequence[tuple[str, str]], already: set[str]) -> list[dict]:
    """Treatment-plan goals and homework (``(key, text)`` from the signed plan) that ``text`` touches:
    at least two of a goal's content words, or all of them when it has fewer (plural-folded, stop
    words ignored). Simple word overlap, no meaning: it points, the clinician judges."""
    said = _content_words(text)
    out = []
    for key, goal in goals:
        if key in already:
            continue
        words = _content_words(goal)
        if not words:
            continue
        shared = said & words
        if len(shared) >= min(2, len(words)):
            out.append({"goal_key": key, "goal": goal, "matched": sorted(shared), "version": VERSION})
    return out
