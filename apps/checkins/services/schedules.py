"""Schedules, reminders at the patient's local time (DST-correct) and the due/missed ledger."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo

from django.db import transaction
from django.utils import timezone

from apps.accounts import push
from apps.accounts.models import PatientProfile, Practice, User
from apps.alerts.routing import policy_for
from apps.alerts.services import risk_signal_record
from apps.audit.services import AuditAction, audit_log
from apps.checkins.models import DueItem, DueStatus, MoodCheckin, QuestionnaireResponse, Schedule, ScheduleDefault
from apps.checkins.selectors.reminders import quiet_hours_get
from apps.checkins.services.quiet_hours import quiet_hours_release

logger = logging.getLogger(__name__)

# A submission up to this long before the reminder counts for it (a check-in at 19:00 for the 20:00 one).
EARLY_ALLOWANCE = dt.timedelta(hours=12)
# After downtime, at most this many past occurrences are back-filled (as missed) per schedule and run.
MAX_BACKFILL = 60

PRACTICE_DEFAULTS = [
    # kind, interval_days, local time, window_hours
    ("mood", 1, dt.time(20, 0), 24),
    ("phq9", 14, dt.time(10, 0), 72),
    ("gad7", 14, dt.time(10, 0), 72),
]

REMINDER = push.PushMessage(title="Interlude", body="You have a check-in waiting. It takes a minute.")


def local_occurrence(day: dt.date, at: dt.time, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """``at`` on ``day`` in ``tz``, as UTC. A time inside a spring-forward gap fires at the
    equivalent instant just after the gap (02:30 → 03:30); in the autumn overlap, the first."""
    return dt.datetime.combine(day, at, tzinfo=tz).astimezone(dt.UTC)


def first_occurrence(*, interval_days: int, at: dt.time, tz_name: str, after: dt.datetime) -> dt.datetime:
    tz = zoneinfo.ZoneInfo(tz_name)
    day = after.astimezone(tz).date()
    candidate = local_occurrence(day, at, tz)
    # The first occurrence is the next time ``at`` comes round (today or tomorrow), whatever the interval:
    # a fortnightly questionnaire starts with a baseline now rather than in two weeks.
    return candidate if candidate > after else local_occurrence(day + dt.timedelta(days=1), at, tz)


def following_occurrence(schedule: Schedule, due_at: dt.datetime, tz_name: str) -> dt.datetime:
    """The next occurrence after ``due_at``, stepping whole local days so 20:00 stays 20:00 across DST."""
    tz = zoneinfo.ZoneInfo(tz_name)
    day = due_at.astimezone(tz).date() + dt.timedelta(days=schedule.interval_days)
    return local_occurrence(day, schedule.time_of_day, tz)


def schedule_defaults_create(*, practice: Practice) -> None:
    for kind, interval, at, window in PRACTICE_DEFAULTS:
        ScheduleDefault.objects.get_or_create(
            practice=practice,
            kind=kind,
            defaults={"interval_days": interval, "time_of_day": at, "window_hours": window},
        )


def schedules_apply_practice_defaults(*, patient: PatientProfile, now: dt.datetime | None = None) -> list[Schedule]:
    """Give a newly enrolled patient the practice's default schedules (existing ones are kept)."""
    now = now or timezone.now()
    created = []
    for default in ScheduleDefault.objects.filter(practice_id=patient.practice_id):
        schedule, was_created = Schedule.objects.get_or_create(
            patient=patient,
            kind=default.kind,
            defaults={
                "interval_days": default.interval_days,
                "time_of_day": default.time_of_day,
                "window_hours": default.window_hours,
                "next_due_at": first_occurrence(
                    interval_days=default.interval_days, at=default.time_of_day, tz_name=patient.timezone, after=now
                ),
            },
        )
        if was_created:
            created.append(schedule)
    return created


def schedule_set(
    *,
    actor: User,
    patient: PatientProfile,
    kind: str,
    interval_days: int,
    time_of_day: dt.time,
    window_hours: int,
    active: bool = True,
) -> Schedule:
    """Create or change a patient's schedule for one kind; the next reminder is recomputed."""
    now = timezone.now()
    next_due = first_occurrence(interval_days=interval_days, at=time_of_day, tz_name=patient.timezone, after=now)
    with transaction.atomic():
        schedule, created = Schedule.objects.update_or_create(
            patient=patient,
            kind=kind,
            defaults={
                "interval_days": interval_days,
                "time_of_day": time_of_day,
                "window_hours": window_hours,
                "active": active,
                "next_due_at": next_due,
                "created_by": actor,
            },
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            object_type="schedule",
            object_id=schedule.pk,
            patient_id=patient.pk,
            data_category="schedule",
            detail={"kind": kind, "interval_days": interval_days, "active": active},
        )
    return schedule


def _submitted_within(patient_id, kind: str, start: dt.datetime, end: dt.datetime) -> dt.datetime | None:
    if kind == "mood":
        qs = MoodCheckin.objects.filter(patient_id=patient_id)
    else:
        qs = QuestionnaireResponse.objects.filter(patient_id=patient_id, instrument_key=kind)
    hit = qs.filter(occurred_at__gte=start, occurred_at__lt=end).order_by("occurred_at").first()
    return hit.occurred_at if hit else None


