from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.alerts.models import RiskSignal


def risk_signal_record(
    *, patient_id, source_type: str, source_id, kind: str, level: str, evidence: dict[str, Any], occurred_at: datetime
) -> RiskSignal:
    """Idempotent per (source, kind): re-scoring the same submission does not duplicate signals."""
    signal, _ = RiskSignal.objects.get_or_create(
        source_type=source_type,
        source_id=str(source_id),
        kind=kind,
        defaults={"patient_id": patient_id, "level": level, "evidence": evidence, "occurred_at": occurred_at},
    )
    return signal


def risk_signals_pending(*, limit: int = 500) -> QuerySet[RiskSignal]:
    """The queue the alert engine consumes, oldest first. Lock rows with ``select_for_update`` inside a
    transaction, handle them, then ``risk_signals_mark_processed``."""
    return RiskSignal.objects.filter(processed_at__isnull=True).order_by("created_at")[:limit]


def risk_signals_mark_processed(*, signals: Iterable[RiskSignal]) -> None:
    with transaction.atomic():
        RiskSignal.objects.filter(pk__in=[s.pk for s in signals]).update(processed_at=timezone.now())
