from celery import shared_task


@shared_task(name="core.ping")
def ping() -> str:
    """Round-trip check for operators (``celery -A backend call core.ping``) and the worker test."""
    return "pong"
