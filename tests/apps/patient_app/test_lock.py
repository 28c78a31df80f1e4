"""The app lock (apps/patient_app/lock.py): a hashed PIN, asked for after the chosen idle time; while
locked, pages go to the lock screen and the API refuses reads, but the safety plan and crisis lines stay
open; too many wrong PINs sign the phone out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from apps.audit.models import AuditEvent
from apps.patient_app.models import AppLock
from tests.apps.patient_app.test_pages import signed_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)


def with_lock(user, time_machine, pin="2580", idle="5") -> Client:
    time_machine.move_to(START, tick=False)
    client = signed_in(user)
    response = client.post("/app/me/lock/", {"pin": pin, "pin_again": pin, "idle_minutes": idle, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()
    return client


def idle(time_machine, minutes: float) -> None:
    time_machine.move_to(START + dt.timedelta(minutes=minutes), tick=False)


def test_the_pin_is_stored_only_as_a_password_hash(personas, time_machine):
    with_lock(personas.patient, time_machine)
    lock = AppLock.objects.get(user=personas.patient)
    assert "2580" not in lock.pin_hash and lock.pin_hash.startswith(("pbkdf2_", "argon2", "bcrypt", "scrypt", "md5"))
    assert "2580" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


@pytest.mark.parametrize("pin", ["12", "abcd", "1111", "1234", "9876"])
def test_short_or_easy_pins_are_refused_next_to_the_field(personas, pin):
    client = signed_in(personas.patient)
    response = client.post("/app/me/lock/", {"pin": pin, "pin_again": pin, "idle_minutes": "5", "password": PASSWORD})
    assert response.status_code == 400 and 'id="id_pin-error"' in response.content.decode()
    assert not AppLock.objects.exists()


def test_turning_the_lock_on_needs_the_password(personas):
    client = signed_in(personas.patient)
    response = client.post("/app/me/lock/", {"pin": "2580", "pin_again": "2580", "idle_minutes": "5", "password": "x"})
    assert response.status_code == 400 and not AppLock.objects.exists()


def test_after_the_idle_time_pages_go_to_the_lock_screen_and_the_api_refuses_reads(personas, time_machine):
    client = with_lock(personas.patient, time_machine)
    idle(time_machine, 4)
    assert client.get("/app/journal/").status_code == 200  # still within 5 minutes: activity restarts the clock
    idle(time_machine, 10)
    response = client.get("/app/journal/")
    assert response.status_code == 302 and response["Location"] == "/app/lock/?next=%2Fapp%2Fjournal%2F"
    assert client.get("/api/v1/me/checkins/").status_code == 423
    assert client.get("/app/me/").status_code == 302
    assert client.get("/app/safety-plan/edit/").status_code == 302


def test_while_locked_the_safety_plan_and_crisis_lines_stay_open(personas, time_machine):
    client = with_lock(personas.patient, time_machine)
    idle(time_machine, 30)
    assert client.get("/app/safety-plan/").status_code == 200
    page = client.get("/app/lock/?next=/app/me/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="crisis"' in html and 'href="/app/safety-plan/"' in html
    assert 'class="tabs"' not in html  # no way round the lock from the lock screen


def test_the_outbox_still_sends_while_locked(personas, time_machine):
    client = with_lock(personas.patient, time_machine)
    idle(time_machine, 30)
    response = client.post(
        "/api/v1/me/checkins/",
        {
            "id": "0b5a2f3c-51c8-4d52-9a57-1a2b3c4d5e6f",
            "occurred_at": START.isoformat(),
            "timezone": "UTC",
            "mood": 5,
            "anxiety": 5,
            "energy": 5,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content


def test_the_right_pin_unlocks_and_returns_to_the_page(personas, time_machine):
    client = with_lock(personas.patient, time_machine)
    idle(time_machine, 30)
    response = client.post("/app/lock/", {"pin": "2580", "next": "/app/journal/"})
    assert response.status_code == 302 and response["Location"] == "/app/journal/"
    assert client.get("/app/journal/").status_code == 200
    assert client.get("/api/v1/me/checkins/").status_code == 200


def test_the_lock_screen_never_redirects_off_the_app(personas, time_machine):
    client = with_lock(personas.patient, time_machine)
    idle(time_machine, 30)
    response = client.post("/app/lock/", {"pin": "2580", "next": "https://evil.example/app/"})
    assert response["Location"] == "/app/"


def test_wrong_pins_sign_the_phone_out_and_a_new_session_does_not_reset_the_count(personas, time_machine, settings):
    settings.PATIENT_LOCK_MAX_FAILURES = 3
    client = with_lock(personas.patient, time_machine)
    idle(time_machine, 30)
    response = client.post("/app/lock/", {"pin": "0000"})
    assert response.status_code == 400 and "2 more wrong tries" in response.content.decode()
    second = signed_in(personas.patient)  # the count is the account's, not this session's
    idle(time_machine, 60)
    assert second.post("/app/lock/", {"pin": "0001"}).status_code == 400
    response = client.post("/app/lock/", {"pin": "0002"})
    assert response.status_code == 302 and response["Location"] == "/app/signin/?reason=pin"
    assert "Clear-Site-Data" in response
    assert client.get("/app/").status_code == 302 and client.get("/app/")["Location"] == "/app/signin/"
    assert AuditEvent.objects.filter(action="lockout", detail__method="pin").count() == 1
    assert AppLock.objects.get().failures == 0


def test_background_fetches_do_not_keep_the_app_unlocked(personas, time_machine):
    client = with_lock(personas.patient, time_machine)
    idle(time_machine, 3)
    client.get("/app/journal/", HTTP_X_INTERLUDE_PREFETCH="1")
    idle(time_machine, 7)
    assert client.get("/app/journal/").status_code == 302


def test_turning_the_lock_off_needs_the_password(personas, time_machine):
    client = with_lock(personas.patient, time_machine)
    assert client.post("/app/me/lock/", {"action": "remove", "password": "wrong"}).status_code == 400
    assert client.post("/app/me/lock/", {"action": "remove", "password": PASSWORD}).status_code == 302
    assert not AppLock.objects.exists()
    idle(time_machine, 120)
    assert client.get("/app/journal/").status_code == 200
