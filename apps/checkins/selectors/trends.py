"""Trend reads. Every aggregate is computed by the database in one query, whatever the range."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, FloatField, Max, Min, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from apps.checkins.models import DueItem, DueStatus, MoodCheckin

METRICS = ("mood", "anxiety", "energy", "sleep_hours", "sleep_quality")


def _range(qs: QuerySet, start: dt.date | None, end: dt.date | None, field: str = "local_date") -> QuerySet:
    if start:
        qs = qs.filter(**{f"{field}__gte": start})
    if end:
        qs = qs.filter(**{f"{field}__lte": end})
    return qs


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight starting ``day`` in the current time zone: ``ts >= start_of_day(d)`` is ``ts__date__gte=d``
    as a range on the column itself, which an index can serve, instead of a date cast on every row."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _plain(rows) -> list[dict]:
    """JSON-ready rows (dates as ISO strings, numbers as floats rounded to 2 places). Series can run to
    hundreds of rows, so they skip per-field serializer machinery; the API schema documents the shape."""
    out = []
    for row in rows:
        item = {}
        for key, value in row.items():
            if value is None or isinstance(value, int):
                item[key] = value
            elif isinstance(value, dt.date):
                item[key] = value.isoformat()
            else:
                item[key] = round(float(value), 2)
        out.append(item)
    return out


def daily_series(*, patient_id, start: dt.date | None, end: dt.date | None) -> list[dict]:
    """One row per local date: the day's mean of each metric (most days have one check-in)."""
    qs = _range(MoodCheckin.objects.filter(patient_id=patient_id), start, end)
    return _plain(
        qs.values("local_date")
        .annotate(count=Count("id"), **{m: Avg(m, output_field=FloatField()) for m in METRICS})
        .order_by("local_date")
    )


def weekly_aggregates(*, patient_id, start: dt.date | None, end: dt.date | None) -> list[dict]:
    """One row per ISO week (Monday): mean, min, max and count of each metric."""
    aggregates = {"count": Count("id")}
    for m in METRICS:
        aggregates |= {
            f"{m}_mean": Avg(m, output_field=FloatField()),
            f"{m}_min": Min(m, output_field=FloatField()),
            f"{m}_max": Max(m, output_field=FloatField()),
        }
    qs = _range(MoodCheckin.objects.filter(patient_id=patient_id), start, end)
    rows = qs.annotate(week=TruncWeek("local_date")).values("week").annotate(**aggregates).order_by("week")
    return _plain(rows)


def adherence(*, patient_id, start: dt.date | None, end: dt.date | None) -> list[dict]:
    bounds = {}
    if start:
        bounds["due_at__gte"] = start_of_day(start)
    if end:
        bounds["due_at__lt"] = start_of_day(end + dt.timedelta(days=1))
    qs = DueItem.objects.filter(patient_id=patient_id, **bounds)
    rows = (
        qs.values("kind")
        .annotate(
            due=Count("id"),
            completed=Count("id", filter=Q(status=DueStatus.COMPLETED)),
            missed=Count("id", filter=Q(status=DueStatus.MISSED)),
            pending=Count("id", filter=Q(status=DueStatus.PENDING)),
        )
        .order_by("kind")
    )
    return [
        {
            **row,
            "rate": round(row["completed"] / (row["completed"] + row["missed"]), 3)
            if row["completed"] + row["missed"]
            else None,
        }
        for row in rows
    ]


def todo_for(*, patient_id, now: dt.datetime) -> QuerySet[DueItem]:
    return DueItem.objects.filter(patient_id=patient_id, status=DueStatus.PENDING, window_ends_at__gt=now).order_by(
        "due_at"
    )
