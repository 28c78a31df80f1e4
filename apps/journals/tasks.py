import logging

from celery import shared_task
from django.conf import settings

from apps.core import context
from apps.core.lease import heartbeat
from apps.journals.models import JournalEntry
from apps.journals.services import (
    PermanentJobError,
    journal_entries_resume_stalled,
    journal_entry_fail,
    journal_process,
)

logger = logging.getLogger(__name__)
MAX_RETRIES = 5


@shared_task(bind=True, name="journals.process", acks_late=True, max_retries=MAX_RETRIES)
def process_journal(self, entry_id: str) -> None:
    """Idempotent: re-running on a finished entry does nothing. Damaged audio fails once; anything
    else (storage or worker trouble) retries with exponential backoff, then fails with the reason."""
    with context.bind(context.RequestContext(request_id=self.request.id or context.new_request_id(), via="task")):
        try:
            with heartbeat(JournalEntry, entry_id, lease_seconds=settings.JOB_LEASE_SECONDS):
                journal_process(entry_id=entry_id)
        except PermanentJobError as exc:
            logger.warning("journal %s failed permanently: %s", entry_id, exc)
            journal_entry_fail(entry_id=entry_id, reason=str(exc))
        except Exception as exc:
            if self.request.retries >= self.max_retries:
                logger.error(
                    "journal %s failed after %s attempts: %s", entry_id, self.request.retries + 1, type(exc).__name__
                )
                journal_entry_fail(
                    entry_id=entry_id,
                    reason=f"gave up after {self.request.retries + 1} attempts ({type(exc).__name__})",
                )
                return
            raise self.retry(exc=exc, countdown=min(600, 5 * 2**self.request.retries)) from exc


@shared_task(name="journals.resume_stalled")
def resume_stalled() -> int:
    """Every minute (beat): send again the journal jobs whose worker died (see the service)."""
    with context.bind(context.RequestContext(request_id=context.new_request_id(), via="task")):
        return journal_entries_resume_stalled()
