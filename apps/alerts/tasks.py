from apps.alerts import delivery, services
from apps.core.jobs import job


@job("alerts.process_signals", max_retries=10, backoff=2, backoff_max=300)
def process_signals() -> int:
    return services.alerts_process_pending()


@job("alerts.deliver", max_retries=10, backoff=2, backoff_max=300)
def deliver(delivery_ids: list[str]) -> None:
    delivery.deliver(delivery_ids)


@job("alerts.push", max_retries=10, backoff=2, backoff_max=300)
def push(delivery_ids: list[str]) -> None:
    """FCM push for deliveries whose websocket event already went (``alerts.deliver`` queues it)."""
    delivery.push_pending(delivery_ids)


@job("alerts.tick")
def tick() -> dict:
    """Every 15 s: catch up on signals, escalate overdue urgent alerts, re-drive pending deliveries."""
    return {
        "signals": services.alerts_process_pending(),
        "escalated": services.alerts_escalate_due(),
        "redelivered": delivery.redeliver_due(),
    }
