"""Reads of the risk-signal queue."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.alerts.models import RiskSignal


def risk_signals_pending(*, limit: int = 500) -> QuerySet[RiskSignal]:
    """Signals not yet turned into alerts, oldest first."""
    return RiskSignal.objects.filter(processed_at__isnull=True).order_by("created_at")[:limit]


def risk_signal_exists_for(*, source_type: str, source_id) -> bool:
    """Whether a submission raised a risk signal (its answer then carries the crisis card)."""
    return RiskSignal.objects.filter(source_type=source_type, source_id=str(source_id)).exists()
