"""Running the insight engine on patient text and audio, storing findings, raising risk signals."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import defaultdict

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.accounts.models import ConsentKind, PatientProfile, User
from apps.accounts.selectors import consent_is_granted
from apps.alerts.services import risk_signal_record
from apps.audit.services import AuditAction, audit_log
from apps.checkins.models import MoodCheckin
from apps.core.errors import Forbidden, ServiceError
from apps.core.jobs import enqueue, job_queue, queue_backlog
from apps.insights.models import (
    Finding,
    FindingKind,
    PatientTrigger,
    PatternSnapshot,
    SourceType,
    SpeechFeatures,
    TextAnalysis,
)
from apps.insights.selectors import patient_analysis_allowed, patient_triggers_list, pattern_days_list
from apps.journals.models import JournalEntry
from ml.analysis import get_analyzer
from ml.language import LanguageDecision, analysis_language

logger = logging.getLogger(__name__)
CATEGORY = "insights"
# Risk language at or above passive ideation (and self-harm) goes to the alert path.
SIGNAL_LEVELS = {
    "passive_ideation": "moderate",
    "active_ideation": "high",
    "plan_or_intent": "high",
    "self_harm": "high",
}


def _source(source_type: str, source_id):

    if source_type == SourceType.JOURNAL_ENTRY:
        entry = JournalEntry.objects.select_related("patient__practice").filter(pk=source_id).first()
        return entry, (entry.text if entry else "")
    checkin = MoodCheckin.objects.select_related("patient__practice").filter(pk=source_id).first()
    return checkin, (checkin.note if checkin else "")


RESUME_HORIZON = dt.timedelta(days=1)


def text_analyses_resume_missing(*, now: dt.datetime | None = None) -> int:
    """Send again the analysis of check-in notes whose job was lost: a note older than five job leases
    (``JOB_LEASE_SECONDS``) and younger than a day, with consent, and no analysis. Its message was never
    sent (the broker was down at commit; the check-in itself was stored) or was lost with a killed
    embedded broker consumer. Each is sent again once (remembered in the cache for the horizon), so a
    note whose analysis keeps failing is not retried every minute; its task logs the failure. The
    analysis replaces any earlier one, so a duplicate message is harmless. Nothing is sent while the ML
    queue has messages waiting: under a backlog an unanalysed note is waiting its turn, not lost, and
    resending two hundred a minute only made the backlog longer (issue 12's load run)."""
    now = now or timezone.now()
    if queue_backlog(job_queue("insights.analyse_text")):
        return 0
    lease = dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)
    analysed = TextAnalysis.objects.filter(source_type=SourceType.MOOD_CHECKIN, source_id=OuterRef("pk"))
    owed = (
        MoodCheckin.objects.filter(received_at__gt=now - RESUME_HORIZON, received_at__lt=now - 5 * lease)
        .exclude(Exists(analysed))
        .select_related("patient__practice")
        .order_by("received_at")[:200]
    )
    sent = 0
    for checkin in owed:
        key = f"insights.resumed:{checkin.pk}"
        if not checkin.note.strip() or cache.get(key) or not patient_analysis_allowed(checkin.patient):
            continue
        enqueue("insights.analyse_text", source_type=SourceType.MOOD_CHECKIN, source_id=str(checkin.pk))
        cache.set(key, 1, timeout=int(RESUME_HORIZON.total_seconds()))
        sent += 1
    if sent:
        logger.warning("sent %s lost check-in note analysis job(s) again", sent)
    return sent


def source_language(source, text: str) -> LanguageDecision:
    """The language to analyse a source in: the transcript's detected language (a spoken journal
    entry), else the text's own profile when clear, else the patient's preferred language."""
    transcription = getattr(source, "transcription", None) or {}
    return analysis_language(
        text, transcript=transcription.get("language"), preferred=source.patient.preferred_language
    )


def text_analyse(*, source_type: str, source_id) -> TextAnalysis | None:
    """Analyse one journal entry or check-in note. Re-running replaces the previous analysis (so a new
    detector version re-analyses cleanly); risk signals are idempotent per source and level.

    A text in a language the detectors have no rules for is stored as not analysed ("language",
    risk level ``not_screened``) with no findings, so the clinician sees it was not risk-screened."""
    source, text = _source(source_type, source_id)
    if source is None or not text.strip():
        return None
    patient = source.patient
    shared = getattr(source, "shared_with_care_team", True)
    if not patient_analysis_allowed(patient, shared=shared):
        return None
    language = source_language(source, text)
    result = get_analyzer().analyse(text, patient_triggers_list(patient.pk), language=language.language)
    versions = {**result.versions, "language": f"{language.language} ({language.source})"}
    with transaction.atomic():
        TextAnalysis.objects.filter(source_type=source_type, source_id=source.pk).delete()
        analysis = TextAnalysis.objects.create(
            patient=patient,
            source_type=source_type,
            source_id=source.pk,
            local_date=source.local_date,
            risk_level=result.risk.level,
            language=result.language,
            not_analysed=result.not_analysed,
            sentence_count=result.sentence_count,
            versions=versions,
            emotions={
                "scores": result.emotions.scores,
                "evidence": {k: [[e.start, e.end, e.score] for e in v] for k, v in result.emotions.evidence.items()},
                "version": result.emotions.version,
            },
        )

        def finding(**fields) -> Finding:
            return Finding(analysis=analysis, patient=patient, local_date=source.local_date, **fields)

        rows = [
            finding(kind=f.kind, category=f.category, score=f.score, start=f.start, end=f.end, method=f.method)
            for f in result.triggers
        ]
        rows += [
            finding(
                kind=FindingKind.TRIGGER,
                category=s.category,
                score=0,
                start=s.start,
                end=s.end,
                method="keyword",
                suppressed=s.reason,
            )
            for s in result.suppressed_triggers
        ]
        rows += [
            finding(
                kind=FindingKind.RISK,
                category=f.level,
                score=f.score,
                start=f.start,
                end=f.end,
                method=f.method,
                source=f.source,
            )
            for f in result.risk.findings
        ]
        rows += [
            finding(
                kind=FindingKind.RISK,
                category="none",
                score=0,
                start=s.start,
                end=s.end,
                method="rule",
                source=s.source,
                suppressed=s.reason,
            )
            for s in result.risk.suppressed
        ]
        Finding.objects.bulk_create(rows)
        by_level = defaultdict(list)
        for f in result.risk.findings:
            if f.level in SIGNAL_LEVELS:
                by_level[f.level].append(
                    {"start": f.start, "end": f.end, "method": f.method, "source": f.source, "score": f.score}
                )
        for level, spans in by_level.items():
            risk_signal_record(
                patient_id=patient.pk,
                source_type=source_type,
                source_id=source.pk,
                kind=f"risk_language_{level}",
                level=SIGNAL_LEVELS[level],
                occurred_at=source.occurred_at,
                evidence={
                    "detector": result.risk.version,
                    "field": "text" if source_type == "journal_entry" else "note",
                    "spans": spans,
                    "shared_with_care_team": shared,
                },
            )
        audit_log(
            actor=None,
            action=AuditAction.AI_PROCESS,
            object_type=source_type,
            object_id=source.pk,
            patient_id=patient.pk,
            practice_id=patient.practice_id,
            data_category="insights",
            detail={"job": "text_analysis", "versions": versions, "not_analysed": result.not_analysed},
        )
    return analysis


