"""Everything between sessions, newest first: check-ins, questionnaires, shared journal entries,
alerts, plan versions and sessions. One query per kind whatever the window or the history's length;
each item carries a ``ref`` to its record. Journal entries the patient did not share are not listed.

A long window lists daily check-ins one by one only for its recent weeks (``itemise_checkin_days``);
older ones come as one ``checkin_week`` item per calendar week (count, means, lowest mood), computed
in the database. ``timeline_week`` lists everything of one week, so every check-in stays reachable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Max, Min
from django.db.models.functions import TruncWeek
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


def timeline_build(
    *,
    patient_id,
    days: int = 30,
    now: dt.datetime | None = None,
    itemise_checkin_days: int | None = None,
) -> list[TimelineItem]:
    """The last ``days``; with ``itemise_checkin_days``, check-ins before the Monday of the week that
    many days ago are summarised per week."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    checkins = MoodCheckin.objects.filter(patient_id=patient_id, occurred_at__gte=since)
    items: list[TimelineItem] = []
    if itemise_checkin_days is not None and itemise_checkin_days < days:
        first_day = timezone.localdate(now) - dt.timedelta(days=itemise_checkin_days)
        first_day -= dt.timedelta(days=first_day.weekday())
        items += _checkin_weeks(checkins.filter(local_date__lt=first_day))
        checkins = checkins.filter(local_date__gte=first_day)
    items += _checkins(checkins)
    items += _others(patient_id, since, None)
    items.sort(key=lambda item: item.at, reverse=True)
    return items


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def timeline_week(*, patient_id, monday: dt.date) -> list[TimelineItem]:
    """Everything of the calendar week starting ``monday`` (check-ins by the patient's local date,
    the rest by the current time zone's days), every check-in listed."""
    sunday = monday + dt.timedelta(days=6)
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(monday, dt.time.min, tzinfo=tz)
    until = since + dt.timedelta(days=7)
    checkins = MoodCheckin.objects.filter(patient_id=patient_id, local_date__gte=monday, local_date__lte=sunday)
    items = _checkins(checkins) + _others(patient_id, since, until)
    items.sort(key=lambda item: item.at, reverse=True)
    return items


def _checkins(rows) -> list[TimelineItem]:
    items = []
    for c in rows.order_by("-occurred_at")[:MAX_PER_KIND]:
        summary = {"mood": c.mood, "anxiety": c.anxiety, "energy": c.energy, "sleep_hours": c.sleep_hours}
        items.append(TimelineItem("checkin", c.occurred_at, summary, f"mood_checkin:{c.pk}"))
    return items


def _checkin_weeks(rows) -> list[TimelineItem]:
    """One item per calendar week of the patient's local dates, in one grouped query."""
    weeks = (
        rows.annotate(week=TruncWeek("local_date"))
        .values("week")
        .annotate(
            n=Count("id"),
            first_day=Min("local_date"),
            last_day=Max("local_date"),
            latest=Max("occurred_at"),
            mean_mood=Avg("mood"),
            min_mood=Min("mood"),
            mean_anxiety=Avg("anxiety"),
            mean_energy=Avg("energy"),
            mean_sleep=Avg("sleep_hours"),
        )
        .order_by("-week")
    )
    items = []
    for w in weeks:
        monday = w["week"].date() if isinstance(w["week"], dt.datetime) else w["week"]
        summary = {
            "week": monday,
            "count": w["n"],
            "first": w["first_day"],
            "last": w["last_day"],
            "mood": w["mean_mood"],
            "lowest_mood": w["min_mood"],
            "anxiety": w["mean_anxiety"],
            "energy": w["mean_energy"],
            "sleep_hours": w["mean_sleep"],
        }
        items.append(TimelineItem("checkin_week", w["latest"], summary, f"mood_checkin_week:{monday.isoformat()}"))
    return items


def _within(field: str, since: dt.datetime, until: dt.datetime | None) -> dict:
    return {f"{field}__gte": since} | ({f"{field}__lt": until} if until else {})


def _others(patient_id, since: dt.datetime, until: dt.datetime | None) -> list[TimelineItem]:
    """Questionnaires, shared journal entries, alerts, plan versions and sessions from ``since``
    (up to ``until`` when given)."""
    items: list[TimelineItem] = []
    questionnaires = QuestionnaireResponse.objects.filter(patient_id=patient_id, **_within("occurred_at", since, until))
    for q in questionnaires.defer("answers").order_by("-occurred_at")[:MAX_PER_KIND]:  # answers: encrypted, unused
        summary = {
            "instrument": q.instrument_key,
            "total": q.total_score,
            "band": q.band_label,
            "reliable_change": q.change.get("reliable_change"),
            "risk": [r["signal"] for r in q.risk],
        }
        items.append(TimelineItem("questionnaire", q.occurred_at, summary, f"questionnaire_response:{q.pk}"))
    for j in (
        JournalEntry.objects.filter(
            patient_id=patient_id, shared_with_care_team=True, **_within("occurred_at", since, until)
        )
        .only("id", "kind", "occurred_at", "status", "audio_seconds")
        .order_by("-occurred_at")[:MAX_PER_KIND]
    ):
        summary = {"entry_kind": j.kind, "status": j.status, "audio_seconds": j.audio_seconds}
        items.append(TimelineItem("journal", j.occurred_at, summary, f"journal_entry:{j.pk}"))
    alerts = Alert.objects.filter(patient_id=patient_id, **_within("created_at", since, until)).defer("note")
    for a in alerts.order_by("-created_at")[:MAX_PER_KIND]:
        summary = {"severity": a.severity, "source": a.source, "state": a.state, "outcome": a.outcome, "id": a.pk}
        items.append(TimelineItem("alert", a.created_at, summary, f"alert:{a.pk}"))
    for model, kind in ((SafetyPlan, "safety_plan"), (TreatmentPlan, "treatment_plan")):
        for p in (
            model.objects.filter(patient_id=patient_id, **_within("created_at", since, until))
            .defer("content")
            .order_by("-created_at")[:MAX_PER_KIND]
        ):
            summary = {"version": p.version, "status": getattr(p, "status", "")}
            items.append(TimelineItem(kind, p.created_at, summary, f"{kind}:{p.pk}"))
    sessions = ClinicalSession.objects.filter(patient_id=patient_id, **_within("started_at", since, until))
    for s in sessions.order_by("-started_at")[:MAX_PER_KIND]:
        summary = {"modality": s.modality, "id": s.pk}
        items.append(TimelineItem("session", s.started_at, summary, f"session:{s.pk}"))
    return items
