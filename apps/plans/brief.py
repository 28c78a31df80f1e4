"""The pre-session brief: what changed since the last session, from stored data only (no model runs).

Every item carries ``ref``: the record ids (or the endpoint) it comes from, so each claim links to
its data. Example spans come only from journal entries the patient shared.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, Q, TextField
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Cast
from django.utils import timezone

from apps.accounts.models import PatientProfile
from apps.alerts.models import Alert
from apps.checkins.models import MoodCheckin, QuestionnaireResponse
from apps.checkins.selectors.trends import adherence, daily_series, start_of_day
from apps.insights.models import FindingKind, PatternSnapshot, SourceType
from apps.insights.selectors import analyses_not_screened, findings_staff_may_see
from apps.journals.models import JournalEntry
from apps.notes.models import ClinicalSession, Note, NoteStatus
from apps.plans.selectors import treatment_plan_goal_progress, treatment_plan_latest

BASELINE_DAYS = 90
DEFAULT_WINDOW_DAYS = 30
METRICS = ("mood", "anxiety", "sleep_hours")


def _window(patient: PatientProfile, now: dt.datetime) -> tuple[dt.date, dt.date, ClinicalSession | None]:
    """From the last session held to now. A session that started today and has not ended is the one
    being prepared for (creating it is how a clinician gets ready) or under way, not the last one:
    counting it would start the window today and empty the brief. One that started before today, or
    that has ended, was held."""
    held = Q(started_at__lt=start_of_day(timezone.localdate(now))) | Q(ended_at__lte=now)
    last = ClinicalSession.objects.filter(held, patient=patient, started_at__lt=now).order_by("-started_at").first()
    start = last.started_at.date() if last else (now - dt.timedelta(days=DEFAULT_WINDOW_DAYS)).date()
    return start, now.date(), last


def _metric_change(patient_id, start: dt.date, end: dt.date) -> dict:
    """Means in the period and in the 90 days before it: one query, grouped on which window a row is in
    (two rows back; cheaper to build than one filtered aggregate per metric and window)."""
    rows = (
        MoodCheckin.objects.filter(
            patient_id=patient_id, local_date__lte=end, local_date__gte=start - dt.timedelta(days=BASELINE_DAYS)
        )
        .annotate(in_period=ExpressionWrapper(Q(local_date__gte=start), output_field=BooleanField()))
        .values("in_period")
        .annotate(n=Count("id"), **{m: Avg(m) for m in METRICS})
        .order_by()
    )
    windows = {bool(row["in_period"]): row for row in rows}
    period, base = windows.get(True, {}), windows.get(False, {})
    out = {}
    for m in METRICS:
        now_value, base_value = period.get(m), base.get(m)
        out[m] = {
            "period_mean": round(float(now_value), 2) if now_value is not None else None,
            "baseline_mean": round(float(base_value), 2) if base_value is not None else None,
            "change": round(float(now_value) - float(base_value), 2)
            if now_value is not None and base_value is not None
            else None,
            "ref": f"/api/v1/patients/{patient_id}/trends/daily/?start={start}&end={end}",
        }
    out["days_with_checkins"] = {"period": period.get("n", 0), "baseline": base.get("n", 0)}
    return out


SCORE_HISTORY_DAYS = 180


def _questionnaires(patient_id, start: dt.date) -> tuple[list[dict], list[dict]]:
    """The latest response per instrument in the period, and each summed instrument's scores over the
    last six months with its band thresholds (for the chart). One query. Six months can hold a hundred
    responses: JSON comes back as text and only what is shown is decoded (each instrument's bands once,
    the change flags of the summaries), and the encrypted answers are never read. The risk findings are
    encrypted (the item-9 answer), so they are read by the field, decrypted, not cast to text."""
    rows = list(
        QuestionnaireResponse.objects.filter(
            patient_id=patient_id, local_date__gte=start - dt.timedelta(days=SCORE_HISTORY_DAYS)
        )
        .order_by("instrument_key", "-occurred_at")
        .values(
            "pk",
            "instrument_key",
            "local_date",
            "total_score",
            "band_label",
            "risk",
            change_json=Cast("change", TextField()),
            bands_json=Cast(KeyTransform("bands", "instrument__definition"), TextField()),
        )
    )
    decoded: dict[str, list] = {}
    latest: dict[str, dict] = {}
    history: dict[str, dict] = {}
    for r in rows:
        key = r["instrument_key"]
        if r["local_date"] >= start:
            latest.setdefault(key, r)
        text = r["bands_json"]
        if text not in decoded:
            decoded[text] = json.loads(text) if text else None
        bands = decoded[text]
        if r["total_score"] is None or not bands:
            continue
        entry = history.setdefault(
            key,
            {
                "instrument": key,
                "max": max(b["max"] for b in bands),
                "thresholds": [{"min": b["min"], "label": b["label"]} for b in bands if b["min"] > 0],
                "points": [],
            },
        )
        entry["points"].insert(0, {"date": r["local_date"].isoformat(), "total": r["total_score"]})
    summaries = [
        {
            "instrument": r["instrument_key"],
            "date": r["local_date"].isoformat(),
            "total": r["total_score"],
            "band": r["band_label"],
            "change": json.loads(r["change_json"]),
            "risk": [f["signal"] for f in r["risk"]],
            "ref": f"questionnaire_response:{r['pk']}",
        }
        for r in latest.values()
    ]
    return summaries, [h for h in history.values() if any(p["date"] >= start.isoformat() for p in h["points"])]


def _alerts(patient_id, start: dt.date) -> list[dict]:
    return [
        {
            "severity": a.severity,
            "source": a.source,
            "state": a.state,
            "outcome": a.outcome,
            "raised": a.created_at.date().isoformat(),
            "ref": f"alert:{a.pk}",
        }
        for a in Alert.objects.filter(patient_id=patient_id, created_at__gte=start_of_day(start)).order_by(
            "-created_at"
        )
    ]


THEME_KINDS = (FindingKind.TRIGGER, FindingKind.PROTECTIVE, FindingKind.PATIENT_TRIGGER)


def _themes(patient_id, start: dt.date) -> dict:
    """The ten most mentioned triggers and protective factors in the period, each with up to two quotes
    from the newest shared journal entries. One query for the findings (counted here, not in a second
    aggregate query) and one for the quoted entries."""
    findings = list(
        findings_staff_may_see(patient_id=patient_id)
        .filter(local_date__gte=start, suppressed="", kind__in=THEME_KINDS)
        .values("kind", "category", "local_date", "start", "end", "analysis__source_type", "analysis__source_id")
        .order_by("-local_date", "-id")
    )
    mentions = Counter((f["kind"], f["category"]) for f in findings)
    top = dict(mentions.most_common(10))
    wanted: dict[tuple, list[dict]] = {}
    for f in findings:
        key = (f["kind"], f["category"])
        if f["analysis__source_type"] == SourceType.JOURNAL_ENTRY and key in top:
            quotes = wanted.setdefault(key, [])
            if len(quotes) < 2:
                quotes.append(f)
    source_ids = {f["analysis__source_id"] for fs in wanted.values() for f in fs}
    texts = dict(JournalEntry.objects.filter(pk__in=source_ids).values_list("pk", "text"))
    split = {"triggers": [], "protective": []}
    for (kind, category), n in top.items():
        bucket = "protective" if kind == FindingKind.PROTECTIVE else "triggers"
        examples = [
            {
                "span": texts.get(f["analysis__source_id"], "")[f["start"] : f["end"]],
                "date": f["local_date"].isoformat(),
                "ref": f"journal_entry:{f['analysis__source_id']}@{f['start']}-{f['end']}",
            }
            for f in wanted.get((kind, category), [])
        ]
        split[bucket].append({"category": category, "mentions": n, "examples": examples})
    return split


def _last_plan(last: ClinicalSession | None) -> dict | None:
    if last is None:
        return None
    note = Note.objects.filter(session=last, status=NoteStatus.SIGNED).order_by("-version").first()
    if note is None:
        return None
    sentences = [
        s for section in note.sections for s in section["sentences"] if s["source"] in ("homework", "next_steps")
    ]
    return {"items": [s["text"] for s in sentences], "ref": f"note:{note.pk}", "signed_at": note.signed_at}


def _treatment_goals(patient_id) -> dict | None:
    plan = treatment_plan_latest(patient_id=patient_id, signed_only=True)
    if plan is None:
        return None
    return {
        "version": plan.version,
        "signed_at": plan.signed_at,
        "goals": treatment_plan_goal_progress(patient_id=patient_id, plan=plan),
        "ref": f"treatment_plan:{plan.pk}",
    }


def brief_build(*, patient: PatientProfile, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    start, end, last = _window(patient, now)
    snapshot = PatternSnapshot.objects.filter(patient=patient).order_by("-created_at").first()
    questionnaires, score_history = _questionnaires(patient.pk, start)
    return {
        "patient_id": str(patient.pk),
        "period": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "since": "last session" if last else f"the last {DEFAULT_WINDOW_DAYS} days",
        },
        "adherence": adherence(patient_id=patient.pk, start=start, end=end),
        "measures": _metric_change(patient.pk, start, end),
        "series": daily_series(patient_id=patient.pk, start=start, end=end),
        "questionnaires": questionnaires,
        "score_history": score_history,
        "alerts": _alerts(patient.pk, start),
        "not_risk_screened": analyses_not_screened(patient_id=patient.pk, start=start),
        "themes": _themes(patient.pk, start),
        "patterns": [
            {"summary": p["summary"], "q_value": p["q_value"], "ref": f"pattern_snapshot:{snapshot.pk}"}
            for p in (snapshot.patterns if snapshot else [])
        ][:5],
        "treatment_goals": _treatment_goals(patient.pk),
        "last_plan": _last_plan(last),
        "generated_at": now.isoformat(),
    }