def schedule_due_items_complete(*, patient_id, kind: str, occurred_at: dt.datetime) -> int:
    """Mark the pending occurrence(s) this submission answers as completed."""
    return DueItem.objects.filter(
        patient_id=patient_id,
        kind=kind,
        status=DueStatus.PENDING,
        due_at__lte=occurred_at + EARLY_ALLOWANCE,
        window_ends_at__gt=occurred_at,
    ).update(status=DueStatus.COMPLETED, completed_at=occurred_at)


def _signal_missed_run(patient_id, now: dt.datetime) -> None:
    """A run of missed daily check-ins is a (low) risk signal when the practice turns it on."""

    patient = PatientProfile.objects.get(pk=patient_id)
    days = policy_for(patient.practice_id).missed_checkins_days
    if not days:
        return
    closed = DueItem.objects.filter(patient_id=patient_id, kind="mood").exclude(status=DueStatus.PENDING)
    recent = list(closed.order_by("-due_at").values_list("status", "due_at")[:days])
    if len(recent) == days and all(status == DueStatus.MISSED for status, _ in recent):
        risk_signal_record(
            patient_id=patient_id,
            source_type="adherence",
            source_id=f"{patient_id}:{recent[0][1]:%Y-%m-%d}",
            kind="missed_checkins",
            level="low",
            occurred_at=recent[0][1],
            evidence={"missed_in_a_row": days, "kind": "mood"},
        )


def reminders_dispatch(*, now: dt.datetime | None = None, batch: int = 200) -> dict[str, int]:
    """The scheduler's job (every minute): open due items, send reminders, record missed ones.

    A reminder goes out once per due item, at ``remind_not_before`` (its due time, or the end of
    the patient's quiet hours if it fell inside them), while the item is still pending.

    Safe to run concurrently and repeatedly: schedules are locked (skip-locked) and each
    occurrence is unique per schedule and due time."""
    now = now or timezone.now()
    opened = reminded = 0
    to_remind: list[tuple[DueItem, object]] = []
    with transaction.atomic():
        schedules = (
            Schedule.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("patient")
            .filter(active=True, next_due_at__lte=now, patient__user__isnull=False)
            .order_by("next_due_at")[:batch]
        )
        for schedule in schedules:
            tz_name = schedule.patient.timezone
            due_at, latest = schedule.next_due_at, None
            for _ in range(MAX_BACKFILL):
                if due_at > now:
                    break
                window_end = due_at + dt.timedelta(hours=schedule.window_hours)
                done_at = _submitted_within(schedule.patient_id, schedule.kind, due_at - EARLY_ALLOWANCE, window_end)
                item, created = DueItem.objects.get_or_create(
                    schedule=schedule,
                    due_at=due_at,
                    defaults={
                        "patient_id": schedule.patient_id,
                        "kind": schedule.kind,
                        "window_ends_at": window_end,
                        "status": DueStatus.COMPLETED if done_at else DueStatus.PENDING,
                        "completed_at": done_at,
                    },
                )
                opened += int(created)
                latest = item
                due_at = following_occurrence(schedule, due_at, tz_name)
            while due_at <= now:  # beyond the back-fill limit: skip ahead without recording
                due_at = following_occurrence(schedule, due_at, tz_name)
            schedule.next_due_at = due_at
            schedule.save(update_fields=["next_due_at", "updated_at"])
            if latest is not None and latest.status == DueStatus.PENDING and latest.window_ends_at > now:
                # Only the newest occurrence is reminded, and not inside the patient's quiet hours.
                latest.remind_not_before = quiet_hours_release(
                    at=latest.due_at, tz_name=tz_name, quiet=quiet_hours_get(schedule.patient_id)
                )
                latest.save(update_fields=["remind_not_before"])
        newly_missed = list(
            DueItem.objects.filter(status=DueStatus.PENDING, window_ends_at__lte=now).values_list(
                "patient_id", flat=True
            )
        )
        missed = DueItem.objects.filter(status=DueStatus.PENDING, window_ends_at__lte=now).update(
            status=DueStatus.MISSED
        )
        for patient_id in set(newly_missed):
            _signal_missed_run(patient_id, now)
        held = (
            DueItem.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("patient")
            .filter(
                status=DueStatus.PENDING,
                reminded_at__isnull=True,
                remind_not_before__lte=now,
                window_ends_at__gt=now,
                patient__user__isnull=False,
            )
            .order_by("remind_not_before")[:batch]
        )
        for item in held:
            item.reminded_at = now
            item.save(update_fields=["reminded_at"])
            to_remind.append((item, item.patient.user_id))
    for item, user_id in to_remind:
        result = push.push_to_user(
            user_id=user_id, message=REMINDER, data={"type": "todo", "due_item_id": str(item.pk)}
        )
        reminded += result.sent
    return {"opened": opened, "reminded": reminded, "missed": missed}
