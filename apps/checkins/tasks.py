import logging

from apps.checkins.services.schedules import reminders_dispatch
from apps.core.jobs import job

logger = logging.getLogger(__name__)


@job("checkins.dispatch_reminders")
def dispatch_reminders() -> dict:
    result = reminders_dispatch()
    if any(result.values()):
        logger.info("reminders: %s", result)
    return result
