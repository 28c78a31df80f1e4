import logging

from celery import shared_task

from apps.alerts import delivery, services
from apps.core import context

logger = logging.getLogger(__name__)


def _ctx(task):
    return context.bind(context.RequestContext(request_id=task.request.id or context.new_request_id(), via="task"))


@shared_task(bind=True, name="alerts.process_signals", acks_late=True, max_retries=10)
def process_signals(self) -> int:
    with _ctx(self):
        try:
            return services.alerts_process_pending()
        except Exception as exc:
            raise self.retry(exc=exc, countdown=min(300, 2 * 2**self.request.retries)) from exc


@shared_task(bind=True, name="alerts.deliver", acks_late=True, max_retries=10)
def deliver(self, delivery_ids: list[str]) -> None:
    with _ctx(self):
        try:
            delivery.deliver(delivery_ids)
        except Exception as exc:
            raise self.retry(exc=exc, countdown=min(300, 2 * 2**self.request.retries)) from exc


@shared_task(bind=True, name="alerts.tick")
def tick(self) -> dict:
    """Every 15 s: catch up on signals, escalate overdue urgent alerts, re-drive pending deliveries."""
    with _ctx(self):
        return {
            "signals": services.alerts_process_pending(),
            "escalated": services.alerts_escalate_due(),
            "redelivered": delivery.redeliver_due(),
        }
