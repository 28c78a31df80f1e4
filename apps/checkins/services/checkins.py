"""Daily mood check-ins: idempotent by the phone's id, stored on the patient's local date."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.db import IntegrityError, transaction

from apps.accounts.models import PatientProfile, User
from apps.audit.services import AuditAction, audit_log
from apps.checkins.models import CheckinTag, MoodCheckin
from apps.checkins.services.schedules import schedule_due_items_complete
from apps.core.errors import Invalid
from apps.core.jobs import enqueue_on_commit
from apps.core.offline import already_submitted, check_occurred_at, local_date_of

CATEGORY = "checkin"


def mood_checkin_submit(
    *,
    actor: User,
    patient: PatientProfile,
    id: uuid.UUID,  # noqa: A002 - the client's id for this check-in
    occurred_at: dt.datetime,
    timezone: str,
    mood: int,
    anxiety: int,
    energy: int,
    sleep_hours: Decimal | None = None,
    sleep_quality: int | None = None,
    tags: list[str] | None = None,
    note: str = "",
) -> tuple[MoodCheckin, bool]:
    """Store a check-in. Re-sending the same id returns the stored one unchanged (``created`` False)."""
    existing = already_submitted(MoodCheckin, id, patient)
    if existing is not None:
        return existing, False
    check_occurred_at(occurred_at)
    tags = sorted(set(tags or []))
    if tags:
        allowed = set(
            CheckinTag.objects.filter(practice_id=patient.practice_id, active=True).values_list("key", flat=True)
        )
        unknown = [tag for tag in tags if tag not in allowed]
        if unknown:
            raise Invalid({"tags": [f"Unknown tag(s): {', '.join(unknown)}."]})
    try:
        with transaction.atomic():
            # A plain INSERT: the id was looked up just above, so a duplicate is only a concurrent retry,
            # and the primary key refuses it (no second SELECT and savepoint on every check-in).
            checkin = MoodCheckin.objects.create(
                id=id,
                patient=patient,
                occurred_at=occurred_at,
                timezone=timezone,
                local_date=local_date_of(occurred_at, timezone),
                mood=mood,
                anxiety=anxiety,
                energy=energy,
                sleep_hours=sleep_hours,
                sleep_quality=sleep_quality,
                tags=tags,
                note=note,
            )
            audit_log(
                actor=actor,
                action=AuditAction.CREATE,
                object_type="mood_checkin",
                object_id=checkin.pk,
                patient_id=patient.pk,
                data_category=CATEGORY,
                detail={"has_note": bool(note)},
            )
            schedule_due_items_complete(patient_id=patient.pk, kind="mood", occurred_at=occurred_at)
            if note.strip():
                enqueue_on_commit("insights.analyse_text", source_type="mood_checkin", source_id=str(checkin.pk))
    except IntegrityError:
        existing = already_submitted(MoodCheckin, id, patient)  # a concurrent retry won the race
        if existing is None:
            raise
        return existing, False
    return checkin, True


def checkin_tag_set(*, actor: User, key: str, label: str, active: bool = True) -> CheckinTag:
    with transaction.atomic():
        tag, _ = CheckinTag.objects.update_or_create(
            practice_id=actor.practice_id, key=key, defaults={"label": label, "active": active}
        )
        audit_log(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="checkin_tag",
            object_id=tag.pk,
            detail={"key": key, "active": active},
        )
    return tag


def checkin_tags_create_defaults(*, practice) -> None:
    from apps.checkins.models import DEFAULT_TAGS

    for key, label in DEFAULT_TAGS:
        CheckinTag.objects.get_or_create(practice=practice, key=key, defaults={"label": label})
