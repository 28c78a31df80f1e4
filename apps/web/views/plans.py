"""Plans as the care team reads them (the editors come with the plans screen)."""

from __future__ import annotations

import json

from django.shortcuts import render
from django.views import View

from apps.plans.models import SAFETY_PLAN_SECTIONS
from apps.plans.services import CATEGORY as SAFETY_PLAN_CATEGORY
from apps.plans.services import safety_plan_current
from apps.web.access import StaffPageMixin, audit_page_reads, visible_patient


class SafetyPlanView(StaffPageMixin, View):
    def get(self, request, patient_pk):
        patient = visible_patient(request.user, patient_pk)
        plan = safety_plan_current(patient_id=patient.pk)
        sections = []
        if plan is not None:
            audit_page_reads(
                request.user,
                object_type="safety_plan",
                data_category=SAFETY_PLAN_CATEGORY,
                rows=[(patient.pk, plan.pk)],
            )
            content = json.loads(plan.content)
            sections = [(key, content.get(key, [])) for key in SAFETY_PLAN_SECTIONS]
        return render(
            request,
            "web/safety_plan.html",
            {"patient": patient, "plan": plan, "sections": sections, "tab": "safety_plan", "nav": "roster"},
        )
