"""Reads of the risk-signal queue, and of alert events a reconnecting socket missed."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.accounts.scoping import Purpose, scope_queryset
from apps.alerts.models import Alert, AlertDelivery, RiskSignal

# Replays reach back this far before the client's ``since``: a delivery is stamped before its
# transaction commits, so one committed a moment after a later one can carry the earlier time. The
# client drops what it already has by ``delivery_id``.
REPLAY_MARGIN = timedelta(minutes=2)
REPLAY_LIMIT = 200


def risk_signals_pending(*, limit: int = 500) -> QuerySet[RiskSignal]:
    """Signals not yet turned into alerts, oldest first."""
    return RiskSignal.objects.filter(processed_at__isnull=True).order_by("created_at")[:limit]


def risk_signal_exists_for(*, source_type: str, source_id) -> bool:
    """Whether a submission raised a risk signal (its answer then carries the crisis card)."""
    return RiskSignal.objects.filter(source_type=source_type, source_id=str(source_id)).exists()


def alert_events_missed(*, user: User, since: datetime) -> list[tuple[str, dict]]:
    """The alert events sent to ``user``'s sockets since ``since`` (less ``REPLAY_MARGIN``), oldest
    first, for alerts the user may still see clinically (the same scope as the inbox: a clinician
    taken off the care team meanwhile gets nothing back). The ``core.missed_events`` hook's answer."""
    from apps.alerts.delivery import delivery_event

    visible = scope_queryset(Alert.objects.all(), user, Purpose.CLINICAL).values("id")
    deliveries = (
        AlertDelivery.objects.filter(
            recipient_id=user.pk, websocket_sent_at__gte=since - REPLAY_MARGIN, alert_id__in=visible
        )
        .select_related("alert")
        .order_by("websocket_sent_at", "created_at")[:REPLAY_LIMIT]
    )
    return [delivery_event(d) for d in deliveries]