def speech_analyse(*, entry, audio_bytes: bytes) -> SpeechFeatures | None:
    """Prosody of a journal recording, compared with the patient's own earlier recordings."""
    from ml import speech

    if not patient_analysis_allowed(entry.patient, shared=entry.shared_with_care_team):
        return None
    audio = speech.load_audio(io.BytesIO(audio_bytes))
    segments = entry.segments
    features = speech.extract_features(audio, segments)
    history_rows = (
        SpeechFeatures.objects.filter(patient_id=entry.patient_id, version=features.version)
        .exclude(entry_id=entry.pk)
        .order_by("-created_at")[:60]
    )
    history = [speech.SpeechFeatures(**row.features) for row in history_rows]
    baseline = speech.compare_to_baseline(history, features)
    values = {k: v for k, v in features.__dict__.items()}
    with transaction.atomic():
        row, _ = SpeechFeatures.objects.update_or_create(
            entry_id=entry.pk,
            defaults={
                "patient_id": entry.patient_id,
                "local_date": entry.local_date,
                "features": values,
                "baseline": baseline,
                "version": features.version,
            },
        )
        audit_log(
            actor=None,
            action=AuditAction.AI_PROCESS,
            object_type="journal_entry",
            object_id=entry.pk,
            patient_id=entry.patient_id,
            practice_id=entry.patient.practice_id,
            data_category="insights",
            detail={"job": "speech_features", "version": features.version},
        )
    return row


def patterns_refresh(*, patient: PatientProfile) -> PatternSnapshot | None:
    from ml.patterns import PATTERNS_VERSION, mine_patterns

    if not consent_is_granted(patient_id=patient.pk, kind=ConsentKind.AI_PROCESSING):
        return None
    days = pattern_days_list(patient_id=patient.pk)
    patterns = mine_patterns(days, patient=str(patient.pk))
    with transaction.atomic():
        snapshot = PatternSnapshot.objects.create(
            patient=patient,
            version=PATTERNS_VERSION,
            start=days[0].date if days else None,
            end=days[-1].date if days else None,
            day_count=len(days),
            patterns=[{k: v for k, v in p.__dict__.items() if k != "patient"} for p in patterns],
        )
        audit_log(
            actor=None,
            action=AuditAction.AI_PROCESS,
            object_type="pattern_snapshot",
            object_id=snapshot.pk,
            patient_id=patient.pk,
            practice_id=patient.practice_id,
            data_category="insights",
            detail={"job": "pattern_mining", "version": PATTERNS_VERSION, "days": len(days)},
        )
    return snapshot


def analysis_delete_for(*, source_type: str, source_id) -> None:
    """Everything derived from a source, for when the patient deletes it."""
    TextAnalysis.objects.filter(source_type=source_type, source_id=source_id).delete()
    SpeechFeatures.objects.filter(entry_id=source_id).delete()


def patient_trigger_create(*, actor: User, patient: PatientProfile, key: str, label: str, phrases: list[str]):
    """A trigger of this patient's own, found by its example phrases; the key is unique per patient."""
    if not actor.is_care_staff:
        raise Forbidden("Only the care team can do this.")
    with transaction.atomic():
        if PatientTrigger.objects.filter(patient=patient, key=key).exists():
            raise ServiceError("This key is already used.", code="duplicate", field="key")
        trigger = PatientTrigger.objects.create(
            patient=patient, key=key, label=label, phrases=phrases, created_by=actor
        )
        audit_log(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="patient_trigger",
            object_id=trigger.pk,
            patient_id=patient.pk,
            data_category=CATEGORY,
        )
    return trigger


def patient_trigger_delete(*, actor: User, trigger: PatientTrigger) -> None:
    if not actor.is_care_staff:
        raise Forbidden("Only the care team can do this.")
    with transaction.atomic():
        audit_log(
            actor=actor,
            action=AuditAction.DELETE,
            object_type="patient_trigger",
            object_id=trigger.pk,
            patient_id=trigger.patient_id,
            data_category=CATEGORY,
        )
        trigger.delete()
