"""What a practice offers its patients: the check-in tags and the questionnaires (built-in or its own)."""

from __future__ import annotations

from django.db.models import Q

from apps.checkins.models import CheckinTag, Instrument


def checkin_tags_list(*, practice_id) -> list[CheckinTag]:
    return list(CheckinTag.objects.filter(practice_id=practice_id, active=True).order_by("label"))


def instruments_available(*, practice_id) -> list[Instrument]:
    """The newest active version of each instrument the practice can use (built-in or its own)."""
    rows = Instrument.objects.filter(Q(practice__isnull=True) | Q(practice_id=practice_id), active=True).order_by(
        "key", "-version"
    )
    latest: dict[str, Instrument] = {}
    for row in rows:
        latest.setdefault(row.key, row)
    return list(latest.values())


def instrument_get(*, practice_id, key: str) -> Instrument | None:
    """The newest active version of one instrument (what ``instruments_available`` lists for ``key``),
    loading only that one definition rather than every instrument's."""
    return (
        Instrument.objects.filter(Q(practice__isnull=True) | Q(practice_id=practice_id), active=True, key=key)
        .order_by("-version")
        .first()
    )
