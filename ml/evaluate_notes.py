"""Note quality on scripted sessions: are the planted facts in the note, in the right section; do the
traps stay out; does a disclosure reach the alert path and nothing else does.

A session file (``tests/fixtures/notes_eval/README.md``) holds the scripted turns, the clinician's typed
summary, stored questionnaire scores, planted facts with the section they belong in, traps (things said
that are not true of the patient) and the lowest risk level the screen must raise (or none).

``score_note`` works on any list of utterances, so the same scoring serves the instant paths here
(the typed summary; the scripted turns as a perfect transcript) and the audio paths in
``benchmarks/notes_quality.py`` (mono, stereo and stereo with crosstalk, through the recording pipeline).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ml import notes as drafting
from ml.session_risk import screen_session, typed_utterances

SIGNAL_LEVELS = ("passive_ideation", "active_ideation", "plan_or_intent", "self_harm")  # what alerts
SUICIDAL_LADDER = ("passive_ideation", "active_ideation", "plan_or_intent")


def reaches(screened: str, declared: str) -> bool:
    """Whether the screen raised at least the disclosure's level: the same level, or higher on the suicidal
    ladder (passive < active < plan). Self-harm is its own kind: only self-harm reaches it, and it reaches
    no suicidal level."""
    if screened == declared:
        return True
    if screened in SUICIDAL_LADDER and declared in SUICIDAL_LADDER:
        return SUICIDAL_LADDER.index(screened) >= SUICIDAL_LADDER.index(declared)
    return False


@dataclass
class SessionScore:
    name: str
    path: str  # typed | transcript | mono | stereo | crosstalk
    facts: list[str]
    found: list[str]
    in_section: list[str]
    misplaced: dict[str, str]  # fact id -> the section it landed in
    traps_leaked: dict[str, str]  # trap id -> the sentence that leaked it
    disclosure: str | None
    screened_level: str
    alerted: bool  # the screen raised an alert-level finding (passive ideation or worse, self-harm)
    review: list[str] = field(default_factory=list)  # clinician-review items ("level:reason"), not alerts
    extra: dict = field(default_factory=dict)

    @property
    def false_alert(self) -> bool:
        return self.alerted and self.disclosure is None

    @property
    def missed_disclosure(self) -> bool:
        return self.disclosure is not None and not self.alerted

    @property
    def disclosure_at_level(self) -> bool:
        """The disclosure alerted at its own level or above (an active-ideation disclosure screened as
        passive alerts, but at a lower urgency than it needs)."""
        return self.disclosure is not None and self.alerted and reaches(self.screened_level, self.disclosure)


def load_sessions(directory: str | Path) -> list[tuple[str, dict]]:
    return [(p.stem, json.loads(p.read_text())) for p in sorted(Path(directory).glob("*.json"))]


def scripted_utterances(session: dict, seconds_per_word: float = 0.4) -> list[dict]:
    """The scripted turns as a perfect transcript, with plausible times."""
    out, clock = [], 0.0
    for i, turn in enumerate(session["turns"]):
        length = max(1.0, len(turn["text"].split()) * seconds_per_word)
        out.append(
            {"index": i, "speaker": turn["speaker"], "text": turn["text"], "start": clock, "end": clock + length}
        )
        clock += length + 0.6
    return out


def _matches(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.I) is not None


def score_note(
    name: str,
    path: str,
    session: dict,
    utterances: Sequence[dict],
    analyzer,
    *,
    speakers_confirmed: bool,
    template: dict | None = None,
) -> SessionScore:
    records = [drafting.Record(r["ref"], r["text"]) for r in session.get("records", [])]
    draft = drafting.draft_note(
        template or drafting.load_template("soap"),
        [
            drafting.Utterance(u["index"], u["speaker"], u["text"], u.get("start"), u.get("end"), u.get("line"))
            for u in utterances
        ],
        records,
        analysis=analyzer.analyse,
        risk=analyzer.risk.assess,
        speakers_confirmed=speakers_confirmed,
    )
    sentences = [(section.key, s.text) for section in draft.sections for s in section.sentences]
    found, in_section, misplaced = [], [], {}
    for fact in session["facts"]:
        hits = [key for key, text in sentences if all(_matches(p, text) for p in fact["match"])]
        if not hits:
            continue
        found.append(fact["id"])
        if fact["section"] in hits:
            in_section.append(fact["id"])
        else:
            misplaced[fact["id"]] = hits[0]
    leaked = {}
    for trap in session["traps"]:
        for _, text in sentences:
            if _matches(trap["pattern"], text) and not (trap.get("unless") and _matches(trap["unless"], text)):
                leaked[trap["id"]] = text
                break
    screen = screen_session(utterances, analyzer.risk.assess, speakers_confirmed=speakers_confirmed)
    # Only the alert tier pages anyone; review items are counted apart (``ml.risk_review``).
    alerted = screen.level in SIGNAL_LEVELS
    review = [f"{f.level}:{f.review_reason}" for f in screen.review_items() if f.level in SIGNAL_LEVELS]
    return SessionScore(
        name,
        path,
        [f["id"] for f in session["facts"]],
        found,
        in_section,
        misplaced,
        leaked,
        session.get("disclosure"),
        screen.level,
        alerted,
        review,
    )


def summarise(scores: Sequence[SessionScore]) -> dict:
    facts = sum(len(s.facts) for s in scores)
    disclosures = [s for s in scores if s.disclosure is not None]
    return {
        "sessions": len(scores),
        "facts": facts,
        "facts_found": round(sum(len(s.found) for s in scores) / max(1, facts), 3),
        "facts_in_right_section": round(sum(len(s.in_section) for s in scores) / max(1, facts), 3),
        "traps_leaked": sum(len(s.traps_leaked) for s in scores),
        "disclosure_to_alert": f"{sum(s.alerted for s in disclosures)}/{len(disclosures)}",
        "disclosure_at_level": f"{sum(s.disclosure_at_level for s in disclosures)}/{len(disclosures)}",
        "false_alerts": sum(s.false_alert for s in scores),
        # Findings held for the session clinician to confirm or dismiss before signing: not alerts, and a
        # disclosure that only reached review counts as missed above.
        "review_items": sum(len(s.review) for s in scores),
        "sessions_with_review": sum(bool(s.review) for s in scores),
    }


def evaluate_text_paths(directory: str | Path, analyzer=None) -> dict:
    """The instant paths: each session's typed summary, and its scripted turns as a perfect transcript."""
    if analyzer is None:
        from ml.analysis import get_analyzer

        analyzer = get_analyzer()
    scores: dict[str, list[SessionScore]] = {"typed": [], "transcript": []}
    for name, session in load_sessions(directory):
        typed = typed_utterances(session["summary"])
        scores["typed"].append(score_note(name, "typed", session, typed, analyzer, speakers_confirmed=True))
        scripted = scripted_utterances(session)
        scores["transcript"].append(
            score_note(name, "transcript", session, scripted, analyzer, speakers_confirmed=True)
        )
    return report(scores)


