import logging

from celery import shared_task

from apps.core import context
from apps.notes.models import InputStatus, SessionInput
from apps.notes.processing import input_process

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="notes.process_input", acks_late=True, max_retries=5)
def process_input(self, input_id: str) -> None:
    with context.bind(context.RequestContext(request_id=self.request.id or context.new_request_id(), via="task")):
        try:
            input_process(input_id=input_id)
        except Exception as exc:
            if self.request.retries >= self.max_retries:
                SessionInput.objects.filter(pk=input_id).update(
                    status=InputStatus.FAILED, error=f"gave up: {type(exc).__name__}"
                )
                logger.error("session input %s failed: %s", input_id, type(exc).__name__)
                return
            raise self.retry(exc=exc, countdown=min(600, 5 * 2**self.request.retries)) from exc
