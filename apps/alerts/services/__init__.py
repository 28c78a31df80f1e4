"""Writes of the alerts app.

- ``raising``: risk signals in, alerts out (severity, deduplication, routing, the in-room rule,
  escalation) — called by every app that screens patient input.
- ``staff``: what the care team does to an alert (acknowledge, resolve) and the alert-policy edit.
"""

from apps.alerts.services.raising import (
    LEVEL_TO_SEVERITY,
    alert_create_from_signal,
    alerts_escalate_due,
    alerts_process_pending,
    risk_signal_record,
    risk_signals_supersede,
    signal_family,
)
from apps.alerts.services.staff import alert_acknowledge, alert_policy_update, alert_resolve

__all__ = [
    "LEVEL_TO_SEVERITY",
    "alert_acknowledge",
    "alert_create_from_signal",
    "alert_policy_update",
    "alert_resolve",
    "alerts_escalate_due",
    "alerts_process_pending",
    "risk_signal_record",
    "risk_signals_supersede",
    "signal_family",
]
