from __future__ import annotations

import hmac
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet

from apps.audit.chain import GENESIS_HASH, HASHED_FIELDS, event_hash
from apps.audit.checkpoints import CheckpointError, checkpoints_load
from apps.audit.keys import verification_keys
from apps.audit.models import AuditAction, AuditEvent


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""
    checkpoints: int = 0


def _event_key(event: AuditEvent, keys: dict[str, bytes]) -> tuple[bytes | None, str]:
    """The key to check ``event`` with, or why it cannot be checked."""
    if not event.key_id:
        # Events from before the chain was keyed carry a plain SHA-256; the operator names how many there
        # were (in the environment, out of reach of the database), so a rewritten chain cannot pose as old.
        if event.seq <= settings.AUDIT_UNKEYED_EVENTS:
            return None, ""
        return None, "an unkeyed event beyond AUDIT_UNKEYED_EVENTS"
    key = keys.get(event.key_id)
    return key, "" if key else f"signed with key {event.key_id}, which is not configured"


def audit_chain_verify(*, batch_size: int = 2000) -> ChainReport:
    """Walk the chain in ``seq`` order and report the first event whose link or keyed hash is wrong;
    then hold it against every signed checkpoint (a checkpoint's event must still carry its hash, so a
    re-written or truncated tail fails)."""
    try:
        checkpoints = checkpoints_load()
    except CheckpointError as exc:
        return ChainReport(False, 0, None, f"checkpoint: {exc}")
    expected_at = {c.seq: c for c in checkpoints}
    keys = verification_keys()
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    last_seq = 0
    while True:
        batch = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch_size])
        if not batch:
            break
        for event in batch:
            if event.seq != expected_seq:
                return ChainReport(False, checked, expected_seq, f"event {expected_seq} is missing")
            if event.prev_hash != expected_prev:
                return ChainReport(False, checked, event.seq, "prev_hash does not match the previous event")
            key, problem = _event_key(event, keys)
            if problem:
                return ChainReport(False, checked, event.seq, problem)
            values = {name: getattr(event, name) for name in HASHED_FIELDS}
            values = {k: (str(v) if k.endswith("_id") and v is not None else v) for k, v in values.items()}
            if not hmac.compare_digest(event_hash(event.prev_hash, values, key=key), event.hash):
                return ChainReport(False, checked, event.seq, "event content does not match its hash")
            checkpoint = expected_at.get(event.seq)
            if checkpoint is not None and checkpoint.hash != event.hash:
                return ChainReport(False, checked, event.seq, f"differs from checkpoint {checkpoint.path.name}")
            expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
            last_seq = event.seq
    if checkpoints and checkpoints[-1].seq > checked:
        latest = checkpoints[-1]
        return ChainReport(
            False,
            checked,
            checked + 1,
            f"the chain ends at seq {checked} but checkpoint {latest.path.name} ({latest.written_at}) "
            f"recorded {latest.seq} events: the tail was removed",
            len(checkpoints),
        )
    return ChainReport(True, checked, checkpoints=len(checkpoints))


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
