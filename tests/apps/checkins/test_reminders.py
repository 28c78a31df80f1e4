import datetime as dt
import json

from apps.accounts import push
from apps.accounts.models import Device, device_token_digest
from apps.checkins.models import DueItem, DueStatus, Schedule
from apps.checkins.services.schedules import first_occurrence, reminders_dispatch, schedule_set
from tests.apps.checkins.factories import submit_checkin

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(UTC)


def mood_schedule(personas, *, tz="America/New_York", time="20:00", now="2026-03-05T12:00:00+00:00"):
    personas.patient_profile.timezone = tz
    personas.patient_profile.save()
    Schedule.objects.filter(patient=personas.patient_profile).delete()
    schedule = Schedule.objects.create(
        patient=personas.patient_profile,
        kind="mood",
        interval_days=1,
        time_of_day=dt.time.fromisoformat(time),
        window_hours=24,
        next_due_at=first_occurrence(interval_days=1, at=dt.time.fromisoformat(time), tz_name=tz, after=at(now)),
    )
    Device.objects.create(user=personas.patient, token="phone-1", platform="ios", last_seen_at=at(now))
    return schedule


def test_reminders_follow_local_time_across_the_spring_dst_change(personas, fcm):
    schedule = mood_schedule(personas)
    for _ in range(5):
        schedule.refresh_from_db()
        reminders_dispatch(now=schedule.next_due_at + dt.timedelta(seconds=30))
    # 20:00 EST is 01:00 UTC; from 8 March 2026 (DST), 20:00 EDT is 00:00 UTC.
    assert [d.due_at for d in DueItem.objects.order_by("due_at")] == [
        at("2026-03-06T01:00:00+00:00"),
        at("2026-03-07T01:00:00+00:00"),
        at("2026-03-08T01:00:00+00:00"),
        at("2026-03-09T00:00:00+00:00"),
        at("2026-03-10T00:00:00+00:00"),
    ]
    assert len(fcm.messages) == 5


def test_reminders_follow_local_time_across_the_autumn_dst_change(personas, fcm):
    schedule = mood_schedule(personas, tz="Europe/London", time="08:30", now="2026-10-23T12:00:00+00:00")
    assert schedule.next_due_at == at("2026-10-24T07:30:00+00:00")  # 08:30 BST
    reminders_dispatch(now=at("2026-10-24T07:29:00+00:00"))  # not due yet
    assert DueItem.objects.count() == 0
    reminders_dispatch(now=at("2026-10-24T07:30:30+00:00"))
    schedule.refresh_from_db()
    assert schedule.next_due_at == at("2026-10-25T08:30:00+00:00")  # BST ended at 02:00: 08:30 GMT


def test_a_reminder_is_pushed_without_phi(personas, fcm):
    schedule = mood_schedule(personas)
    result = reminders_dispatch(now=schedule.next_due_at)
    assert result == {"opened": 1, "reminded": 1, "missed": 0}
    message = fcm.messages[0]
    item = DueItem.objects.get()
    assert message["token"] == "phone-1" and message["data"] == {"type": "todo", "due_item_id": str(item.id)}
    text = json.dumps(fcm.requests)
    for phi in ("Robin", "Quill", "Morgan", personas.patient.username, "phq", "mood"):
        assert phi not in text


def test_the_to_do_list_and_completion(personas, as_user, fcm, time_machine):
    schedule = mood_schedule(personas)
    time_machine.move_to(schedule.next_due_at + dt.timedelta(minutes=1))
    reminders_dispatch()
    client = as_user(personas.patient)
    assert [i["kind"] for i in client.get("/api/v1/me/todo/").json()] == ["mood"]
    submit_checkin(personas.patient_profile, when=schedule.next_due_at + dt.timedelta(minutes=5), tz="America/New_York")
    assert client.get("/api/v1/me/todo/").json() == []
    assert DueItem.objects.get().status == DueStatus.COMPLETED


def test_a_check_in_shortly_before_the_reminder_counts_and_suppresses_it(personas, fcm):
    schedule = mood_schedule(personas)
    submit_checkin(personas.patient_profile, when=schedule.next_due_at - dt.timedelta(hours=1), tz="America/New_York")
    result = reminders_dispatch(now=schedule.next_due_at)
    assert result["reminded"] == 0 and DueItem.objects.get().status == DueStatus.COMPLETED
    assert fcm.requests == []


