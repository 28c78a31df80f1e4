"""Quiet hours: reminders are held until the patient's own quiet hours end (local wall-clock time),
across midnight and across DST changes; the due item stays on the to-do list meanwhile."""

import datetime as dt

import pytest

from apps.checkins.models import DueItem, ReminderSettings
from apps.checkins.services.quiet_hours import QuietHours, quiet_hours_release, reminder_settings_set
from apps.checkins.services.schedules import REMINDER, reminders_dispatch
from apps.core.errors import Invalid
from tests.apps.checkins.test_reminders import at, mood_schedule

NIGHT = QuietHours(dt.time(22, 0), dt.time(7, 0))


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2026-06-10T21:59:00+01:00", "2026-06-10T21:59:00+01:00"),  # just before: sent as due
        ("2026-06-10T22:00:00+01:00", "2026-06-11T07:00:00+01:00"),  # evening: held to tomorrow morning
        ("2026-06-11T03:00:00+01:00", "2026-06-11T07:00:00+01:00"),  # after midnight: held to this morning
        ("2026-06-11T07:00:00+01:00", "2026-06-11T07:00:00+01:00"),  # the end itself is not quiet
    ],
)
def test_quiet_hours_across_midnight(when, expected):
    assert quiet_hours_release(at=at(when), tz_name="Europe/London", quiet=NIGHT) == at(expected)


def test_quiet_hours_within_one_day():
    lunch = QuietHours(dt.time(12, 0), dt.time(14, 0))
    assert quiet_hours_release(at=at("2026-06-10T13:00:00+00:00"), tz_name="UTC", quiet=lunch) == at(
        "2026-06-10T14:00:00+00:00"
    )
    assert quiet_hours_release(at=at("2026-06-10T23:00:00+00:00"), tz_name="UTC", quiet=lunch) == at(
        "2026-06-10T23:00:00+00:00"
    )


def test_quiet_hours_end_at_local_time_on_the_nights_the_clocks_change():
    # London springs forward on 29 March 2026 (01:00 GMT -> 02:00 BST): 07:00 that morning is 06:00 UTC.
    assert quiet_hours_release(at=at("2026-03-28T23:30:00+00:00"), tz_name="Europe/London", quiet=NIGHT) == at(
        "2026-03-29T06:00:00+00:00"
    )
    # ... and falls back on 25 October 2026 (02:00 BST -> 01:00 GMT): 07:00 that morning is 07:00 UTC.
    assert quiet_hours_release(at=at("2026-10-24T22:30:00+01:00"), tz_name="Europe/London", quiet=NIGHT) == at(
        "2026-10-25T07:00:00+00:00"
    )
    # Quiet hours ending inside the spring-forward gap (02:30 does not exist) end at the instant after it.
    gap = QuietHours(dt.time(23, 0), dt.time(2, 30))
    assert quiet_hours_release(at=at("2026-03-29T00:30:00+00:00"), tz_name="Europe/London", quiet=gap) == at(
        "2026-03-29T01:30:00+00:00"
    )


def test_no_quiet_hours_changes_nothing():
    instant = at("2026-06-10T03:00:00+00:00")
    assert quiet_hours_release(at=instant, tz_name="UTC", quiet=None) == instant


def test_a_reminder_due_in_quiet_hours_is_pushed_when_they_end(personas, fcm):
    schedule = mood_schedule(personas, tz="Europe/London", time="23:00", now="2026-03-28T12:00:00+00:00")
    reminder_settings_set(
        actor=personas.patient, patient=personas.patient_profile, quiet_start=dt.time(22), quiet_end=dt.time(7)
    )
    assert schedule.next_due_at == at("2026-03-28T23:00:00+00:00")
    result = reminders_dispatch(now=at("2026-03-28T23:00:30+00:00"))
    assert result["opened"] == 1 and result["reminded"] == 0 and fcm.messages == []
    item = DueItem.objects.get()
    assert item.remind_not_before == at("2026-03-29T06:00:00+00:00")  # 07:00 BST, the night the clocks change
    assert reminders_dispatch(now=at("2026-03-29T05:59:00+00:00"))["reminded"] == 0
    assert reminders_dispatch(now=at("2026-03-29T06:00:10+00:00"))["reminded"] == 1
    assert reminders_dispatch(now=at("2026-03-29T06:01:10+00:00"))["reminded"] == 0  # once only
    assert len(fcm.messages) == 1
    assert fcm.messages[0]["notification"] == {"title": REMINDER.title, "body": REMINDER.body}


def test_a_held_reminder_is_not_sent_once_the_item_is_done(personas, fcm):
    mood_schedule(personas, tz="UTC", time="23:00", now="2026-06-10T12:00:00+00:00")
    reminder_settings_set(
        actor=personas.patient, patient=personas.patient_profile, quiet_start=dt.time(22), quiet_end=dt.time(7)
    )
    reminders_dispatch(now=at("2026-06-10T23:00:30+00:00"))
    DueItem.objects.update(status="completed")
    assert reminders_dispatch(now=at("2026-06-11T07:00:30+00:00"))["reminded"] == 0


def test_quiet_hours_need_both_ends_and_differ(personas):
    with pytest.raises(Invalid):
        reminder_settings_set(
            actor=personas.patient, patient=personas.patient_profile, quiet_start=dt.time(22), quiet_end=None
        )
    with pytest.raises(Invalid):
        reminder_settings_set(
            actor=personas.patient, patient=personas.patient_profile, quiet_start=dt.time(7), quiet_end=dt.time(7)
        )
    reminder_settings_set(actor=personas.patient, patient=personas.patient_profile, quiet_start=None, quiet_end=None)
    assert ReminderSettings.objects.get(patient=personas.patient_profile).quiet_start is None
