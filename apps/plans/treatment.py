"""Treatment plans (versioned, signed by the clinician, acknowledged by the patient), goal progress
computed from the data, and evidence-based suggestions the clinician accepts, edits or dismisses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import PatientProfile, User
from apps.audit.services import AuditAction, audit_log
from apps.checkins.models import QuestionnaireResponse
from apps.core.errors import Conflict, Forbidden
from apps.insights.models import PatternSnapshot
from apps.plans.models import PlanStatus, PlanSuggestion, SuggestionStatus, TreatmentPlan
from apps.plans.selectors import treatment_plan_latest
from apps.plans.services import plan_version_acknowledge, plan_version_save

CATEGORY = "treatment_plan"
LIBRARY = json.loads((Path(__file__).resolve().parent / "data" / "strategies.json").read_text())
SECTIONS = ("problems", "goals", "objectives", "interventions", "coping_strategies")


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
