"""Me → notifications: reminder times at the patient's local time, quiet hours, and web push (the token
registered through the device API as platform "web", generic payloads, the page honest when Firebase is
not configured)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from apps.accounts.models import Device
from apps.audit.models import AuditEvent
from apps.checkins.models import DueItem, ReminderSettings, Schedule
from apps.checkins.services.schedules import reminders_dispatch
from tests.apps.patient_app.test_pages import signed_in

pytestmark = pytest.mark.django_db

WEB_PUSH = {"FCM_PROJECT_ID": "interlude-test", "FCM_WEB_API_KEY": "web-key", "FCM_WEB_APP_ID": "1:2:web:3"}


def daily(patient, at="20:00"):
    return Schedule.objects.create(
        patient=patient,
        kind="mood",
        interval_days=1,
        time_of_day=dt.time.fromisoformat(at),
        window_hours=24,
        next_due_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
    )


def test_the_patient_sets_reminder_times_and_quiet_hours(personas):
    schedule = daily(personas.patient_profile)
    client = signed_in(personas.patient)
    page = client.get("/app/me/notifications/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="time_mood"' in html and 'value="20:00"' in html
    assert personas.patient_profile.timezone in html  # "your local time (…)"
    response = client.post(
        "/app/me/notifications/", {"time_mood": "08:15", "quiet_start": "22:00", "quiet_end": "07:00"}
    )
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.time_of_day == dt.time(8, 15)
    settings_row = ReminderSettings.objects.get(patient=personas.patient_profile)
    assert (settings_row.quiet_start, settings_row.quiet_end) == (dt.time(22), dt.time(7))
    assert AuditEvent.objects.filter(object_type="reminder_settings", action="update").count() == 1


def test_quiet_hours_with_one_end_are_refused_next_to_the_field(personas):
    daily(personas.patient_profile)
    client = signed_in(personas.patient)
    response = client.post("/app/me/notifications/", {"time_mood": "08:15", "quiet_start": "22:00"})
    assert response.status_code == 400
    assert 'id="id_quiet_end-error"' in response.content.decode()
    assert not ReminderSettings.objects.exists()


def test_without_firebase_the_page_says_reminders_are_on_the_to_do_list_only(personas, settings):
    settings.FCM_CREDENTIALS_FILE = None
    html = signed_in(personas.patient).get("/app/me/notifications/").content.decode()
    assert "data-push-unavailable" in html and "to-do list" in html
    assert "data-push-enable" not in html


def test_with_firebase_the_page_offers_push_on_a_tap_and_allows_the_firebase_endpoints(personas, settings, fcm):
    for name, value in {**WEB_PUSH, "FCM_WEB_VAPID_KEY": "BPublicVapidKey"}.items():
        setattr(settings, name, value)
    response = signed_in(personas.patient).get("/app/me/notifications/")
    html = response.content.decode()
    assert 'type="button" class="secondary" data-push-enable' in html
    assert 'data-vapid-key="BPublicVapidKey"' in html
    assert "https://fcmregistrations.googleapis.com" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_a_web_push_token_is_registered_through_the_device_api_and_reminders_carry_no_phi(personas, as_user, fcm):
    client = as_user(personas.patient)
    response = client.post("/api/v1/devices/", {"token": "web-fcm-token", "platform": "web"}, format="json")
    assert response.status_code == 201, response.content
    assert Device.objects.get(user=personas.patient).platform == "web"
    schedule = daily(personas.patient_profile)
    Schedule.objects.filter(pk=schedule.pk).update(next_due_at=dt.datetime(2026, 6, 10, 19, tzinfo=dt.UTC))
    assert reminders_dispatch(now=dt.datetime(2026, 6, 10, 19, 0, 30, tzinfo=dt.UTC))["reminded"] == 1
    message = fcm.messages[0]
    assert message["token"] == "web-fcm-token"
    assert message["data"] == {"type": "todo", "due_item_id": str(DueItem.objects.get().pk)}
    text = json.dumps(fcm.requests)
    for phi in ("Robin", "Quill", "Morgan", personas.patient.username, "mood", "phq", "London"):
        assert phi not in text


def test_a_web_reminder_inside_quiet_hours_waits_for_them_to_end(personas, fcm):
    Device.objects.create(user=personas.patient, token="web-1", platform="web", last_seen_at=dt.datetime.now(dt.UTC))
    schedule = daily(personas.patient_profile, at="23:00")
    Schedule.objects.filter(pk=schedule.pk).update(next_due_at=dt.datetime(2026, 6, 10, 22, tzinfo=dt.UTC))
    client = signed_in(personas.patient)
    client.post("/app/me/notifications/", {"time_mood": "23:00", "quiet_start": "22:00", "quiet_end": "07:00"})
    assert reminders_dispatch(now=dt.datetime(2026, 6, 10, 22, 0, 30, tzinfo=dt.UTC))["reminded"] == 0
    # 07:00 in London in June is 06:00 UTC.
    assert reminders_dispatch(now=dt.datetime(2026, 6, 11, 6, 0, 30, tzinfo=dt.UTC))["reminded"] == 1
    assert [m["token"] for m in fcm.messages] == ["web-1"]


def test_the_settings_page_needs_a_signed_in_patient(personas):
    assert Client().get("/app/me/notifications/")["Location"] == "/app/signin/"
    staff = Client()
    staff.force_login(personas.clinician)
    assert staff.get("/app/me/notifications/").status_code == 404
