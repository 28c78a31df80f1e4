"""Reads for the care team that quote what patients wrote: findings in shared journal entries, and the
evidence behind an alert.

An alert's stored evidence names items and answers (questionnaires) or text spans and the detector
(risk language); it never holds text. Quotes are taken from the source only when the patient shared
that entry with the care team and it still exists: an unshared or deleted entry shows its detector
and level, never its words. (This lives here, above alerts and journals, because it reads both.)

Counts and categories follow the same promise: every staff-facing read of analyses or findings (the
findings list, trigger frequencies, the brief's themes, the factors that pattern mining turns into
patterns and plan suggestions) starts from ``analyses_staff_may_see``/``findings_staff_may_see``,
which leave out everything derived from an entry the patient did not share (issue 13)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, QuerySet

from apps.accounts.models import ConsentKind, PatientProfile
from apps.accounts.selectors import consent_is_granted
from apps.alerts.models import Alert
from apps.checkins.models import MoodCheckin
from apps.core.hooks import Hook
from apps.insights.models import Finding, FindingKind, PatientTrigger, SourceType, TextAnalysis
from apps.journals.models import JournalEntry
from ml.triggers import CustomTrigger


def _unshared_entry_ids(patient_id) -> QuerySet:
    return JournalEntry.objects.filter(patient_id=patient_id, shared_with_care_team=False).values("id")


def analyses_staff_may_see(*, patient_id) -> QuerySet[TextAnalysis]:
    return TextAnalysis.objects.filter(patient_id=patient_id).exclude(
        source_type=SourceType.JOURNAL_ENTRY, source_id__in=_unshared_entry_ids(patient_id)
    )


def findings_staff_may_see(*, patient_id) -> QuerySet[Finding]:
    return Finding.objects.filter(patient_id=patient_id).exclude(
        analysis__source_type=SourceType.JOURNAL_ENTRY, analysis__source_id__in=_unshared_entry_ids(patient_id)
    )


def analyses_not_screened(*, patient_id, start) -> list[dict]:
    """Entries and notes the staff may see whose language the detectors have no rules for: nothing
    screened them for risk, so the brief lists them for the clinician to read (issue 19)."""
    rows = (
        analyses_staff_may_see(patient_id=patient_id)
        .filter(local_date__gte=start)
        .exclude(not_analysed="")
        .order_by("-local_date")
        .values("source_type", "source_id", "local_date", "language", "not_analysed")
    )
    return [
        {
            "source_type": r["source_type"],
            "date": r["local_date"].isoformat(),
            "language": r["language"],
            "reason": r["not_analysed"],
            "ref": f"{r['source_type']}:{r['source_id']}",
        }
        for r in rows
    ]


@dataclass
class EntryWithFindings:
    entry: JournalEntry
    analysis: TextAnalysis | None
    findings: list[Finding] = field(default_factory=list)  # counted findings (suppressed ones left out)


def shared_entries_with_findings(*, patient_id, limit: int = 20) -> list[EntryWithFindings]:
    """The newest entries the patient shared, each with its analysis and the findings to highlight.
    Staff never see unshared entries (nor their findings). Two queries whatever the number of entries."""
    entries = list(
        JournalEntry.objects.filter(patient_id=patient_id, shared_with_care_team=True).order_by("-occurred_at")[:limit]
    )
    analyses = {
        a.source_id: a
        for a in TextAnalysis.objects.filter(
            patient_id=patient_id, source_type=SourceType.JOURNAL_ENTRY, source_id__in=[e.pk for e in entries]
        ).prefetch_related("findings")
    }
    out = []
    for entry in entries:
        analysis = analyses.get(entry.pk)
        findings = sorted(
            (f for f in (analysis.findings.all() if analysis else []) if not f.suppressed), key=lambda f: f.start
        )
        out.append(EntryWithFindings(entry=entry, analysis=analysis, findings=findings))
    return out


@dataclass(frozen=True)
class EvidenceItem:
    kind: str
    level: str
    source_type: str
    source_id: str
    occurred_at: str
    items: list[dict] = field(default_factory=list)  # questionnaire items and answers
    quotes: list[str] = field(default_factory=list)  # spans from shared entries only
    detector: str = ""
    withheld: bool = False  # spans exist but the entry is not shared (or gone): no text shown
    facts: dict = field(default_factory=dict)  # other non-PHI fields (e.g. previous and new totals)


_KNOWN = {
    *("signal_id", "kind", "level", "source_type", "source_id", "occurred_at", "items", "spans", "detector"),
    *("field", "shared_with_care_team", "version"),
}


def alert_evidence(*, alert: Alert) -> list[EvidenceItem]:
    """One query for the shared entries the evidence points into, whatever the number of signals."""
    entry_ids = {e["source_id"] for e in alert.evidence if e.get("source_type") == "journal_entry" and e.get("spans")}
    shared = {
        str(entry.pk): entry.text
        for entry in JournalEntry.objects.filter(
            pk__in=entry_ids, patient_id=alert.patient_id, shared_with_care_team=True
        ).only("id", "text")
    }
    out = []
    for e in alert.evidence:
        spans = e.get("spans") or []
        text = shared.get(str(e.get("source_id"))) if spans else None
        quotes = [text[s["start"] : s["end"]] for s in spans if text is not None and 0 <= s["start"] < s["end"]]
        out.append(
            EvidenceItem(
                kind=e.get("kind", ""),
                level=e.get("level", ""),
                source_type=e.get("source_type", ""),
                source_id=str(e.get("source_id", "")),
                occurred_at=e.get("occurred_at", ""),
                items=list(e.get("items") or []),
                quotes=quotes,
                detector=str(e.get("detector", "")),
                withheld=bool(spans) and text is None,
                facts={k: v for k, v in e.items() if k not in _KNOWN and not isinstance(v, (dict, list))},
            )
        )
    return out


# Answered by plans (apps/plans/handlers.py): the coping log sits above the analysis that reads it.
daily_factors = Hook(
    "insights.daily_factors",
    "handler(patient_id, start: date | None) -> [(local_date, factor)]: more of a patient's daily pattern factors",
)


def patient_triggers_list(patient_id) -> list[CustomTrigger]:
    return [
        CustomTrigger(key=t.key, label=t.label, phrases=tuple(t.phrases))
        for t in PatientTrigger.objects.filter(patient_id=patient_id)
    ]


def patient_analysis_allowed(patient: PatientProfile, *, shared: bool = True) -> bool:
    """Consent first; for unshared journal entries, the practice's risk-screening setting too."""
    if not consent_is_granted(patient_id=patient.pk, kind=ConsentKind.AI_PROCESSING):
        return False
    return shared or patient.practice.risk_screen_unshared_journals


