"""The patient's reminder settings as the reminder dispatcher and the settings page read them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from apps.checkins.models import ReminderSettings


@dataclass(frozen=True)
class QuietHours:
    start: dt.time
    end: dt.time

    def contains(self, local: dt.time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end  # across midnight


def quiet_hours_get(patient_id) -> QuietHours | None:
    row = ReminderSettings.objects.filter(patient_id=patient_id).first()
    if row is None or row.quiet_start is None or row.quiet_end is None:
        return None
    return QuietHours(row.quiet_start, row.quiet_end)
