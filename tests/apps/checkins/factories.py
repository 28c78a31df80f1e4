import datetime as dt
import uuid

from django.utils import timezone

from apps.checkins.services.checkins import mood_checkin_submit
from apps.checkins.services.questionnaires import questionnaire_response_submit


def submit_phq9(patient, values, *, when=None, item9=None, tz="Europe/London"):
    answers = {f"phq9_{i + 1}": v for i, v in enumerate(values)}
    if item9 is not None:
        answers["phq9_9"] = item9
    response, _ = questionnaire_response_submit(
        actor=patient.user,
        patient=patient,
        id=uuid.uuid4(),
        instrument_key="phq9",
        answers=answers,
        occurred_at=when or timezone.now(),
        timezone=tz,
    )
    return response


def submit_checkin(patient, *, when=None, mood=5, anxiety=5, energy=5, tz="Europe/London", **extra):
    checkin, _ = mood_checkin_submit(
        actor=patient.user,
        patient=patient,
        id=uuid.uuid4(),
        occurred_at=when or timezone.now(),
        timezone=tz,
        mood=mood,
        anxiety=anxiety,
        energy=energy,
        **extra,
    )
    return checkin


def days_ago(n: int, hour: int = 12) -> dt.datetime:
    return (timezone.now() - dt.timedelta(days=n)).replace(hour=hour, minute=0, second=0, microsecond=0)


# A practice's own instrument, as an admin publishes it (API and web app).
WHO5 = {
    "key": "who5",
    "version": 1,
    "title": "WHO-5",
    "options": [{"value": v, "label": str(v)} for v in range(6)],
    "items": [{"id": f"who5_{i}", "text": f"Item {i}"} for i in range(1, 6)],
    "scoring": {"method": "sum"},
    "bands": [{"min": 0, "max": 12, "key": "low", "label": "Low"}, {"min": 13, "max": 25, "key": "ok", "label": "OK"}],
}
