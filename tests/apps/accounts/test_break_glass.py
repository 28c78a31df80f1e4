"""Break-glass: emergency read access outside the care team, through the one door, audited, alerted,
reviewed (issue 13)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from apps.accounts.models import BreakGlassGrant
from apps.accounts.services.devices import device_register
from apps.audit.models import AuditEvent
from tests.apps.checkins.factories import submit_phq9
from tests.conftest import make_patient

REASON = "Patient arrived at the front desk in crisis; primary clinician unreachable"


def _open(as_user, who, patient, reason=REASON):
    return as_user(who).post("/api/v1/break-glass/", {"patient": str(patient.pk), "reason": reason}, format="json")


def test_an_unassigned_clinician_is_refused_until_they_break_the_glass_then_reads_are_audited_under_it(
    personas, as_user
):
    patient = personas.patient_profile
    submit_phq9(patient, [1, 1, 1, 1, 1, 1, 1, 1, 0])
    url = f"/api/v1/patients/{patient.pk}/questionnaires/"
    assert as_user(personas.unassigned_clinician).get(url).status_code == 404

    response = _open(as_user, personas.unassigned_clinician, patient)
    assert response.status_code == 201, response.content
    grant_id = response.json()["id"]

    assert as_user(personas.unassigned_clinician).get(url).status_code == 200
    assert as_user(personas.unassigned_clinician).get(f"/api/v1/patients/{patient.pk}/brief/").status_code == 200
    events = AuditEvent.objects.filter(actor_id=personas.unassigned_clinician.pk, action="read")
    assert events.count() >= 2
    assert all(e.detail.get("break_glass_grant") == grant_id for e in events)
    opened = AuditEvent.objects.get(action="create", object_type="break_glass_grant")
    assert opened.object_id == grant_id and opened.patient_id == patient.pk
    assert REASON not in json.dumps(opened.detail)
    # the care team's own reads do not carry the grant
    as_user(personas.clinician).get(url)
    mine = AuditEvent.objects.filter(actor_id=personas.clinician.pk, action="read").latest("seq")
    assert "break_glass_grant" not in mine.detail


def test_the_grant_expires(personas, as_user):
    patient = personas.patient_profile
    _open(as_user, personas.unassigned_clinician, patient)
    BreakGlassGrant.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert as_user(personas.unassigned_clinician).get(f"/api/v1/patients/{patient.pk}/brief/").status_code == 404


def test_the_holder_can_end_it_early(personas, as_user):
    patient = personas.patient_profile
    grant_id = _open(as_user, personas.unassigned_clinician, patient).json()["id"]
    client = as_user(personas.unassigned_clinician)
    assert client.post(f"/api/v1/break-glass/{grant_id}/end/").status_code == 200
    assert client.get(f"/api/v1/patients/{patient.pk}/brief/").status_code == 404


def test_the_web_pages_go_through_the_same_door(personas, as_user):
    patient = personas.patient_profile
    browser = Client()
    browser.force_login(personas.unassigned_clinician)
    assert browser.get(f"/patients/{patient.pk}/").status_code == 404
    grant_id = _open(as_user, personas.unassigned_clinician, patient).json()["id"]
    assert browser.get(f"/patients/{patient.pk}/").status_code == 200
    assert AuditEvent.objects.filter(
        actor_id=personas.unassigned_clinician.pk, action="read", via="web", detail__break_glass_grant=grant_id
    ).exists()


@pytest.mark.parametrize(
    ("who", "reason", "status"),
    [
        ("unassigned_clinician", "", 400),  # a reason is required
        ("unassigned_clinician", "help", 400),  # ... and says something
        ("admin", REASON, 403),  # a practice admin sees no clinical content, emergency or not
        ("outsider", REASON, 404),  # another practice's clinician: the patient does not exist for them
        ("clinician", REASON, 409),  # already on the care team
        ("patient", REASON, 403),
    ],
)
def test_who_may_break_the_glass(personas, as_user, who, reason, status):
    assert _open(as_user, getattr(personas, who), personas.patient_profile, reason).status_code == status
    assert BreakGlassGrant.objects.count() == 0


def test_there_is_no_other_way_around_the_care_team_rule(personas, as_user):
    """A grant for one patient opens that patient only, and only clinical reads: the care-team
    management and another patient stay closed."""
    other = make_patient(personas.practice, "pat2", personas.clinician, name="Second Person")
    _open(as_user, personas.unassigned_clinician, personas.patient_profile)
    client = as_user(personas.unassigned_clinician)
    assert client.get(f"/api/v1/patients/{other.pk}/brief/").status_code == 404
    assert client.get(f"/api/v1/patients/{personas.outsider_patient_profile.pk}/brief/").status_code == 404


def test_admins_and_the_primary_clinician_are_alerted_at_once_without_phi(
    personas, as_user, fcm, django_capture_on_commit_callbacks, monkeypatch
):
    sent_events = []
    monkeypatch.setattr(
        "apps.accounts.tasks.notify_user", lambda user_id, event, data: sent_events.append((user_id, event, data))
    )
    for user in (personas.admin, personas.clinician):
        device_register(user=user, token=f"token-{user.username}", platform="ios")
    with django_capture_on_commit_callbacks(execute=True):
        grant_id = _open(as_user, personas.unassigned_clinician, personas.patient_profile).json()["id"]
    assert {user_id for user_id, _, _ in sent_events} == {personas.admin.pk, personas.clinician.pk}
    assert all(event == "break_glass.opened" and data["grant_id"] == grant_id for _, event, data in sent_events)
    assert len(fcm.messages) == 2
    sent = json.dumps([*fcm.messages, *[data for _, _, data in sent_events]])
    for phi in ("Robin", "Quill", "crisis", "front desk"):
        assert phi not in sent


def test_the_admin_review_queue_lists_reads_and_records_an_outcome(personas, as_user):
    patient = personas.patient_profile
    grant_id = _open(as_user, personas.unassigned_clinician, patient).json()["id"]
    as_user(personas.unassigned_clinician).get(f"/api/v1/patients/{patient.pk}/brief/")
    admin = as_user(personas.admin)
    queue = admin.get("/api/v1/break-glass/?pending=1").json()["results"]
    assert [g["id"] for g in queue] == [grant_id] and queue[0]["reason"] == REASON
    detail = admin.get(f"/api/v1/break-glass/{grant_id}/").json()
    assert any(r["action"] == "read" for r in detail["reads"])
    assert (
        as_user(personas.clinician)
        .post(f"/api/v1/break-glass/{grant_id}/review/", {"outcome": "appropriate"})
        .status_code
        == 404
    )
    reviewed = admin.post(f"/api/v1/break-glass/{grant_id}/review/", {"outcome": "appropriate", "note": "ok"})
    assert reviewed.status_code == 200 and reviewed.json()["review_outcome"] == "appropriate"
    assert admin.get("/api/v1/break-glass/?pending=1").json()["results"] == []
    assert as_user(personas.outsider).get(f"/api/v1/break-glass/{grant_id}/").status_code == 404


def test_the_reason_is_encrypted_at_rest(personas, as_user):
    _open(as_user, personas.unassigned_clinician, personas.patient_profile)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reason FROM accounts_breakglassgrant")
        (stored,) = cursor.fetchone()
    assert "crisis" not in stored


def test_the_practice_admin_reviews_in_the_web_app(personas, as_user):
    grant_id = _open(as_user, personas.unassigned_clinician, personas.patient_profile).json()["id"]
    as_user(personas.unassigned_clinician).get(f"/api/v1/patients/{personas.patient_profile.pk}/brief/")
    browser = Client()
    browser.force_login(personas.admin)
    page = browser.get("/practice/break-glass/")
    assert page.status_code == 200
    assert REASON in page.content.decode() and "Record review" in page.content.decode()
    done = browser.post(f"/practice/break-glass/{grant_id}/review/", {"outcome": "inappropriate", "note": "no"})
    assert done.status_code == 302
    assert BreakGlassGrant.objects.get(pk=grant_id).review_outcome == "inappropriate"
    clinician = Client()
    clinician.force_login(personas.clinician)
    assert clinician.get("/practice/break-glass/").status_code == 404


def test_the_grant_is_read_only(personas, as_user):
    from apps.alerts.models import Alert
    from apps.alerts.services import alerts_process_pending
    from tests.apps.alerts.test_alerts import signal

    patient = personas.patient_profile
    signal(patient)
    alerts_process_pending()
    alert = Alert.objects.get(patient=patient)
    _open(as_user, personas.unassigned_clinician, patient)
    client = as_user(personas.unassigned_clinician)
    base = f"/api/v1/patients/{patient.pk}"
    assert client.get(f"{base}/safety-plan/").status_code == 200
    assert client.post(f"{base}/safety-plan/", {"warning_signs": ["x"]}, format="json").status_code == 403
    sessions = client.post(f"{base}/sessions/", {"started_at": "2026-01-01T10:00Z", "modality": "video"}, format="json")
    assert sessions.status_code == 403
    assert client.post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 404
    assert Alert.objects.get(pk=alert.pk).state == "open"
    browser = Client()
    browser.force_login(personas.unassigned_clinician)
    assert browser.get(f"/patients/{patient.pk}/safety-plan/").status_code == 200
    assert browser.post(f"/patients/{patient.pk}/safety-plan/", {"warning_signs": "x"}).status_code == 403


def test_the_web_alert_pages_refuse_writes_under_a_grant(personas, as_user):
    from apps.alerts.models import Alert
    from apps.alerts.services import alerts_process_pending
    from tests.apps.alerts.test_alerts import signal

    signal(personas.patient_profile)
    alerts_process_pending()
    alert = Alert.objects.get(patient=personas.patient_profile)
    _open(as_user, personas.unassigned_clinician, personas.patient_profile)
    browser = Client()
    browser.force_login(personas.unassigned_clinician)
    assert browser.post(f"/alerts/{alert.pk}/acknowledge/").status_code == 404
    assert Alert.objects.get(pk=alert.pk).state == "open"