def report(scores: dict[str, list[SessionScore]]) -> dict:
    return {
        "paths": {path: summarise(items) for path, items in scores.items()},
        "details": {
            path: [
                {
                    "session": s.name,
                    "missing": [f for f in s.facts if f not in s.found],
                    "misplaced": s.misplaced,
                    "traps_leaked": s.traps_leaked,
                    "screened_level": s.screened_level,
                    "review": s.review,
                    "disclosure": s.disclosure,
                    **s.extra,
                }
                for s in items
            ]
            for path, items in scores.items()
        },
    }


def print_report(result: dict, out: Callable[[str], None] = print) -> None:
    out(
        f"{'path':<11}{'facts found':>12}{'right section':>15}{'traps leaked':>14}{'disclosure→alert':>18}"
        f"{'at its level':>14}{'false alerts':>14}{'review items':>14}{'attribution/word':>18}"
    )
    for path, s in result["paths"].items():
        attribution = s.get("attribution_per_word")
        out(
            f"{path:<11}{s['facts_found']:>12.3f}{s['facts_in_right_section']:>15.3f}{s['traps_leaked']:>14}"
            f"{s['disclosure_to_alert']:>18}{s.get('disclosure_at_level', ''):>14}{s['false_alerts']:>14}"
            f"{s.get('review_items', ''):>14}"
            f"{'' if attribution is None else f'{attribution:.3f}':>18}"
        )


def emit(result: dict, *, as_json: bool, errors: bool, out: Callable[[str], None] = print) -> None:
    """The figures as one JSON object (with the per-session misses when ``errors``) or as the table."""
    if as_json:
        out(json.dumps(result if errors else {"paths": result["paths"]}))
        return
    print_report(result, out)
    if errors:
        out(json.dumps(result["details"], indent=1))