def pattern_days_list(*, patient_id, start: dt.date | None = None):
    """The patient's days for pattern mining: mean mood and sleep from check-ins, and as factors the
    check-in tags plus triggers and protective factors found in that day's journals and notes."""
    from ml.patterns import Day

    checkins = MoodCheckin.objects.filter(patient_id=patient_id)
    # Patterns and the plan suggestions built on them are shown to staff: unshared entries stay out.
    findings = findings_staff_may_see(patient_id=patient_id).filter(
        suppressed="",
        kind__in=[FindingKind.TRIGGER, FindingKind.PROTECTIVE, FindingKind.PATIENT_TRIGGER],
    )
    if start:
        checkins, findings = checkins.filter(local_date__gte=start), findings.filter(local_date__gte=start)
    days: dict[dt.date, dict] = {}
    for row in checkins.values("local_date").annotate(mood=Avg("mood"), sleep=Avg("sleep_hours")):
        days[row["local_date"]] = {"mood": row["mood"], "sleep": row["sleep"], "factors": set()}
    for local_date, tags in checkins.values_list("local_date", "tags"):
        days[local_date]["factors"].update(tags or [])
    for factors in daily_factors(patient_id=patient_id, start=start):
        for local_date, factor in factors:
            days.setdefault(local_date, {"mood": None, "sleep": None, "factors": set()})["factors"].add(factor)
    for local_date, category in findings.values_list("local_date", "category").distinct():
        days.setdefault(local_date, {"mood": None, "sleep": None, "factors": set()})["factors"].add(category)
    return [
        Day(
            date=d,
            mood=float(v["mood"]) if v["mood"] is not None else None,
            sleep_hours=float(v["sleep"]) if v["sleep"] is not None else None,
            factors=frozenset(v["factors"]),
        )
        for d, v in sorted(days.items())
    ]
