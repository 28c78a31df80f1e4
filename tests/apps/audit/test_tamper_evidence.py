"""The keyed chain and its signed checkpoints against someone who can rewrite the audit table."""

import json
import os
import stat

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from apps.audit.chain import HASHED_FIELDS, event_hash, key_id_for, sign
from apps.audit.checkpoints import checkpoint_write
from apps.audit.models import AuditAction, AuditEvent
from apps.audit.pg_roles import app_role_grants, role_problems
from apps.audit.selectors import audit_chain_verify
from apps.audit.services import audit_log
from apps.audit.tasks import write_checkpoint
from backend.celery import REALTIME, app, route_for
from tests.conftest import require_service

KEY_A = "a-first-audit-key-of-forty-eight-characters-xyz"
KEY_B = "a-second-audit-key-of-forty-eight-characters-xy"


def _log(n: int) -> None:
    for i in range(n):
        audit_log(actor=None, action=AuditAction.READ, object_type="probe", object_id=str(i))


def _rehash_from(seq: int, *, key: bytes | None, key_id: str | None) -> None:
    """What an attacker with SQL access does after editing event ``seq``: recompute every later link."""
    prev = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else "0" * 64
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        values = {name: getattr(event, name) for name in HASHED_FIELDS}
        values = {k: (str(v) if k.endswith("_id") and v is not None else v) for k, v in values.items()}
        digest = event_hash(prev, values, key=key)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditevent SET prev_hash = %s, hash = %s, key_id = %s WHERE seq = %s",
                [prev, digest, key_id, event.seq],
            )
        prev = digest
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditchainhead SET last_hash = %s", [prev])


REWIND_HEAD = (
    "UPDATE audit_auditchainhead SET last_seq = 3, last_hash = (SELECT hash FROM audit_auditevent WHERE seq = 3)"
)


@pytest.fixture
def keyed(settings):
    settings.AUDIT_HMAC_KEYS = [KEY_A]
    return settings


def test_events_are_signed_with_the_configured_key(keyed, db):
    _log(2)
    assert set(AuditEvent.objects.values_list("key_id", flat=True)) == {key_id_for(KEY_A.encode())}
    assert audit_chain_verify().ok


@pytest.mark.parametrize("forger_key", [None, b"a-key-the-attacker-guessed"], ids=["plain-sha256", "wrong-key"])
def test_an_edited_event_with_the_rest_rehashed_fails(keyed, db, forger_key):
    _log(6)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET object_id = 'edited' WHERE seq = 3")
    stored_id = None if forger_key is None else key_id_for(KEY_A.encode())  # claims the real key's id
    _rehash_from(3, key=forger_key, key_id=stored_id)
    report = audit_chain_verify()
    assert not report.ok and report.first_broken_seq == 3, report
    with pytest.raises(CommandError, match="seq 3"):
        call_command("verify_audit_chain")


def test_a_whole_chain_rewritten_as_unkeyed_history_fails(keyed, db):
    _log(4)
    _rehash_from(1, key=None, key_id=None)
    report = audit_chain_verify()
    assert not report.ok and report.first_broken_seq == 1 and "unkeyed" in report.reason


def test_unkeyed_events_from_before_the_upgrade_verify_when_the_operator_counts_them(keyed, db):
    _log(3)
    _rehash_from(1, key=None, key_id=None)  # as written by the previous release
    keyed.AUDIT_UNKEYED_EVENTS = 3
    _log(2)
    assert audit_chain_verify().ok


def test_keys_rotate_and_an_unknown_key_is_reported(keyed, db):
    _log(2)
    keyed.AUDIT_HMAC_KEYS = [KEY_B, KEY_A]  # B signs from now on, A still verifies
    _log(2)
    assert AuditEvent.objects.filter(key_id=key_id_for(KEY_B.encode())).count() == 2
    assert audit_chain_verify().ok
    keyed.AUDIT_HMAC_KEYS = [KEY_B]
    report = audit_chain_verify()
    assert not report.ok and report.first_broken_seq == 1 and "not configured" in report.reason


