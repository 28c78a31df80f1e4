"""Staff actions on alerts: acknowledge, resolve, and the practice's alert-policy edit.

Each is one transaction with its audit row; state changes are broadcast to the care team's sockets
after commit (best effort: the inbox re-reads on reconnect).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.alerts.models import Alert, AlertPolicy, AlertState
from apps.audit.services import AuditAction, audit_log
from apps.core.errors import Conflict
from apps.core.realtime import on_commit_best_effort


def _transition(*, actor: User, alert: Alert, to: str, **fields) -> Alert:
    from apps.alerts.delivery import broadcast_state

    with transaction.atomic():
        alert = Alert.objects.select_for_update().get(pk=alert.pk)
        was = alert.state
        for name, value in fields.items():
            setattr(alert, name, value)
        alert.state = to
        if to != AlertState.OPEN:
            alert.next_escalation_at = None
        alert.save()
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="alert",
            object_id=alert.pk,
            patient_id=alert.patient_id,
            data_category="alert",
            detail={"from": was, "to": to, "outcome": fields.get("outcome", "")},
        )
        on_commit_best_effort(broadcast_state, alert.pk, "alert.updated")
    return alert


def alert_acknowledge(*, actor: User, alert: Alert) -> Alert:
    if alert.state != AlertState.OPEN:
        raise Conflict(f"This alert is already {alert.state}.", code="invalid_state")
    return _transition(
        actor=actor, alert=alert, to=AlertState.ACKNOWLEDGED, acknowledged_by=actor, acknowledged_at=timezone.now()
    )


def alert_resolve(*, actor: User, alert: Alert, outcome: str, note: str = "") -> Alert:
    if alert.state == AlertState.RESOLVED:
        raise Conflict("This alert is already resolved.", code="invalid_state")
    extra = {} if alert.acknowledged_at else {"acknowledged_by": actor, "acknowledged_at": timezone.now()}
    return _transition(
        actor=actor,
        alert=alert,
        to=AlertState.RESOLVED,
        resolved_by=actor,
        resolved_at=timezone.now(),
        outcome=outcome,
        note=note,
        **extra,
    )


def alert_policy_update(*, actor: User, policy: AlertPolicy, changes: dict[str, Any]) -> AlertPolicy:
    """Apply validated changes (``on_call`` and ``supervisors`` are lists of users) and audit which
    fields changed, in one transaction."""
    people = {name: changes.pop(name) for name in ("on_call", "supervisors") if name in changes}
    with transaction.atomic():
        for name, value in changes.items():
            setattr(policy, name, value)
        policy.save()
        for name, users in people.items():
            getattr(policy, name).set(users)
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="alert_policy",
            object_id=policy.pk,
            detail={"fields": sorted([*changes, *people])},
        )
    return policy
