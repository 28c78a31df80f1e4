"""Writing audit events. Call inside the same ``transaction.atomic()`` as the change they record."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.chain import GENESIS_HASH, event_hash
from apps.audit.keys import signing_key
from apps.audit.models import AuditAction, AuditChainHead, AuditEvent
from apps.core import context

_FORBIDDEN_DETAIL_KEYS = {"text", "transcript", "name", "full_name", "note", "answer", "answers", "password"}


@dataclass(frozen=True)
class AuditSpec:
    """What to record. ``detail`` holds identifiers and field names only, never PHI values."""

    action: str
    object_type: str
    object_id: Any = ""
    patient_id: Any = None
    practice_id: Any = None
    data_category: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


def _actor_fields(actor) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor_id": None, "actor_label": "system", "actor_role": "system"}
    return {"actor_id": actor.id, "actor_label": actor.username, "actor_role": actor.primary_role}


def _check_detail(detail: dict[str, Any]) -> None:
    bad = _FORBIDDEN_DETAIL_KEYS.intersection(detail)
    if bad:
        raise ValueError(f"audit detail must not carry PHI values (keys: {sorted(bad)})")


def prefetched(ctx: context.RequestContext, spec: AuditSpec) -> bool:
    """A read made by a prefetch (the app's offline copies): recorded like any read, and marked."""
    return ctx.prefetch and str(spec.action) == AuditAction.READ


def audit_log_many(*, actor, specs: Iterable[AuditSpec]) -> list[AuditEvent]:
    specs = list(specs)
    if not specs:
        return []
    ctx = context.current()
    actor_fields = _actor_fields(actor)
    actor_practice = getattr(actor, "practice_id", None) if actor_fields["actor_id"] else None
    now = timezone.now()
    key_id, key = signing_key()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            id=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
        )
        events = []
        seq, prev = head.last_seq, head.last_hash
        for spec in specs:
            _check_detail(spec.detail)
            seq += 1
            values = {
                "seq": seq,
                "event_id": uuid.uuid4(),
                "occurred_at": now,
                "practice_id": spec.practice_id or actor_practice,
                **actor_fields,
                "action": str(spec.action),
                "object_type": spec.object_type,
                "object_id": str(spec.object_id or ""),
                "patient_id": spec.patient_id,
                "data_category": spec.data_category,
                "request_id": ctx.request_id,
                "ip": str(ipaddress.ip_address(ctx.ip)) if ctx.ip else None,
                "via": ctx.via,
                "detail": {**spec.detail, "prefetch": True} if prefetched(ctx, spec) else spec.detail,
            }
            values = {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in values.items()}
            digest = event_hash(prev, values, key=key)
            events.append(AuditEvent(**values, prev_hash=prev, hash=digest, key_id=key_id))
            prev = digest
        AuditEvent.objects.bulk_create(events)
        head.last_seq, head.last_hash = seq, prev
        head.save(update_fields=["last_seq", "last_hash"])
    return events


def audit_log(
    *,
    actor,
    action: str,
    object_type: str,
    object_id: Any = "",
    patient_id: Any = None,
    practice_id: Any = None,
    data_category: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    spec = AuditSpec(
        action=action,
        object_type=object_type,
        object_id=object_id,
        patient_id=patient_id,
        practice_id=practice_id,
        data_category=data_category,
        detail=detail or {},
    )
    return audit_log_many(actor=actor, specs=[spec])[0]


def audit_reads(
    *,
    actor,
    object_type: str,
    data_category: str,
    rows: Iterable[tuple[Any, Any]],
    detail_by_patient: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Record that ``actor`` read ``rows`` ((patient_id, object_id) pairs): one event per patient per
    request, naming every object read, so a page of 50 entries is one line in the patient's access log.
    ``detail_by_patient`` adds identifiers to one patient's event (the break-glass grant a read used)."""
    extra = detail_by_patient or {}
    by_patient: dict[Any, list[str]] = {}
    for patient_id, object_id in rows:
        by_patient.setdefault(patient_id, []).append(str(object_id))
    audit_log_many(
        actor=actor,
        specs=[
            AuditSpec(
                action=AuditAction.READ,
                object_type=object_type,
                object_id=ids[0] if len(ids) == 1 else "",
                patient_id=patient_id,
                data_category=data_category,
                detail={
                    **({} if len(ids) == 1 else {"object_ids": ids, "count": len(ids)}),
                    **extra.get(str(patient_id), {}),
                },
            )
            for patient_id, ids in by_patient.items()
        ],
    )


__all__ = ["AuditAction", "AuditSpec", "audit_log", "audit_log_many", "audit_reads"]
