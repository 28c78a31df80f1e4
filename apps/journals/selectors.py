"""Reads of journal entries for the pages that list a patient's own entries (scope and the read audit
stay with the door: these hand it the rows to check)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import PatientProfile
from apps.journals.models import JournalEntry


def journal_entries_newest_first() -> QuerySet[JournalEntry]:
    """Every entry, newest first: the door's base queryset, which it then scopes to the caller."""
    return JournalEntry.objects.order_by("-occurred_at")


def journal_entries_of(*, patient: PatientProfile) -> QuerySet[JournalEntry]:
    """One patient's entries, newest first."""
    return journal_entries_newest_first().filter(patient=patient)
