"""Offline-sync rules shared by every patient submission (check-ins, questionnaires)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.utils import timezone
from rest_framework.exceptions import ValidationError


def local_date_of(occurred_at: dt.datetime, tz_name: str) -> dt.date:
    return occurred_at.astimezone(zoneinfo.ZoneInfo(tz_name)).date()


def check_occurred_at(occurred_at: dt.datetime) -> None:
    """Late submissions (days later, from an offline phone) are fine; the future is not, beyond
    a small allowance for phone clocks that run fast."""
    skew = dt.timedelta(seconds=settings.CHECKIN_CLOCK_SKEW_SECONDS)
    if occurred_at > timezone.now() + skew:
        raise ValidationError({"occurred_at": ["Cannot be in the future."]})
