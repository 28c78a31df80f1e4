"""Reads of the insight engine for the care team."""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.insights.models import Finding, SourceType, TextAnalysis
from apps.journals.models import JournalEntry


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
