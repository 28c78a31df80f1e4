from celery import shared_task


@shared_task(name="core.ping", ignore_result=False)
def ping() -> str:
    """Round-trip check for operators (``celery -A backend call core.ping``) and the worker test."""
    return "pong"
