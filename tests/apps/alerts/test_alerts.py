import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone

from apps.accounts.models import CareTeamMember, Device, device_token_digest
from apps.alerts import delivery as alert_delivery
from apps.alerts.models import Alert, AlertDelivery, AlertPolicy, DeliveryAttempt, RiskSignal
from apps.alerts.routing import policy_for
from apps.alerts.services import (
    alert_create_from_signal,
    alerts_escalate_due,
    alerts_process_pending,
    risk_signal_record,
)
from apps.audit.models import AuditEvent
from tests.conftest import make_user

PHQ9_URL = "/api/v1/me/questionnaires/"


def phq9(client, item9, **extra):
    answers = {f"phq9_{i}": 1 for i in range(1, 9)} | {"phq9_9": item9}
    return client.post(
        PHQ9_URL,
        {
            "id": str(uuid.uuid4()),
            "instrument": "phq9",
            "occurred_at": timezone.now().isoformat(),
            "timezone": "UTC",
            "answers": answers,
            **extra,
        },
        format="json",
    )


def signal(patient, kind="phq9_item9", level="high", source_id=None):
    return risk_signal_record(
        patient_id=patient.pk,
        source_type="test",
        source_id=source_id or uuid.uuid4(),
        kind=kind,
        level=level,
        evidence={"items": [{"item": "phq9_9", "answer": 2}]},
        occurred_at=timezone.now(),
    )


@pytest.fixture
def on_call(personas):
    user = make_user(personas.practice, "oncall", "care_team", display_name="On Call")
    supervisor = make_user(personas.practice, "super", "clinician", display_name="Supervisor")
    policy = policy_for(personas.practice.id)
    policy.on_call.add(user)
    policy.supervisors.add(supervisor)
    return user, supervisor


def recipients(alert, reason=None):
    qs = AlertDelivery.objects.filter(alert=alert)
    if reason:
        qs = qs.filter(reason=reason)
    return {d.recipient.username for d in qs}


