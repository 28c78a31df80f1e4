from apps.core.jobs import job


@job("core.ping", ignore_result=False)
def ping() -> str:
    """Round-trip check for operators (``celery -A backend call core.ping``) and the worker test."""
    return "pong"


@job("core.heartbeat")
def heartbeat() -> None:
    """Nothing to do: being received is the evidence that the worker consumes
    (``backend/worker_liveness.py``)."""
