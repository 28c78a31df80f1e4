import logging

from celery import shared_task

from apps.checkins.services.schedules import reminders_dispatch
from apps.core import context

logger = logging.getLogger(__name__)


@shared_task(name="checkins.dispatch_reminders")
def dispatch_reminders() -> dict:
    with context.bind(context.RequestContext(request_id=context.new_request_id(), via="task")):
        result = reminders_dispatch()
    if any(result.values()):
        logger.info("reminders: %s", result)
    return result
