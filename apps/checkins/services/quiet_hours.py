"""Quiet hours: the patient's own window (their local wall-clock time) in which no reminder is pushed.

Invariant: a reminder that falls due inside quiet hours is held until the first instant after they end,
computed in the patient's zone (so a window across midnight or a DST change still ends at its wall-clock
time); it is never dropped, and the due item stays on the to-do list either way.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import transaction

from apps.accounts.models import PatientProfile, User
from apps.audit.services import AuditAction, audit_log
from apps.checkins.models import ReminderSettings
from apps.checkins.selectors.reminders import QuietHours
from apps.core.errors import Invalid


def _local_instant(day: dt.date, at: dt.time, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    # The same rule as schedules.local_occurrence: a time in a spring-forward gap is the instant after it.
    return dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)


def quiet_hours_release(*, at: dt.datetime, tz_name: str, quiet: QuietHours | None) -> dt.datetime:
    """The first instant at or after ``at`` outside ``quiet`` (``at`` itself when outside)."""
    if quiet is None:
        return at
    tz = zoneinfo.ZoneInfo(tz_name)
    local = at.astimezone(tz)
    wall = local.time().replace(tzinfo=None)
    if not quiet.contains(wall):
        return at
    day = local.date()
    if quiet.start > quiet.end and wall >= quiet.start:
        day += dt.timedelta(days=1)  # started this evening, ends tomorrow morning
    return max(at, _local_instant(day, quiet.end, tz))


def reminder_settings_set(
    *, actor: User, patient: PatientProfile, quiet_start: dt.time | None, quiet_end: dt.time | None
) -> ReminderSettings:
    """Set (both times) or clear (neither) the patient's quiet hours."""
    if (quiet_start is None) != (quiet_end is None):
        raise Invalid({"quiet_end": ["Give both a start and an end, or neither."]})
    if quiet_start is not None and quiet_start == quiet_end:
        raise Invalid({"quiet_end": ["Quiet hours must start and end at different times."]})
    with transaction.atomic():
        row, _ = ReminderSettings.objects.update_or_create(
            patient=patient, defaults={"quiet_start": quiet_start, "quiet_end": quiet_end}
        )
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="reminder_settings",
            object_id=row.pk,
            patient_id=patient.pk,
            data_category="schedule",
            detail={"quiet_hours": quiet_start is not None},
        )
    return row
