from django.conf import settings

from apps.core.jobs import job
from apps.core.lease import heartbeat
from apps.journals.models import JournalEntry
from apps.journals.services import (
    PermanentJobError,
    journal_entries_resume_stalled,
    journal_entry_fail,
    journal_entry_process,
)


@job("journals.process", max_retries=5, permanent=(PermanentJobError,), fail=journal_entry_fail)
def process_journal(entry_id: str, take_over: bool = False) -> None:
    """Idempotent: re-running on a finished entry does nothing. Damaged audio fails once; anything
    else (storage or worker trouble) retries with exponential backoff, then fails with the reason."""
    with heartbeat(JournalEntry, entry_id, lease_seconds=settings.JOB_LEASE_SECONDS):
        journal_entry_process(entry_id=entry_id, take_over=take_over or process_journal.request.retries > 0)


@job("journals.resume_stalled")
def resume_stalled() -> int:
    """Every minute (beat): send again the journal jobs whose worker died (see the service)."""
    return journal_entries_resume_stalled()
