"""What a live session's committed text sets off: the risk screen (always: the care team's alert),
and the clinician's cues (only for a clinician who opted in). Sync functions, called by the live
consumer off its event loop: the ML parts in its decode pool, the database parts through
``database_sync_to_async``."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from apps.insights.selectors import patient_analysis_allowed
from apps.notes.models import SessionInput
from apps.notes.processing import session_risk_record
from ml import live_cues
from ml import session_analytics as sa

RISK_TAIL = 8  # utterances re-read with each commit: enough context for question → answer and joins
PATIENT_SIDE = ("patient", "speaker_1")  # mono speech is unattributed until stop: screened as the patient's


@dataclass
class CueState:
    """What one connection has already shown (so each thing is cued once)."""

    risk_utterances: set[int] = field(default_factory=set)
    affect_kind: str | None = None
    affect_scores: list[tuple[float, dict[str, float]]] = field(default_factory=list)
    talk_at: float | None = None
    goals: list[tuple[str, str]] = field(default_factory=list)
    goals_done: set[str] = field(default_factory=set)


def links(session) -> dict[str, str]:
    """The web app's C-SSRS screener (questionnaires page) and the patient's safety plan."""
    patient = session.patient_id
    return {
        "cssrs_url": reverse("web:patient-questionnaires", kwargs={"patient_pk": patient}) + "#cssrs_screener",
        "safety_plan_url": reverse("web:safety-plan", kwargs={"patient_pk": patient}),
    }


def risk_screen(utterances: list[dict], confirmed: bool, memo=None):
    """ML part (pool): the session risk screen over the last few utterances in time order. ``memo``:
    the input's ``AnalysisMemo`` (each sentence is re-read with the next commits: scored once)."""
    from ml.analysis import get_analyzer
    from ml.session_risk import channel_labels_confirm, screen_session

    analyzer = memo or get_analyzer()
    confirmed = confirmed and channel_labels_confirm(utterances)  # over the whole session, not the tail
    tail = sorted(utterances, key=lambda u: (u["start"], u["end"]))[-RISK_TAIL:]
    return screen_session(tail, analyzer.risk.assess, speakers_confirmed=confirmed), analyzer.risk.version


def risk_record(item: SessionInput, screen, detector: str, clinician_id, state: CueState) -> list[dict]:
    """DB part: the care-team signal (idempotent per input and level; the clinician present is named
    so they are not paged), and the risk cues for findings not shown before."""
    if not patient_analysis_allowed(item.session.patient):
        return []
    session_risk_record(item, screen, detector=detector, clinician_present=clinician_id)
    by_index = {u["index"]: u for u in item.utterances}
    cues = []
    for finding in screen.findings:
        if finding.level == "none" or state.risk_utterances & set(finding.utterances):
            continue
        state.risk_utterances |= set(finding.utterances)
        quoted = " ".join(by_index[i]["text"] for i in finding.utterances if i in by_index)
        cues.append(
            {
                "kind": "risk",
                "at": finding.start or 0.0,
                "evidence": {
                    "level": finding.level,
                    "quote": quoted,
                    "start": finding.start,
                    "end": finding.end,
                    "utterances": list(finding.utterances),
                    "basis": finding.basis,
                    # "review": held for the clinician's review, not a signal (``ml.risk_review``)
                    "tier": finding.tier,
                    "review_reason": finding.review_reason,
                    **links(item.session),
                },
            }
        )
    return cues


def clinician_cues(segments: list[dict], utterances: list[dict], now: float, state: CueState) -> list[dict]:
    """ML part (pool): affect, talk time and goals for newly committed segments."""
    from ml.analysis import get_analyzer

    cues = []
    patient_side = [s for s in segments if s["speaker"] in PATIENT_SIDE]
    if patient_side:
        profile = get_analyzer().emotions.profile
        state.affect_scores += [(s["end"], profile(s["text"]).scores) for s in patient_side]
        found = live_cues.affect(state.affect_scores, now, state.affect_kind)
        if found:
            state.affect_kind = found["emotion"]
            cues.append({"kind": "affect", "at": now, "evidence": found})
    turns = [
        sa.Turn(u["speaker"], u["start"], u["end"], u["text"]) for u in sorted(utterances, key=lambda u: u["start"])
    ]
    found = live_cues.talk_time(turns, now, state.talk_at)
    if found:
        state.talk_at = now
        cues.append({"kind": "talk_time", "at": now, "evidence": found})
    for s in segments:
        for goal in live_cues.goals_touched(s["text"], state.goals, state.goals_done):
            state.goals_done.add(goal["goal_key"])
            cues.append(
                {"kind": "goal", "at": s["start"], "evidence": {**goal, "speaker": s["speaker"], "quote": s["text"]}}
            )
    return cues