def test_phq9_item9_raises_an_urgent_alert_routed_to_the_care_team_and_on_call(
    personas, as_user, on_call, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = phq9(as_user(personas.patient), item9=2)
    alert = Alert.objects.get()
    assert (alert.source, alert.severity, alert.state) == ("phq9", "urgent", "open")
    assert recipients(alert) == {"clin", "psych", "oncall"}
    assert alert.evidence[0]["items"][0] == {"item": "phq9_9", "answer": 2, "period": None, "loinc": "44260-8"}
    assert RiskSignal.objects.get().processed_at is not None
    assert AuditEvent.objects.filter(object_type="alert", action="create").exists()
    # The patient sees support, not "an alert was sent".
    support = response.json()["support"]
    assert support["resources"][0]["contact"] == "Call or text 988" and "care_team_notified" not in support


def test_the_practice_can_choose_to_tell_the_patient(personas, as_user):
    policy = policy_for(personas.practice.id)
    policy.tell_patient_alert_sent = True
    policy.save()
    assert "care_team_notified" in phq9(as_user(personas.patient), item9=1).json()["support"]


def test_a_risky_check_in_note_shows_support_at_once(personas, as_user):
    response = as_user(personas.patient).post(
        "/api/v1/me/checkins/",
        {
            "id": str(uuid.uuid4()),
            "occurred_at": timezone.now().isoformat(),
            "timezone": "UTC",
            "mood": 1,
            "anxiety": 9,
            "energy": 1,
            "note": "Honestly everyone would be better off without me.",
        },
        format="json",
    )
    assert response.json()["support"]["message"].startswith("Thank you")
    calm = as_user(personas.patient).post(
        "/api/v1/me/checkins/",
        {
            "id": str(uuid.uuid4()),
            "occurred_at": timezone.now().isoformat(),
            "timezone": "UTC",
            "mood": 7,
            "anxiety": 2,
            "energy": 6,
            "note": "Nice walk.",
        },
        format="json",
    )
    assert "support" not in calm.json()


@pytest.mark.parametrize(
    ("kind", "level", "severity", "source"),
    [
        ("phq9_item9", "moderate", "high", "phq9"),
        ("cssrs_plan", "high", "urgent", "cssrs_screener"),
        ("cssrs_wish_dead", "low", "routine", "cssrs_screener"),
        ("risk_language_passive_ideation", "moderate", "high", "risk_language"),
        ("reliable_deterioration", "moderate", "high", "reliable_deterioration"),
        ("missed_checkins", "low", "routine", "missed_checkins"),
    ],
)
def test_each_source_becomes_an_alert(personas, kind, level, severity, source):
    alert = alert_create_from_signal(signal=signal(personas.patient_profile, kind=kind, level=level))
    assert (alert.source, alert.severity) == (source, severity)


def test_routine_alerts_go_to_the_primary_clinician_only(personas):
    alert = alert_create_from_signal(signal=signal(personas.patient_profile, kind="cssrs_wish_dead", level="low"))
    assert recipients(alert) == {"clin"}


def test_repeats_update_the_open_alert_and_a_higher_severity_re_raises(personas, on_call):
    first = alert_create_from_signal(signal=signal(personas.patient_profile, kind="cssrs_wish_dead", level="low"))
    again = alert_create_from_signal(
        signal=signal(personas.patient_profile, kind="cssrs_suicidal_thoughts", level="low")
    )
    assert again.pk == first.pk and again.signal_count == 2
    worse = alert_create_from_signal(signal=signal(personas.patient_profile, kind="cssrs_plan", level="high"))
    assert worse.pk == first.pk and worse.severity == "urgent"
    assert recipients(worse, "severity_raised") == {"clin", "psych", "oncall"}
    assert Alert.objects.count() == 1


def session_signal(patient, present, kind, level):
    return risk_signal_record(
        patient_id=patient.pk,
        source_type="session_input",
        source_id=uuid.uuid4(),
        kind=kind,
        level=level,
        evidence={"spans": [], "clinician_present": str(present.pk)},
        occurred_at=timezone.now(),
    )


def test_new_evidence_of_the_same_severity_still_notifies(personas, on_call):
    first = alert_create_from_signal(signal=signal(personas.patient_profile, kind="risk_language_active_ideation"))
    assert recipients(first, "new") == {"clin", "psych", "oncall"}
    again = alert_create_from_signal(signal=signal(personas.patient_profile, kind="risk_language_plan_or_intent"))
    assert again.pk == first.pk and again.severity == "urgent"
    assert recipients(again, "evidence_2") == {"clin", "psych", "oncall"}
    third = alert_create_from_signal(signal=signal(personas.patient_profile, kind="risk_language_self_harm"))
    assert recipients(third, "evidence_3") == {"clin", "psych", "oncall"}
    # Weaker evidence is folded in without paging anyone.
    weaker = alert_create_from_signal(
        signal=signal(personas.patient_profile, kind="risk_language_passive_ideation", level="moderate")
    )
    assert weaker.pk == first.pk and AlertDelivery.objects.filter(alert=weaker).count() == 9


def test_the_clinician_in_the_room_is_never_paged_when_a_session_raises_or_adds_to_an_alert(personas, on_call):
    patient, clinician = personas.patient_profile, personas.clinician
    first = alert_create_from_signal(
        signal=session_signal(patient, clinician, "risk_language_passive_ideation", "moderate")
    )
    assert "clin" not in recipients(first) and recipients(first)
    raised = alert_create_from_signal(
        signal=session_signal(patient, clinician, "risk_language_active_ideation", "high")
    )
    assert raised.severity == "urgent" and recipients(raised, "severity_raised") == {"psych", "oncall"}
    more = alert_create_from_signal(signal=session_signal(patient, clinician, "risk_language_self_harm", "high"))
    assert recipients(more, "evidence_3") == {"psych", "oncall"}
    assert not AlertDelivery.objects.filter(alert=first, recipient=clinician).exists()


def test_outside_the_window_a_new_alert_is_created(personas, time_machine):
    time_machine.move_to("2026-03-01T10:00Z")
    first = alert_create_from_signal(signal=signal(personas.patient_profile, kind="cssrs_wish_dead", level="low"))
    time_machine.move_to("2026-03-03T10:00Z")
    second = alert_create_from_signal(signal=signal(personas.patient_profile, kind="cssrs_wish_dead", level="low"))
    assert first.pk != second.pk


def test_unacknowledged_urgent_alerts_escalate_on_time(personas, on_call, time_machine):
    time_machine.move_to("2026-03-01T10:00Z", tick=False)
    alert = alert_create_from_signal(signal=signal(personas.patient_profile, level="high"))
    AlertDelivery.objects.filter(alert=alert).delete()  # only escalations below
    time_machine.move_to("2026-03-01T10:14Z", tick=False)
    assert alerts_escalate_due() == 0
    time_machine.move_to("2026-03-01T10:15Z", tick=False)
    assert alerts_escalate_due() == 1
    assert recipients(alert, "escalation_1") == {"oncall"}
    time_machine.move_to("2026-03-01T10:30Z", tick=False)
    assert alerts_escalate_due() == 1
    assert recipients(alert, "escalation_2") == {"super"}
    time_machine.move_to("2026-03-01T10:45Z", tick=False)
    alerts_escalate_due()
    assert recipients(alert, "escalation_3") == {"clin", "psych", "oncall", "super"}  # repeats to everyone


def test_acknowledging_stops_escalation(personas, as_user, on_call, time_machine):
    time_machine.move_to("2026-03-01T10:00Z", tick=False)
    alert = alert_create_from_signal(signal=signal(personas.patient_profile, level="high"))
    response = as_user(personas.clinician).post(f"/api/v1/alerts/{alert.id}/acknowledge/")
    assert response.status_code == 200 and response.json()["state"] == "acknowledged"
    time_machine.move_to("2026-03-01T11:00Z", tick=False)
    assert alerts_escalate_due() == 0
    assert as_user(personas.clinician).post(f"/api/v1/alerts/{alert.id}/acknowledge/").status_code == 409


def test_resolving_needs_an_outcome_and_is_audited(personas, as_user):
    alert = alert_create_from_signal(signal=signal(personas.patient_profile, level="moderate"))
    client = as_user(personas.care_team)
    bad = client.post(f"/api/v1/alerts/{alert.id}/resolve/", {"outcome": "shrug"}, format="json")
    assert bad.status_code == 400 and "outcome" in bad.json()["error"]["fields"]
    ok = client.post(
        f"/api/v1/alerts/{alert.id}/resolve/",
        {"outcome": "contacted_patient", "note": "Called; safe; seen Thursday."},
        format="json",
    )
    assert ok.status_code == 200 and ok.json()["state"] == "resolved"
    detail = client.get(f"/api/v1/alerts/{alert.id}/").json()
    assert detail["note"] == "Called; safe; seen Thursday." and detail["acknowledged_by"] == str(personas.care_team.id)
    transitions = AuditEvent.objects.filter(object_type="alert", action="update", actor_id=personas.care_team.id)
    assert transitions.get().detail == {"from": "open", "to": "resolved", "outcome": "contacted_patient"}


def test_the_inbox_filters_and_uses_a_fixed_number_of_queries(personas, as_user, django_assert_max_num_queries):
    client = as_user(personas.clinician)
    alert_create_from_signal(signal=signal(personas.patient_profile, kind="cssrs_wish_dead", level="low"))
    client.get("/api/v1/alerts/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get("/api/v1/alerts/")
    for i in range(10):
        alert_create_from_signal(signal=signal(personas.patient_profile, kind=f"phq9_item9_{i}", level="high"))
        Alert.objects.filter(source="phq9").update(state="resolved")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get("/api/v1/alerts/").json()["count"] == 11
    assert client.get("/api/v1/alerts/", {"state": "open"}).json()["count"] == 1
    assert client.get("/api/v1/alerts/", {"severity": "urgent", "state": "resolved"}).json()["count"] == 10
    assert client.get("/api/v1/alerts/", {"severity": "catastrophic"}).status_code == 400


@pytest.mark.parametrize("who", ["unassigned_clinician", "outsider", "admin"])
def test_outsiders_get_nothing(personas, as_user, who):
    alert = alert_create_from_signal(signal=signal(personas.patient_profile))
    client = as_user(getattr(personas, who))
    assert client.get("/api/v1/alerts/").json()["results"] == []
    for url in (f"/api/v1/alerts/{alert.id}/", f"/api/v1/alerts/{alert.id}/acknowledge/"):
        response = client.get(url) if url.endswith(f"{alert.id}/") else client.post(url)
        assert response.status_code == 404


def test_patients_cannot_see_alerts(personas, as_user):
    assert as_user(personas.patient).get("/api/v1/alerts/").status_code == 403


# --- delivery: FCM through firebase-admin with the HTTP transport faked -------------------------
def _deliveries_for_clinician(personas, fcm, *, tokens=("tok-1",)):
    for token in tokens:
        Device.objects.create(user=personas.clinician, token=token, platform="ios", last_seen_at=timezone.now())
    CareTeamMember.objects.filter(patient=personas.patient_profile).exclude(user=personas.clinician).delete()
    alert = alert_create_from_signal(signal=signal(personas.patient_profile, kind="cssrs_wish_dead", level="low"))
    return alert, AlertDelivery.objects.get(alert=alert)


def test_push_success_is_logged_without_phi(personas, fcm):
    alert, delivery = _deliveries_for_clinician(personas, fcm)
    alert_delivery.deliver_one(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.push_status == "sent" and delivery.websocket_sent_at is not None
    message = fcm.messages[0]
    assert message["data"] == {"type": "alert", "alert_id": str(alert.id)}
    assert message["notification"]["body"] == "New routine alert \u2014 open Interlude"
    text = json.dumps(fcm.requests)
    for phi in ("Robin", "Quill", "pat", "phq9", "wish", str(personas.patient_profile.id)):
        assert phi not in text
    assert {(a.channel, a.result) for a in DeliveryAttempt.objects.all()} == {("websocket", "sent"), ("push", "sent")}


def test_an_unregistered_token_is_removed(personas, fcm):
    from tests.fakes.fcm import UNREGISTERED

    _, delivery = _deliveries_for_clinician(personas, fcm)
    fcm.scripted.append(UNREGISTERED)
    alert_delivery.deliver_one(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.push_status == "no_device"
    assert Device.objects.get(token_digest=device_token_digest("tok-1")).unregistered_at is not None
    assert DeliveryAttempt.objects.filter(channel="push", result="unregistered").exists()


def test_a_server_error_is_retried_then_succeeds(personas, fcm, time_machine, django_capture_on_commit_callbacks):
    from tests.fakes.fcm import SERVER_ERROR

    time_machine.move_to("2026-03-01T10:00Z", tick=False)
    _, delivery = _deliveries_for_clinician(personas, fcm)
    fcm.scripted.append(SERVER_ERROR)
    alert_delivery.deliver_one(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.push_status, delivery.push_attempts) == ("pending", 1)
    assert alert_delivery.redeliver_due() == 0  # backoff not over yet
    time_machine.move_to("2026-03-01T10:01Z", tick=False)
    with django_capture_on_commit_callbacks(execute=True) as queued:  # the tick queues an alerts.push job
        assert alert_delivery.redeliver_due() == 1
    assert len(queued) == 1
    delivery.refresh_from_db()
    assert (delivery.push_status, delivery.push_attempts) == ("sent", 2)
    assert [a.result for a in DeliveryAttempt.objects.filter(channel="push").order_by("at", "id")] == [
        "transient_error",
        "sent",
    ]


def test_push_gives_up_after_repeated_transient_errors(personas, fcm, time_machine):
    from tests.fakes.fcm import SERVER_ERROR

    time_machine.move_to("2026-03-01T10:00Z", tick=False)
    _, delivery = _deliveries_for_clinician(personas, fcm)
    for _ in range(alert_delivery.MAX_PUSH_ATTEMPTS):
        fcm.scripted.append(SERVER_ERROR)
        alert_delivery.deliver_one(delivery.pk)
        time_machine.shift(dt.timedelta(hours=1))
    delivery.refresh_from_db()
    assert delivery.push_status == "failed" and delivery.push_attempts == alert_delivery.MAX_PUSH_ATTEMPTS


def test_without_fcm_push_is_disabled_but_the_websocket_still_goes(personas, settings):
    from tests.fakes import fcm as fake

    fake.uninstall()
    settings.FCM_CREDENTIALS_FILE = None
    Device.objects.create(user=personas.clinician, token="t", platform="ios", last_seen_at=timezone.now())
    alert = alert_create_from_signal(signal=signal(personas.patient_profile, kind="cssrs_wish_dead", level="low"))
    delivery = AlertDelivery.objects.get(alert=alert)
    alert_delivery.deliver_one(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.push_status == "disabled" and delivery.websocket_sent_at is not None


def test_pending_signals_are_picked_up_by_the_scheduler(personas):
    RiskSignal.objects.create(
        patient=personas.patient_profile,
        source_type="test",
        source_id="x",
        kind="phq9_item9",
        level="high",
        evidence={},
        occurred_at=timezone.now(),
    )
    assert alerts_process_pending() == 1 and Alert.objects.count() == 1


def test_the_policy_is_editable_by_admins(personas, as_user, on_call):
    client = as_user(personas.admin)
    assert client.get("/api/v1/practice/alert-policy/").json()["escalation_minutes"] == 15
    ok = client.patch(
        "/api/v1/practice/alert-policy/",
        {"escalation_minutes": 10, "routing": {"urgent": ["care_team", "supervisor"]}},
        format="json",
    )
    assert ok.status_code == 200 and AlertPolicy.objects.get().escalation_minutes == 10
    bad = client.patch("/api/v1/practice/alert-policy/", {"routing": {"urgent": ["everyone"]}}, format="json")
    assert bad.status_code == 400 and "routing" in bad.json()["error"]["fields"]
    outsider = client.patch("/api/v1/practice/alert-policy/", {"on_call": [str(personas.outsider.id)]}, format="json")
    assert outsider.status_code == 400
    assert as_user(personas.clinician).get("/api/v1/practice/alert-policy/").status_code == 403


def test_crisis_resources_follow_the_patients_region(personas, as_user):
    personas.patient_profile.crisis_resource_region = "GB"
    personas.patient_profile.save()
    support = phq9(as_user(personas.patient), item9=1).json()["support"]
    assert [r["name"] for r in support["resources"]] == ["Samaritans", "NHS 111"]


def test_a_run_of_missed_check_ins_is_a_signal_when_enabled(personas):
    from apps.checkins.models import DueItem, Schedule
    from apps.checkins.services.schedules import reminders_dispatch

    policy = policy_for(personas.practice.id)
    policy.missed_checkins_days = 3
    policy.save()
    start = dt.datetime(2026, 3, 1, 20, tzinfo=dt.UTC)
    Schedule.objects.filter(patient=personas.patient_profile).delete()
    Schedule.objects.create(
        patient=personas.patient_profile,
        kind="mood",
        interval_days=1,
        time_of_day=dt.time(20),
        window_hours=24,
        next_due_at=start,
    )
    reminders_dispatch(now=start + dt.timedelta(days=3, hours=1))
    assert DueItem.objects.filter(status="missed").count() == 3
    assert RiskSignal.objects.get(kind="missed_checkins").level == "low"


def test_a_risky_journal_entry_offers_support_to_its_author(personas, as_user, django_capture_on_commit_callbacks):
    client = as_user(personas.patient)
    with django_capture_on_commit_callbacks(execute=True):
        entry = client.post(
            "/api/v1/me/journals/",
            {
                "id": str(uuid.uuid4()),
                "occurred_at": timezone.now().isoformat(),
                "timezone": "UTC",
                "text": "I keep thinking my kids would be fine without me.",
            },
            format="json",
        ).json()
    detail = client.get(f"/api/v1/me/journals/{entry['id']}/").json()
    assert detail["support"]["resources"] and "care_team_notified" not in detail["support"]


def test_the_alert_is_made_with_the_submission_and_only_delivery_is_queued(personas, as_user, on_call, monkeypatch):
    from apps.alerts.services import raising as services

    queued = []
    monkeypatch.setattr(services, "enqueue_on_commit", lambda name, **kwargs: queued.append((name, kwargs)))
    phq9(as_user(personas.patient), item9=2)
    alert = Alert.objects.get()
    assert RiskSignal.objects.get().alert == alert and AuditEvent.objects.filter(object_id=str(alert.pk)).exists()
    assert [name for name, _ in queued] == ["alerts.deliver"]
    assert set(queued[0][1]["delivery_ids"]) == {str(pk) for pk in alert.deliveries.values_list("pk", flat=True)}


def test_if_making_the_alert_fails_the_submission_is_kept_and_the_realtime_worker_makes_it(
    personas, as_user, monkeypatch
):
    from apps.alerts.services import raising as services

    def broken(*_args, **_kwargs):
        raise RuntimeError("routing is broken")

    queued, working = [], services.recipients
    monkeypatch.setattr(services, "recipients", broken)
    monkeypatch.setattr(services, "enqueue_on_commit", lambda name, **kwargs: queued.append(name))
    response = phq9(as_user(personas.patient), item9=2)
    assert response.status_code == 201
    signal_row = RiskSignal.objects.get()
    assert signal_row.processed_at is None and not Alert.objects.exists()  # the savepoint rolled back
    assert not AuditEvent.objects.filter(object_type="alert").exists()
    assert queued == ["alerts.process_signals"]
    monkeypatch.setattr(services, "recipients", working)
    assert alerts_process_pending() == 1
    signal_row.refresh_from_db()
    assert signal_row.alert.severity == "urgent" and Alert.objects.count() == 1


def test_one_delivery_job_sends_every_websocket_in_one_batch_and_a_failing_push_holds_none(
    personas, on_call, fcm, monkeypatch
):
    from tests.fakes.fcm import SERVER_ERROR

    Device.objects.create(user=personas.clinician, token="tok-1", platform="ios", last_seen_at=timezone.now())
    fcm.scripted.append(SERVER_ERROR)
    batches = []
    monkeypatch.setattr(alert_delivery, "notify_users", lambda events: batches.append(list(events)))
    alert = signal(personas.patient_profile).alert
    ids = [str(pk) for pk in alert.deliveries.values_list("pk", flat=True)]
    alert_delivery.deliver(ids)
    assert len(batches) == 1
    assert {str(user_id) for user_id, _, _ in batches[0]} == {
        str(pk) for pk in alert.deliveries.values_list("recipient_id", flat=True)
    }
    assert {event for _, event, _ in batches[0]} == {"alert.new"}
    deliveries = list(AlertDelivery.objects.filter(alert=alert))
    assert len(deliveries) == 3 and all(d.websocket_sent_at for d in deliveries)
    assert DeliveryAttempt.objects.filter(channel="websocket", result="sent").count() == 3
    assert AlertDelivery.objects.get(alert=alert, recipient=personas.clinician).push_status == "pending"  # backoff
    others = AlertDelivery.objects.filter(alert=alert).exclude(recipient=personas.clinician)
    assert {d.push_status for d in others} == {"no_device"}  # no device registered: settled together
    assert DeliveryAttempt.objects.filter(channel="push", result="no_device").count() == 2
    alert_delivery.deliver(ids)  # a retried job sends no websocket twice
    assert len(batches) == 1
