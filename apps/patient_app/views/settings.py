"""Me → notifications: the time of each reminder (the patient's local time), quiet hours, and web push
on this phone when the practice configured Firebase. Thin adapters over the check-in services."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse

from apps.accounts import push
from apps.accounts.door import audited_patient_read, own_patient
from apps.checkins.models import Schedule
from apps.checkins.selectors.reminders import quiet_hours_get
from apps.checkins.services.quiet_hours import reminder_settings_set
from apps.checkins.services.schedules import schedule_set
from apps.core.errors import ServiceError
from apps.patient_app.forms import ReminderSettingsForm
from apps.patient_app.views.account import add_service_error
from apps.patient_app.web import app_view


@app_view()
def notifications(request):
    patient = own_patient(request.user)
    schedules = list(Schedule.objects.filter(patient=patient, active=True).order_by("kind"))
    quiet = quiet_hours_get(patient.pk)
    initial = {"quiet_start": quiet.start, "quiet_end": quiet.end} if quiet else {}
    form = ReminderSettingsForm(request.POST or None, schedules=schedules, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            for schedule in schedules:
                at = data[f"time_{schedule.kind}"]
                if at != schedule.time_of_day:
                    schedule_set(
                        actor=request.user,
                        patient=patient,
                        kind=schedule.kind,
                        interval_days=schedule.interval_days,
                        time_of_day=at,
                        window_hours=schedule.window_hours,
                    )
            reminder_settings_set(
                actor=request.user, patient=patient, quiet_start=data["quiet_start"], quiet_end=data["quiet_end"]
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            return redirect(reverse("patient_app:notifications") + "?saved=1")
    if request.method == "GET":
        audited_patient_read(request.user, patient, object_type="reminder_settings", data_category="schedule")
    context = {
        "form": form,
        "patient": patient,
        "saved": bool(request.GET.get("saved")),
        "web_push": push.web_push_config(),
    }
    return render(request, "patient_app/notifications.html", context, status=400 if form.errors else 200)