def test_missed_items_are_recorded_for_adherence(personas, as_user, fcm):
    schedule = mood_schedule(personas)
    first_due = schedule.next_due_at
    reminders_dispatch(now=first_due)
    result = reminders_dispatch(now=first_due + dt.timedelta(hours=24, minutes=1))
    assert result["missed"] == 1
    adherence = as_user(personas.clinician).get(f"/api/v1/patients/{personas.patient_profile.id}/adherence/").json()
    assert adherence == [{"kind": "mood", "due": 2, "completed": 0, "missed": 1, "pending": 1, "rate": 0.0}]


def test_downtime_is_back_filled_as_missed(personas, fcm):
    schedule = mood_schedule(personas)
    result = reminders_dispatch(now=schedule.next_due_at + dt.timedelta(days=3, hours=1))
    assert result["opened"] == 4 and result["missed"] == 3 and result["reminded"] == 1


def test_an_unregistered_token_is_retired(personas, fcm):
    from tests.fakes.fcm import UNREGISTERED

    schedule = mood_schedule(personas)
    fcm.scripted.append(UNREGISTERED)
    reminders_dispatch(now=schedule.next_due_at)
    assert Device.objects.get(token_digest=device_token_digest("phone-1")).unregistered_at is not None


def test_without_fcm_credentials_push_is_disabled_but_items_still_open(personas, settings):
    from tests.fakes import fcm as fake

    fake.uninstall()
    settings.FCM_CREDENTIALS_FILE = None
    schedule = mood_schedule(personas)
    assert push.firebase_app() is None
    result = reminders_dispatch(now=schedule.next_due_at)
    assert result == {"opened": 1, "reminded": 0, "missed": 0}


def test_patients_not_yet_enrolled_get_no_reminders(personas, fcm):
    from tests.conftest import make_patient

    newcomer = make_patient(personas.practice, None, personas.clinician, name="Not Yet")
    Schedule.objects.create(
        patient=newcomer,
        kind="mood",
        interval_days=1,
        time_of_day=dt.time(9),
        window_hours=24,
        next_due_at=at("2026-01-01T09:00:00+00:00"),
    )
    assert reminders_dispatch(now=at("2026-01-02T09:00:00+00:00"))["opened"] == 0


def test_the_care_team_sets_a_schedule(personas, as_user):
    url = f"/api/v1/patients/{personas.patient_profile.id}/schedules/"
    client = as_user(personas.clinician)
    created = client.post(
        url, {"kind": "cssrs_screener", "interval_days": 7, "time_of_day": "18:00", "window_hours": 48}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert (
        client.post(
            url, {"kind": "tarot", "interval_days": 7, "time_of_day": "18:00", "window_hours": 48}, format="json"
        ).status_code
        == 400
    )
    assert (
        as_user(personas.patient)
        .post(url, {"kind": "mood", "interval_days": 1, "time_of_day": "18:00", "window_hours": 24}, format="json")
        .status_code
        == 404  # a staff endpoint: the patient gets the 404 of a record they may not see
    )
    kinds = [s["kind"] for s in client.get(url).json()["results"]]
    assert "cssrs_screener" in kinds


def test_enrolment_applies_the_practice_default_schedules(personas, as_user, anon):
    from tests.conftest import make_patient

    newcomer = make_patient(personas.practice, None, personas.clinician, name="New Person")
    code = as_user(personas.clinician).post(f"/api/v1/patients/{newcomer.id}/invitations/").json()["code"]
    anon.post(
        "/api/v1/enrolment/redeem/",
        {"code": code, "username": "newbie", "password": "a-long-enough-pass"},
        format="json",
    )
    assert set(Schedule.objects.filter(patient=newcomer).values_list("kind", flat=True)) == {"mood", "phq9", "gad7"}


def test_schedule_set_recomputes_the_next_reminder(personas, time_machine):
    time_machine.move_to("2026-06-01T12:00:00+00:00")
    schedule = schedule_set(
        actor=personas.clinician,
        patient=personas.patient_profile,
        kind="phq9",
        interval_days=14,
        time_of_day=dt.time(10),
        window_hours=72,
    )
    assert schedule.next_due_at == at("2026-06-02T09:00:00+00:00")  # 10:00 BST tomorrow
