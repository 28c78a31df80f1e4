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


def check_occurred_at(occurred_at: dt.datetime) -> None:
    """Late submissions (days later, from an offline phone) are fine; the future is not, beyond
    a small allowance for phone clocks that run fast."""
    skew = dt.timedelta(seconds=settings.CHECKIN_CLOCK_SKEW_SECONDS)
    if occurred_at > timezone.now() + skew:
        raise Invalid({"occurred_at": ["Cannot be in the future."]})


def already_submitted(model: type[models.Model], record_id, patient) -> models.Model | None:
    """The row a phone already uploaded under this id (a retry), or None. An id that belongs to another
    patient is a conflict, answered without saying whose it is."""
    existing = model.objects.filter(pk=record_id).first()
    if existing is not None and existing.patient_id != patient.pk:
        raise Conflict("This id is already in use.", code="id_conflict", field="id")
    return existing
