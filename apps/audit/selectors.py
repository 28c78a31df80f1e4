from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from apps.audit.chain import GENESIS_HASH, HASHED_FIELDS, event_hash
from apps.audit.models import AuditAction, AuditEvent


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def audit_chain_verify(*, batch_size: int = 2000) -> ChainReport:
    """Walk the chain in ``seq`` order; report the first event whose link or hash is wrong."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    last_seq = 0
    while True:
        batch = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch_size])
        if not batch:
            return ChainReport(ok=True, checked=checked)
        for event in batch:
            if event.seq != expected_seq:
                return ChainReport(False, checked, expected_seq, f"event {expected_seq} is missing")
            if event.prev_hash != expected_prev:
                return ChainReport(False, checked, event.seq, "prev_hash does not match the previous event")
            values = {name: getattr(event, name) for name in HASHED_FIELDS}
            values = {k: (str(v) if k.endswith("_id") and v is not None else v) for k, v in values.items()}
            if event_hash(event.prev_hash, values) != event.hash:
                return ChainReport(False, checked, event.seq, "event content does not match its hash")
            expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
            last_seq = event.seq


def audit_events_for_practice(*, practice_id, filters: dict) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.filter(practice_id=practice_id)
    if filters.get("patient"):
        qs = qs.filter(patient_id=filters["patient"])
    if filters.get("actor"):
        qs = qs.filter(actor_id=filters["actor"])
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    if filters.get("since"):
        qs = qs.filter(occurred_at__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(occurred_at__lt=filters["until"])
    return qs.order_by("-seq")


def patient_access_log(*, patient_id, patient_user_id) -> QuerySet[AuditEvent]:
    """What a patient may see about their own record: who (other than themself) read or changed it,
    and which AI processing ran on it."""
    return (
        AuditEvent.objects.filter(patient_id=patient_id)
        .exclude(actor_id=patient_user_id)
        .exclude(action__in=[AuditAction.LOGIN, AuditAction.LOGIN_FAILED, AuditAction.LOCKOUT, AuditAction.LOGOUT])
        .order_by("-seq")
    )
