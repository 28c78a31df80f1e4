"""Today, check-in, safety plan, my plan, me: thin adapters over the same services and selectors as the
API. Every page that shows patient data records its read."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.door import audited_patient_read, audited_read, own_patient
from apps.accounts.models import ConsentKind, User
from apps.accounts.selectors import consent_is_granted
from apps.alerts.support import support_for
from apps.audit.selectors import patient_access_log
from apps.audit.services import AuditAction
from apps.checkins.models import Schedule
from apps.checkins.selectors.catalogue import instruments_available
from apps.checkins.selectors.trends import todo_for
from apps.checkins.services.checkins import mood_checkin_submit
from apps.core.errors import ServiceError
from apps.patient_app.forms import SECTION_LABELS, CheckinForm, SafetyPlanForm
from apps.patient_app.views.account import add_service_error
from apps.patient_app.web import app_view
from apps.plans import selectors as plan_selectors
from apps.plans import services as plan_services
from apps.plans import treatment
from apps.plans.models import SAFETY_PLAN_SECTIONS
from apps.privacy.selectors import patient_export_latest


@app_view()
def today(request):
    patient = own_patient(request.user)
    due = audited_read(
        request.user,
        todo_for(patient_id=patient.pk, now=timezone.now()),
        object_type="due_item",
        data_category="checkin",
        patient=patient,
    )
    instruments = {i.key: i.title for i in instruments_available(practice_id=patient.practice_id)}
    return render(
        request,
        "patient_app/today.html",
        {"due": due, "instruments": instruments, "form": CheckinForm(), "patient": patient},
    )


@app_view()
def checkin(request):
    """The check-in form. JavaScript queues it in the outbox and sends it to the API; without
    JavaScript the form posts here and is stored the same way (same service, same id rules)."""
    patient = own_patient(request.user)
    form = CheckinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["occurred_at"] = data["occurred_at"] or timezone.now()
        try:
            mood_checkin_submit(actor=request.user, patient=patient, **data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return redirect("/app/?saved=checkin")
    return render(request, "patient_app/checkin.html", {"form": form}, status=400 if form.errors else 200)


def _plan_sections(plan) -> list[dict]:
    content = plan.content if plan else {}
    return [
        {"key": key, "label": SECTION_LABELS.get(key, key), "items": content.get(key, [])}
        for key in SAFETY_PLAN_SECTIONS
    ]


@app_view()
def safety_plan(request):
    patient = own_patient(request.user)
    plan = plan_selectors.safety_plan_current(patient_id=patient.pk)
    if plan is not None:
        audited_read(
            request.user, [plan], object_type="safety_plan", data_category=plan_services.CATEGORY, patient=patient
        )
    return render(
        request,
        "patient_app/safety_plan.html",
        {"plan": plan, "sections": _plan_sections(plan), "support": support_for(patient)},
    )


@app_view()
def safety_plan_edit(request):
    patient = own_patient(request.user)
    plan = plan_selectors.safety_plan_current(patient_id=patient.pk)
    form = SafetyPlanForm(request.POST or None, initial_content=plan.content if plan else {})
    if request.method == "POST" and form.is_valid():
        plan_services.safety_plan_save(actor=request.user, patient=patient, content=form.content())
        return redirect("patient_app:safety_plan")
    if plan is not None and request.method == "GET":
        audited_read(
            request.user, [plan], object_type="safety_plan", data_category=plan_services.CATEGORY, patient=patient
        )
    return render(request, "patient_app/safety_plan_edit.html", {"form": form}, status=400 if form.errors else 200)


@app_view()
def my_plan(request):
    patient = own_patient(request.user)
    plan = plan_selectors.treatment_plan_latest(patient_id=patient.pk, signed_only=True)
    content, progress = {}, []
    if plan is not None:
        audited_read(request.user, [plan], object_type="treatment_plan", data_category="plan", patient=patient)
        content = plan.content
        progress = plan_selectors.treatment_plan_goal_progress(patient_id=patient.pk, plan=plan)
    strategies = [s if isinstance(s, str) else s.get("text", "") for s in content.get("coping_strategies", [])]
    return render(
        request,
        "patient_app/plan.html",
        {
            "plan": plan,
            "content": content,
            "progress": progress,
            "strategies": [s for s in strategies if s],
            "themes_allowed": consent_is_granted(patient_id=patient.pk, kind=ConsentKind.AI_PROCESSING),
        },
    )


@require_POST
@app_view()
def my_plan_acknowledge(request):
    patient = own_patient(request.user)
    plan = plan_selectors.treatment_plan_latest(patient_id=patient.pk, signed_only=True)
    if plan is None:
        raise Http404("No signed plan.")
    treatment.treatment_plan_acknowledge(actor=request.user, plan=plan)
    return redirect("patient_app:plan")


ACCESS_LOG_ROWS = 50


@app_view()
def me(request):
    patient = own_patient(request.user)
    events = list(patient_access_log(patient_id=patient.pk, patient_user_id=request.user.pk)[:ACCESS_LOG_ROWS])
    names = {
        u.pk: (u.display_name or u.username)
        for u in User.objects.filter(pk__in={e.actor_id for e in events if e.actor_id})
    }
    rows = [
        {
            "when": e.occurred_at,
            "who": None if e.action == AuditAction.AI_PROCESS else names.get(e.actor_id),
            "automated": e.action == AuditAction.AI_PROCESS,
            "role": e.actor_role,
            "action": e.action,
            "category": e.data_category,
        }
        for e in events
    ]
    audited_patient_read(request.user, patient, object_type="access_log", data_category="audit")
    schedules = list(Schedule.objects.filter(patient=patient).order_by("kind"))
    export = patient_export_latest(patient=patient)
    context = {
        "rows": rows,
        "schedules": schedules,
        "patient": patient,
        "export": export,
        "export_expired": request.GET.get("export") == "expired",
    }
    return render(request, "patient_app/me.html", context)
