"""Reads of plans for the apps below: whether a patient has their own safety plan, and the coping log
as daily pattern factors. Registered as those apps' hook handlers in ``apps/plans/handlers.py``."""

from __future__ import annotations

import datetime as dt

from apps.accounts.models import PatientProfile
from apps.plans.models import CopingLog, SafetyPlan

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
