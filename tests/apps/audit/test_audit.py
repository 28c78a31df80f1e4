import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from apps.audit.models import AuditAction, AuditEvent
from apps.audit.selectors import audit_chain_verify
from apps.audit.services import audit_log


def test_the_chain_verifies_after_real_activity(personas, as_user):
    as_user(personas.clinician).get(f"/api/v1/patients/{personas.patient_profile.id}/")
    report = audit_chain_verify()
    assert report.ok and report.checked == AuditEvent.objects.count() > 5
    call_command("verify_audit_chain")


def test_a_tampered_event_is_reported_as_the_first_broken_link(personas):
    events = list(AuditEvent.objects.order_by("seq"))
    target = events[3]
    with connection.cursor() as cursor:  # raw SQL, as an attacker with DB access would (guard off in tests)
        cursor.execute("UPDATE audit_auditevent SET action = 'read' WHERE seq = %s", [target.seq])
    report = audit_chain_verify()
    assert not report.ok and report.first_broken_seq == target.seq
    with pytest.raises(CommandError, match=f"seq {target.seq}"):
        call_command("verify_audit_chain")


def test_a_deleted_event_is_reported(personas):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 2")
    report = audit_chain_verify()
    assert not report.ok and report.first_broken_seq == 2


def test_events_cannot_be_changed_through_the_orm(personas):
    event = AuditEvent.objects.first()
    event.action = "delete"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.update(action="x")


def test_the_database_refuses_updates_and_deletes(personas):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_append_only_guard SET enforced = 1")
        for statement in ("UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                cursor.execute(statement)


def test_audit_details_refuse_phi_shaped_keys(db):
    with pytest.raises(ValueError):
        audit_log(actor=None, action=AuditAction.READ, object_type="x", detail={"full_name": "Robin"})


def test_every_phi_read_through_the_api_leaves_an_event(personas, as_user):
    before = AuditEvent.objects.count()
    client = as_user(personas.clinician)
    pid = personas.patient_profile.id
    client.get(f"/api/v1/patients/{pid}/")
    client.get("/api/v1/patients/")
    client.get(f"/api/v1/patients/{pid}/care-team/")
    client.get(f"/api/v1/patients/{pid}/consents/")
    reads = AuditEvent.objects.filter(seq__gt=before, action="read", patient_id=pid, actor_id=personas.clinician.id)
    assert sorted(reads.values_list("object_type", flat=True)) == ["care_team_member", "consent", "patient", "patient"]
    team_read = reads.get(object_type="care_team_member")  # one event per patient per request, naming each row
    assert team_read.detail["count"] == 2 and len(team_read.detail["object_ids"]) == 2
    assert all(e.request_id not in ("", "-") for e in reads)


def test_requests_carry_a_request_id_into_events(personas, as_user):
    response = as_user(personas.clinician).get(
        f"/api/v1/patients/{personas.patient_profile.id}/", HTTP_X_REQUEST_ID="trace-abc-12345"
    )
    assert response["X-Request-ID"] == "trace-abc-12345"
    assert AuditEvent.objects.filter(request_id="trace-abc-12345", action="read").exists()


def test_admins_query_their_practices_events_with_filters(personas, as_user):
    as_user(personas.clinician).get(f"/api/v1/patients/{personas.patient_profile.id}/")
    client = as_user(personas.admin)
    response = client.get(
        "/api/v1/audit/events/",
        {"patient": str(personas.patient_profile.id), "action": "read", "actor": str(personas.clinician.id)},
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 1 and results[0]["actor_label"] == "clin"
    assert client.get("/api/v1/audit/events/", {"action": "dance"}).status_code == 400
    bad_range = client.get("/api/v1/audit/events/", {"since": "2026-02-01T00:00Z", "until": "2026-01-01T00:00Z"})
    assert bad_range.status_code == 400 and "until" in bad_range.json()["error"]["fields"]
    assert as_user(personas.clinician).get("/api/v1/audit/events/").status_code == 403


def test_a_patient_sees_who_accessed_their_record_and_ai_processing(personas, as_user):
    as_user(personas.clinician).get(f"/api/v1/patients/{personas.patient_profile.id}/")
    as_user(personas.patient).get("/api/v1/me/profile/")  # own reads are not listed
    audit_log(
        actor=None,
        action=AuditAction.AI_PROCESS,
        object_type="journal_entry",
        patient_id=personas.patient_profile.id,
        practice_id=personas.practice.id,
        data_category="journal",
        detail={"job": "transcription", "model": "faster-whisper tiny.en"},
    )
    entries = as_user(personas.patient).get("/api/v1/me/access-log/").json()["results"]
    assert entries[0]["who"] == "Interlude (automated)" and entries[0]["detail"]["job"] == "transcription"
    reads = [e for e in entries if e["action"] == "read"]
    assert [(e["who"], e["role"], e["data_category"]) for e in reads] == [("Dr. Ada Byrne", "clinician", "profile")]
    assert as_user(personas.clinician).get("/api/v1/me/access-log/").status_code == 403
