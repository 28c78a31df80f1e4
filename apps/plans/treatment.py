"""Treatment plans (versioned, signed by the clinician, acknowledged by the patient), goal progress
computed from the data, and evidence-based suggestions the clinician accepts, edits or dismisses."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from apps.accounts.models import PatientProfile, User
from apps.audit.services import AuditAction, audit_log
from apps.checkins.models import DueItem, DueStatus, MoodCheckin, QuestionnaireResponse
from apps.core.errors import Conflict, Forbidden
from apps.insights.models import PatternSnapshot
from apps.plans.models import CopingKind, CopingLog, PlanStatus, PlanSuggestion, SuggestionStatus, TreatmentPlan
from apps.plans.services import plan_version_acknowledge, plan_version_save

CATEGORY = "treatment_plan"
LIBRARY = json.loads((Path(__file__).resolve().parent / "data" / "strategies.json").read_text())
SECTIONS = ("problems", "goals", "objectives", "interventions", "coping_strategies")


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


def treatment_plan_save(*, actor: User, patient: PatientProfile, content: dict[str, Any]) -> TreatmentPlan:
    """A new draft version (a signed version is never edited in place)."""
    if not actor.is_care_staff:
        raise Forbidden("Only the care team writes the treatment plan.")
    return plan_version_save(
        TreatmentPlan, actor=actor, patient=patient, content=content, object_type="treatment_plan", category=CATEGORY
    )


def treatment_plan_sign(*, actor: User, plan: TreatmentPlan) -> TreatmentPlan:
    if not actor.is_care_staff:
        raise Forbidden("Only the care team signs the treatment plan.")
    if plan.status == PlanStatus.SIGNED:
        raise Conflict("Already signed.", code="signed")
    with transaction.atomic():
        plan.status, plan.signed_by, plan.signed_at = PlanStatus.SIGNED, actor, timezone.now()
        plan.save()
        audit_log(
            actor=actor,
            action=AuditAction.SIGN,
            object_type="treatment_plan",
            object_id=plan.pk,
            patient_id=plan.patient_id,
            data_category=CATEGORY,
            detail={"version": plan.version},
        )
    return plan


def treatment_plan_acknowledge(*, actor: User, plan: TreatmentPlan) -> TreatmentPlan:
    return plan_version_acknowledge(actor=actor, plan=plan, object_type="treatment_plan", category=CATEGORY)


# --- goal progress ------------------------------------------------------------------------------
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


def goal_progress(*, patient_id, plan: TreatmentPlan) -> list[dict]:
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


# --- suggestions ------------------------------------------------------------------------------------
def _matches(strategy: dict, patterns: list[dict], latest_scores: dict[str, int]) -> dict | None:
    when = strategy["when"]
    if "pattern" in when:
        rule = when["pattern"]
        for p in patterns:
            if p["factor"] != rule["factor"]:
                continue
            if ("effect_below" in rule and p["effect"] < rule["effect_below"]) or (
                "effect_above" in rule and p["effect"] > rule["effect_above"]
            ):
                return {
                    "pattern": p["summary"],
                    "effect": p["effect"],
                    "n_with": p["n_with"],
                    "n_without": p["n_without"],
                    "q_value": p["q_value"],
                    "lag_days": p["lag_days"],
                }
    if "questionnaire" in when:
        rule = when["questionnaire"]
        total = latest_scores.get(rule["instrument"])
        if total is not None and total >= rule["min_total"]:
            return {"instrument": rule["instrument"], "total": total, "threshold": rule["min_total"]}
    return None


def _fingerprint(evidence: dict) -> str:
    """Evidence that changed materially gets a new fingerprint: effects in half-point steps, sample sizes
    in tens, scores in bands of five."""
    if "effect" in evidence:
        return f"p:{round(evidence['effect'] * 2) / 2}:{evidence['lag_days']}:{evidence['n_with'] // 10}"
    return f"q:{evidence['instrument']}:{evidence['total'] // 5}"


def plan_suggestions_refresh(*, patient: PatientProfile) -> list[PlanSuggestion]:
    """Propose library strategies the data supports. Nothing is proposed without enough evidence (patterns
    already passed minimum sample sizes and FDR); decided suggestions return only on new evidence."""
    snapshot = PatternSnapshot.objects.filter(patient=patient).order_by("-created_at").first()
    patterns = snapshot.patterns if snapshot else []
    latest_scores: dict[str, int] = {}
    for key, total in (
        QuestionnaireResponse.objects.filter(patient=patient)
        .order_by("instrument_key", "-occurred_at")
        .values_list("instrument_key", "total_score")
    ):
        latest_scores.setdefault(key, total)
    created = []
    for strategy in LIBRARY["strategies"]:
        evidence = _matches(strategy, patterns, latest_scores)
        if evidence is None:
            continue
        if "pattern" in evidence:
            n = evidence["n_with"] + evidence["n_without"]
            statement = f"{evidence['pattern']} (n={evidence['n_with']}/{n}, q={evidence['q_value']})"
        else:
            statement = f"Latest {evidence['instrument']} total {evidence['total']} (threshold {evidence['threshold']})"
        evidence = {
            **evidence,
            "statement": f"{statement} -> {strategy['text']}",
            "library": LIBRARY["version"],
            "basis": strategy["source"],
        }
        suggestion, was_created = PlanSuggestion.objects.get_or_create(
            patient=patient,
            strategy=strategy["key"],
            fingerprint=_fingerprint(evidence),
            defaults={"text": strategy["text"], "evidence": evidence},
        )
        if was_created:
            created.append(suggestion)
    return created


def plan_suggestion_decide(*, actor: User, suggestion: PlanSuggestion, decision: str, text: str = "") -> PlanSuggestion:
    """Accepting (or editing) adds the objective to a new draft version of the plan."""
    if not actor.is_care_staff:
        raise Forbidden("Only the care team decides on suggestions.")
    if suggestion.status != SuggestionStatus.PENDING:
        raise Conflict("Already decided.", code="decided")
    with transaction.atomic():
        suggestion.status = {
            "accept": SuggestionStatus.ACCEPTED,
            "edit": SuggestionStatus.EDITED,
            "dismiss": SuggestionStatus.DISMISSED,
        }[decision]
        suggestion.decided_by, suggestion.decided_at = actor, timezone.now()
        suggestion.save()
        if decision in ("accept", "edit"):
            latest = treatment_plan_latest(patient_id=suggestion.patient_id)
            content = dict(latest.content) if latest else {key: [] for key in SECTIONS}
            content.setdefault("objectives", []).append(
                {"text": text or suggestion.text, "from_suggestion": str(suggestion.pk)}
            )
            treatment_plan_save(actor=actor, patient=suggestion.patient, content=content)
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="plan_suggestion",
            object_id=suggestion.pk,
            patient_id=suggestion.patient_id,
            data_category=CATEGORY,
            detail={"decision": decision},
        )
    return suggestion
