"""Everything between sessions, newest first: check-ins, questionnaires, shared journal entries,
alerts, plan versions and sessions. One query per kind whatever the window or the history's length;
each item carries a ``ref`` to its record. Journal entries the patient did not share are not listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from apps.alerts.models import Alert
from apps.checkins.models import MoodCheckin, QuestionnaireResponse
from apps.journals.models import JournalEntry
from apps.notes.models import ClinicalSession
from apps.plans.models import SafetyPlan, TreatmentPlan

MAX_PER_KIND = 200


@dataclass(frozen=True)
class TimelineItem:
    kind: str  # checkin | questionnaire | journal | alert | safety_plan | treatment_plan | session
    at: dt.datetime
    summary: dict
    ref: str


def timeline_build(*, patient_id, days: int = 30, now: dt.datetime | None = None) -> list[TimelineItem]:
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    items: list[TimelineItem] = []
    for c in MoodCheckin.objects.filter(patient_id=patient_id, occurred_at__gte=since).order_by("-occurred_at")[
        :MAX_PER_KIND
    ]:
        summary = {"mood": c.mood, "anxiety": c.anxiety, "energy": c.energy, "sleep_hours": c.sleep_hours}
        items.append(TimelineItem("checkin", c.occurred_at, summary, f"mood_checkin:{c.pk}"))
    for q in QuestionnaireResponse.objects.filter(patient_id=patient_id, occurred_at__gte=since).order_by(
        "-occurred_at"
    )[:MAX_PER_KIND]:
        summary = {
            "instrument": q.instrument_key,
            "total": q.total_score,
            "band": q.band_label,
            "reliable_change": q.change.get("reliable_change"),
            "risk": [r["signal"] for r in q.risk],
        }
        items.append(TimelineItem("questionnaire", q.occurred_at, summary, f"questionnaire_response:{q.pk}"))
    for j in (
        JournalEntry.objects.filter(patient_id=patient_id, shared_with_care_team=True, occurred_at__gte=since)
        .only("id", "kind", "occurred_at", "status", "audio_seconds")
        .order_by("-occurred_at")[:MAX_PER_KIND]
    ):
        summary = {"entry_kind": j.kind, "status": j.status, "audio_seconds": j.audio_seconds}
        items.append(TimelineItem("journal", j.occurred_at, summary, f"journal_entry:{j.pk}"))
    for a in Alert.objects.filter(patient_id=patient_id, created_at__gte=since).order_by("-created_at")[:MAX_PER_KIND]:
        summary = {"severity": a.severity, "source": a.source, "state": a.state, "outcome": a.outcome, "id": a.pk}
        items.append(TimelineItem("alert", a.created_at, summary, f"alert:{a.pk}"))
    for model, kind in ((SafetyPlan, "safety_plan"), (TreatmentPlan, "treatment_plan")):
        for p in (
            model.objects.filter(patient_id=patient_id, created_at__gte=since)
            .defer("content")
            .order_by("-created_at")[:MAX_PER_KIND]
        ):
            summary = {"version": p.version, "status": getattr(p, "status", "")}
            items.append(TimelineItem(kind, p.created_at, summary, f"{kind}:{p.pk}"))
    for s in ClinicalSession.objects.filter(patient_id=patient_id, started_at__gte=since).order_by("-started_at")[
        :MAX_PER_KIND
    ]:
        summary = {"modality": s.modality, "id": s.pk}
        items.append(TimelineItem("session", s.started_at, summary, f"session:{s.pk}"))
    items.sort(key=lambda item: item.at, reverse=True)
    return items
