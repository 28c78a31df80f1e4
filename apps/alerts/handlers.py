"""Alerts' answers to hooks declared below it."""

from apps.alerts.selectors import alert_events_missed
from apps.core.realtime import missed_events

missed_events.register(alert_events_missed)
