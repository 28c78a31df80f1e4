"""Session analytics from an attributed transcript: who talked how much, monologues, silences, the
emotional tone of the patient's speech over time. Shown beside the draft, never written into a note."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

VERSION = "session-analytics-1.0"
SILENCE_S = 2.0
TONE_WINDOW_S = 300.0


@dataclass(frozen=True)
class Turn:
    speaker: str
    start: float
    end: float
    text: str


def timing(turns: Sequence[Turn]) -> dict:
    talk: dict[str, float] = {}
    for t in turns:
        talk[t.speaker] = talk.get(t.speaker, 0.0) + max(0.0, t.end - t.start)
    longest: dict[str, float] = {}
    run_speaker, run_start, run_end = None, 0.0, 0.0
    for t in turns:
        if t.speaker == run_speaker:
            run_end = t.end
        else:
            if run_speaker is not None:
                longest[run_speaker] = max(longest.get(run_speaker, 0.0), run_end - run_start)
            run_speaker, run_start, run_end = t.speaker, t.start, t.end
    if run_speaker is not None:
        longest[run_speaker] = max(longest.get(run_speaker, 0.0), run_end - run_start)
    gaps = [b.start - a.end for a, b in zip(turns, turns[1:], strict=False) if b.start - a.end >= SILENCE_S]
    clinician, patient = talk.get("clinician", 0.0), talk.get("patient", 0.0)
    return {
        "talk_seconds": {k: round(v, 1) for k, v in talk.items()},
        "clinician_share": round(clinician / (clinician + patient), 3) if clinician + patient else None,
        "longest_monologue_seconds": {k: round(v, 1) for k, v in longest.items()},
        "silences": {
            "count": len(gaps),
            "total_seconds": round(sum(gaps), 1),
            "longest_seconds": round(max(gaps), 1) if gaps else 0.0,
        },
    }


def tone(turns: Sequence[Turn], profile) -> list[dict]:
    """Mean emotion scores of the patient's speech per five-minute window (``profile``: text -> EmotionProfile)."""
    windows: dict[int, list[dict[str, float]]] = {}
    for t in turns:
        if t.speaker != "patient":
            continue
        windows.setdefault(int(t.start // TONE_WINDOW_S), []).append(profile(t.text).scores)
    out = []
    for index in sorted(windows):
        scores = windows[index]
        names = scores[0].keys()
        out.append(
            {
                "from_seconds": index * TONE_WINDOW_S,
                "to_seconds": (index + 1) * TONE_WINDOW_S,
                "utterances": len(scores),
                "emotions": {n: round(sum(s[n] for s in scores) / len(scores), 3) for n in names},
            }
        )
    return out
