"""Append-only, hash-chained audit trail.

Invariants:
- Events are never updated or deleted: the model refuses, and a database trigger (installed by
  migration 0002 on SQLite and PostgreSQL) refuses raw SQL too.
- ``seq`` is gap-free and ordered; ``hash = HMAC(key, prev_hash + canonical(event))`` with a key kept
  outside the database (``apps/audit/chain.py``), so any edit, deletion or reordering breaks the chain at
  that point even if the rest is re-hashed, and signed checkpoints written outside the database
  (``apps/audit/checkpoints.py``) expose a truncated tail (``manage.py verify_audit_chain``).
- Events hold identifiers and categories, never PHI values (no names, text, answers).
"""

from __future__ import annotations

import uuid

from django.db import models


class AuditAction(models.TextChoices):
    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    SIGN = "sign"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOCKOUT = "lockout"
    LOGOUT = "logout"
    ENROL = "enrol"
    CONSENT = "consent"
    AI_PROCESS = "ai_process"
    KEY_ROTATION = "key_rotation"
    MFA_ENROL = "mfa_enrol"
    MFA_VERIFY = "mfa_verify"
    MFA_FAILED = "mfa_failed"
    MFA_RESET = "mfa_reset"
    TOKEN_REVOKE = "token_revoke"  # noqa: S105 - an action name, not a secret


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit events are append-only")

    def delete(self):
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    occurred_at = models.DateTimeField(db_index=True)
    practice_id = models.UUIDField(null=True, blank=True, db_index=True)
    actor_id = models.UUIDField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.UUIDField(null=True, blank=True, db_index=True)
    data_category = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    via = models.CharField(max_length=16, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # Which AUDIT_HMAC_KEYS entry signed the hash; null on events written before the chain was keyed.
    # Nullable so adding it is a plain ADD COLUMN (a rebuilt SQLite table would lose its triggers).
    key_id = models.CharField(max_length=16, null=True, blank=True, editable=False)  # noqa: DJ001

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["patient_id", "occurred_at"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are append-only")


class AuditChainHead(models.Model):
    """One row (id=1) holding the chain's tip; locked while appending so the chain stays linear."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
