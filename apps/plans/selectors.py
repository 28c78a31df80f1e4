"""Reads of plans: the current safety plan, the latest treatment plan and its goals' progress computed
from the data, and for the apps below whether a patient has their own safety plan, the plan's goals and
the coping log as daily pattern factors (registered as their hook handlers in ``apps/plans/handlers.py``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, Q
from django.utils import timezone

from apps.accounts.models import PatientProfile
from apps.checkins.models import DueItem, DueStatus, MoodCheckin, QuestionnaireResponse
from apps.plans.models import CopingKind, CopingLog, PlanStatus, SafetyPlan, TreatmentPlan

OWN_SAFETY_PLAN_URL = "/api/v1/me/safety-plan/"


def safety_plan_own_url(*, patient: PatientProfile) -> str | None:
    """The patient's own plan (readable offline in the app), if they have one."""
    return OWN_SAFETY_PLAN_URL if SafetyPlan.objects.filter(patient=patient).exists() else None


def coping_log_daily_factors(*, patient_id, start: dt.date | None = None) -> list[tuple[dt.date, str]]:
    """``kind:strategy`` per day the patient logged it (pattern mining reads these as factors)."""
    coping = CopingLog.objects.filter(patient_id=patient_id)
    if start:
        coping = coping.filter(local_date__gte=start)
    return [
        (local_date, f"{kind}:{strategy}")
        for local_date, kind, strategy in coping.values_list("local_date", "kind", "strategy").distinct()
    ]


def safety_plan_current(*, patient_id) -> SafetyPlan | None:
    return SafetyPlan.objects.filter(patient_id=patient_id).order_by("-version").first()


def treatment_plan_latest(*, patient_id, signed_only: bool = False) -> TreatmentPlan | None:
    qs = TreatmentPlan.objects.filter(patient_id=patient_id)
    if signed_only:
        qs = qs.filter(status=PlanStatus.SIGNED)
    return qs.order_by("-version").first()


def treatment_plan_goal_texts(*, patient_id) -> list[tuple[str, str]]:
    """(key, text) of each goal, objective and coping strategy (homework) of the latest signed plan."""
    plan = treatment_plan_latest(patient_id=patient_id, signed_only=True)
    out = []
    for section in ("goals", "objectives", "coping_strategies"):
        for i, entry in enumerate((plan.content if plan else {}).get(section, [])):
            text = entry if isinstance(entry, str) else (entry or {}).get("text", "")
            if text:
                out.append((f"{section}:{i}", text))
    return out


def _current_value(patient_id, measure: dict) -> tuple[float | None, str]:
    kind = measure.get("type")
    if kind == "questionnaire":
        row = (
            QuestionnaireResponse.objects.filter(patient_id=patient_id, instrument_key=measure["instrument"])
            .order_by("-occurred_at")
            .values("total_score", "pk")
            .first()
        )
        return (row["total_score"], f"questionnaire_response:{row['pk']}") if row else (None, "")
    if kind == "checkin_mean":
        since = timezone.localdate() - dt.timedelta(days=int(measure.get("days", 14)))
        value = MoodCheckin.objects.filter(patient_id=patient_id, local_date__gte=since).aggregate(
            v=Avg(measure["metric"])
        )["v"]
        return (
            round(float(value), 2) if value is not None else None,
            f"/api/v1/patients/{patient_id}/trends/daily/?start={since}",
        )
    if kind == "adherence":
        since = timezone.now() - dt.timedelta(days=int(measure.get("days", 28)))
        counts = (
            DueItem.objects.filter(patient_id=patient_id, due_at__gte=since)
            .exclude(status=DueStatus.PENDING)
            .aggregate(total=Count("id"), done=Count("id", filter=Q(status=DueStatus.COMPLETED)))
        )
        total, done = counts["total"], counts["done"]
        return (round(done / total, 2) if total else None, f"/api/v1/patients/{patient_id}/adherence/")
    if kind == "homework":  # homework logged (coping log) per week, over N days
        days = int(measure.get("days", 28))
        since = timezone.localdate() - dt.timedelta(days=days)
        done = CopingLog.objects.filter(patient_id=patient_id, kind=CopingKind.HOMEWORK, local_date__gt=since).count()
        return round(done / (days / 7), 2), f"/api/v1/patients/{patient_id}/coping/"
    return None, ""


def treatment_plan_goal_progress(*, patient_id, plan: TreatmentPlan) -> list[dict]:
    out = []
    for goal in plan.content.get("goals", []):
        measure = goal.get("measure") if isinstance(goal, dict) else None
        if not measure:
            out.append({"goal": goal if isinstance(goal, str) else goal.get("text"), "measured": False})
            continue
        value, ref = _current_value(patient_id, measure)
        target, op = measure.get("target"), measure.get("op", "<")
        met = None if value is None or target is None else (value < target if op == "<" else value > target)
        due = measure.get("by")
        out.append(
            {
                "goal": goal.get("text"),
                "measured": True,
                "current": value,
                "target": target,
                "op": op,
                "by": due,
                "met": met,
                "overdue": bool(due and not met and dt.date.fromisoformat(due) < timezone.localdate()),
                "ref": ref,
            }
        )
    return out
