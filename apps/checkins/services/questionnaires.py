"""Questionnaire administrations: server-side scoring, change flags, risk signals."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction

from apps.accounts.models import PatientProfile, User
from apps.alerts.services import risk_signal_record
from apps.audit.services import AuditAction, audit_log
from apps.checkins import scoring
from apps.checkins.models import Instrument, QuestionnaireResponse
from apps.checkins.selectors.catalogue import instrument_get
from apps.checkins.services.schedules import schedule_due_items_complete
from apps.core.errors import Invalid
from apps.core.offline import already_submitted, check_occurred_at, local_date_of

CATEGORY = "questionnaire"
SOURCE = "questionnaire_response"


def instrument_publish(*, actor: User, definition: dict[str, Any]) -> Instrument:
    problems = scoring.validate_definition(definition)
    if problems:
        raise Invalid({"definition": problems})
    if Instrument.objects.filter(practice__isnull=True, key=definition["key"]).exists():
        raise Invalid({"definition": [f"'{definition['key']}' is a built-in instrument; choose another key."]})
    with transaction.atomic():
        instrument = Instrument.objects.create(
            practice_id=actor.practice_id,
            key=definition["key"],
            version=definition["version"],
            title=definition["title"],
            definition=definition,
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="instrument",
            object_id=instrument.pk,
            detail={"key": instrument.key, "version": instrument.version},
        )
    return instrument


def _flags(definition, previous: QuestionnaireResponse | None, total: int | None) -> dict[str, Any]:
    return scoring.change_flags(definition, previous.total_score if previous else None, total).as_dict()


def _record_signals(response: QuestionnaireResponse) -> None:
    for finding in response.risk:
        risk_signal_record(
            patient_id=response.patient_id,
            source_type=SOURCE,
            source_id=response.pk,
            kind=finding["signal"],
            level=finding["level"],
            evidence=finding["evidence"],
            occurred_at=response.occurred_at,
        )
    if response.change.get("reliable_change") == "deterioration":
        risk_signal_record(
            patient_id=response.patient_id,
            source_type=SOURCE,
            source_id=response.pk,
            kind="reliable_deterioration",
            level="moderate",
            occurred_at=response.occurred_at,
            evidence={
                "instrument": response.instrument_key,
                "previous_total": response.change["previous_total"],
                "total": response.total_score,
                "delta": response.change["delta"],
                "threshold": response.instrument.definition["change"]["reliable_change"],
            },
        )


def questionnaire_response_submit(
    *,
    actor: User,
    patient: PatientProfile,
    id: uuid.UUID,  # noqa: A002 - the client's id for this administration
    instrument_key: str,
    answers: dict[str, Any],
    occurred_at: dt.datetime,
    timezone: str,
    language: str = "en",
) -> tuple[QuestionnaireResponse, bool]:
    """Score and store one administration. ``language`` is the wording the patient was shown; it
    must be one the instrument has (scoring never depends on it)."""
    existing = already_submitted(QuestionnaireResponse, id, patient)
    if existing is not None:
        return existing, False
    check_occurred_at(occurred_at)
    instrument = instrument_get(practice_id=patient.practice_id, key=instrument_key)
    if instrument is None:
        raise Invalid({"instrument": ["Unknown questionnaire."]})
    definition = instrument.definition
    if language not in scoring.languages(definition):
        raise Invalid({"language": [f"This questionnaire is available in {', '.join(scoring.languages(definition))}."]})
    try:
        clean, result = scoring.score(definition, answers)
    except scoring.AnswerError as exc:
        raise Invalid({"answers": {k: [v] for k, v in exc.fields.items()}}) from exc

    with transaction.atomic():
        history = QuestionnaireResponse.objects.select_for_update().filter(
            patient=patient, instrument_key=instrument.key
        )
        previous = history.filter(occurred_at__lt=occurred_at).order_by("-occurred_at").first()
        following = history.filter(occurred_at__gt=occurred_at).order_by("occurred_at").first()
        response = QuestionnaireResponse.objects.create(
            id=id,
            patient=patient,
            instrument=instrument,
            instrument_key=instrument.key,
            occurred_at=occurred_at,
            timezone=timezone,
            local_date=local_date_of(occurred_at, timezone),
            answers=clean,
            language=language,
            total_score=result.total,
            band=result.band_key,
            band_label=result.band_label,
            previous=previous,
            change=_flags(definition, previous, result.total),
            risk=[{"signal": f.signal, "level": f.level, "evidence": f.evidence} for f in result.risk],
        )
        if following is not None:  # a late upload slots in before a later administration: re-base it
            following.previous = response
            following.change = _flags(following.instrument.definition, response, following.total_score)
            following.save(update_fields=["previous", "change"])
            _record_signals(following)
        _record_signals(response)
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="questionnaire_response",
            object_id=response.pk,
            patient_id=patient.pk,
            data_category=CATEGORY,
            detail={"instrument": instrument.key, "version": instrument.version, "language": language},
        )
        schedule_due_items_complete(patient_id=patient.pk, kind=instrument.key, occurred_at=occurred_at)
    return response, True
