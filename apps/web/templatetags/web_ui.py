"""Display labels for the web app's templates (wording only; no rules)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

register = template.Library()

SOURCE_LABELS = {
    "phq9": _("PHQ-9 item 9"),
    "cssrs_screener": _("C-SSRS screener"),
    "risk_language": _("Risk language"),
    "reliable_deterioration": _("Reliable deterioration"),
    "missed_checkins": _("Missed check-ins"),
}
SEVERITY_ICONS = {"urgent": "\u25b2", "high": "\u25c6", "routine": "\u25cf"}  # ▲ ◆ ●
INSTRUMENT_LABELS = {"phq9": "PHQ-9", "gad7": "GAD-7", "cssrs_screener": "C-SSRS"}


@register.filter
def source_label(source: str) -> str:
    return SOURCE_LABELS.get(source, source.replace("_", " "))


@register.filter
def severity_icon(severity: str) -> str:
    return SEVERITY_ICONS.get(severity, "\u25cf")


@register.filter
def instrument_label(key: str) -> str:
    return INSTRUMENT_LABELS.get(key, key.upper())


@register.filter
def humanize_key(key: str) -> str:
    return str(key).replace("_", " ").capitalize()


@register.filter
def percent(value) -> str:
    return "" if value is None else f"{round(float(value) * 100)}%"


@register.filter
def minutes_until(when: dt.datetime | None) -> str:
    """'in 12 min' / '3 min ago' — the escalation timer's server-rendered text."""
    if when is None:
        return ""
    seconds = (when - timezone.now()).total_seconds()
    minutes = max(0, round(abs(seconds) / 60))
    if seconds >= 0:
        return ngettext("in %(n)d minute", "in %(n)d minutes", minutes) % {"n": minutes}
    return ngettext("%(n)d minute overdue", "%(n)d minutes overdue", minutes) % {"n": minutes}


@register.filter
def get_item(mapping, key):
    """Field errors by the API's field path (``goals``, ``goals.0.text``…): the first that starts with ``key``."""
    if not mapping:
        return None
    if key in mapping:
        return mapping[key]
    nested = [m for path, messages in mapping.items() if path.startswith(f"{key}.") for m in messages]
    return nested or None
