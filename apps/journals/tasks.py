import logging

from celery import shared_task

from apps.core import context
from apps.journals.services import PermanentJobError, journal_entry_fail, journal_process

logger = logging.getLogger(__name__)
MAX_RETRIES = 5


@shared_task(bind=True, name="journals.process", acks_late=True, max_retries=MAX_RETRIES)
def process_journal(self, entry_id: str) -> None:
    """Idempotent: re-running on a finished entry does nothing. Damaged audio fails once; anything
    else (storage or worker trouble) retries with exponential backoff, then fails with the reason."""
    with context.bind(context.RequestContext(request_id=self.request.id or context.new_request_id(), via="task")):
        try:
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
