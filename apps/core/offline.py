"""Offline-sync rules shared by every patient submission (check-ins, questionnaires)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.core.errors import Conflict, Invalid


def local_date_of(occurred_at: dt.datetime, tz_name: str) -> dt.date:
    return occurred_at.astimezone(zoneinfo.ZoneInfo(tz_name)).date()


# No submission predates the app; a phone whose clock was reset reports 1970 or the year 1. Year-1
# times also overflowed converting to a zone west of UTC (a 500 before this bound, issue 13).
EARLIEST_OCCURRED_AT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def check_occurred_at(occurred_at: dt.datetime) -> None:
    """Late submissions (days later, from an offline phone) are fine; the future is not, beyond
    a small allowance for phone clocks that run fast, and neither is a date before 2000."""
    skew = dt.timedelta(seconds=settings.CHECKIN_CLOCK_SKEW_SECONDS)
    if occurred_at > timezone.now() + skew:
        raise Invalid({"occurred_at": ["Cannot be in the future."]})
    if occurred_at < EARLIEST_OCCURRED_AT:
        raise Invalid({"occurred_at": ["Cannot be before 2000; check the device's clock."]})


def already_submitted(model: type[models.Model], record_id, patient) -> models.Model | None:
    """The row a phone already uploaded under this id (a retry), or None. An id that belongs to another
    patient is a conflict, answered without saying whose it is."""
    existing = model.objects.filter(pk=record_id).first()
    if existing is not None and existing.patient_id != patient.pk:
        raise Conflict("This id is already in use.", code="id_conflict", field="id")
    return existing