def test_a_truncated_tail_fails_against_the_checkpoint(keyed, db):
    _log(5)
    checkpoint = checkpoint_write()
    assert checkpoint.seq == checkpoint.count == 5
    assert audit_chain_verify().checkpoints == 1
    with connection.cursor() as cursor:  # drop the last two events and rewind the head row to match
        cursor.execute("DELETE FROM audit_auditevent WHERE seq > 3")
        cursor.execute(REWIND_HEAD)
    report = audit_chain_verify()
    assert not report.ok and "tail was removed" in report.reason and report.first_broken_seq == 4
    with pytest.raises(CommandError, match="tail was removed"):
        call_command("verify_audit_chain")


def test_a_replaced_tail_fails_against_the_checkpoint(keyed, db):
    _log(4)
    checkpoint_write()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 4")
        cursor.execute(REWIND_HEAD)
    audit_log(actor=None, action=AuditAction.READ, object_type="probe", object_id="replacement")  # new seq 4
    report = audit_chain_verify()
    assert not report.ok and report.first_broken_seq == 4 and "checkpoint" in report.reason


def test_checkpoints_are_read_only_files_and_a_forged_one_is_refused(keyed, db):
    _log(2)
    checkpoint = checkpoint_write()
    assert stat.S_IMODE(os.stat(checkpoint.path).st_mode) == 0o400
    forged = {"seq": 1, "hash": "f" * 64, "count": 1, "written_at": "2026-01-01T00:00:00+00:00"}
    path = checkpoint.path.with_name("checkpoint-000000000001-forged.json")
    path.write_text(json.dumps({**forged, "key_id": key_id_for(KEY_A.encode()), "signature": sign(b"guess", forged)}))
    report = audit_chain_verify()
    assert not report.ok and "wrong signature" in report.reason


def test_the_checkpoint_task_runs_on_the_realtime_queue_on_a_schedule(keyed, db):
    assert route_for("audit.checkpoint") == {"queue": REALTIME}
    assert any(entry["task"] == "audit.checkpoint" for entry in app.conf.beat_schedule.values())
    _log(1)
    assert write_checkpoint.delay().get()["seq"] == 1
    call_command("verify_audit_chain", "--checkpoint")
    assert len(list(keyed.AUDIT_CHECKPOINT_DIR.glob("checkpoint-*.json"))) == 2


ROLE = "interlude_app_audit_test"
TAMPERING = [
    "UPDATE audit_append_only_guard SET enforced = 0",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_event_no_update_delete ON audit_auditevent",
    "SET session_replication_role = replica",
    "UPDATE audit_auditevent SET action = 'x'",
    "DELETE FROM audit_auditevent",
    "TRUNCATE audit_auditevent",
]


def test_the_restricted_postgresql_role_cannot_switch_the_audit_triggers_off(keyed, db):
    require_service(connection.vendor == "postgresql", "database roles are PostgreSQL's; ran on SQLite")
    _log(1)
    with connection.cursor() as cursor:  # all inside the test's transaction: the role goes with it
        cursor.execute(f"CREATE ROLE {ROLE} NOLOGIN")
        with pytest.raises(CommandError, match="has UPDATE on audit_auditevent"):
            for statement in app_role_grants(ROLE)[:2]:  # everything, before the audit tables are taken back
                cursor.execute(statement)
            call_command("audit_app_role", ROLE, "--check")
        call_command("audit_app_role", ROLE)  # as the owner: grants, then checks
        assert role_problems(ROLE) == []
        cursor.execute(f"SET ROLE {ROLE}")
        try:
            audit_log(actor=None, action=AuditAction.READ, object_type="probe", object_id="as-app")  # works
            for statement in TAMPERING:
                with pytest.raises(DatabaseError, match="permission denied|must be owner"), transaction.atomic():
                    cursor.execute(statement)
        finally:
            cursor.execute("RESET ROLE")
    assert AuditEvent.objects.count() == 2 and audit_chain_verify().ok
    assert role_problems("postgres"), "the owner (a superuser) is reported as able to"
