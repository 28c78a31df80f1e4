from django.conf import settings

from apps.core.jobs import job
from apps.core.lease import heartbeat
from apps.notes.models import SessionInput
from apps.notes.processing import session_input_fail, session_input_process, session_inputs_resume_stalled
from apps.notes.services.live import live_inputs_finish_abandoned


@job("notes.process_input", max_retries=5, fail=session_input_fail)
def process_input(input_id: str) -> None:
    """Idempotent and resumable like the journal job: retries with backoff, then fails with the reason."""
    with heartbeat(SessionInput, input_id, lease_seconds=settings.JOB_LEASE_SECONDS):
        session_input_process(input_id=input_id)


@job("notes.refine_input", max_retries=5, fail=session_input_fail)
def refine_input(input_id: str) -> None:
    """The same job on the ``ml_background`` queue: the full offline pass after a live session, whose live
    draft is already written and screened. ML workers take every ``ml`` job first (``backend/celery.py``)."""
    process_input(input_id)


@job("notes.resume_stalled")
def resume_stalled() -> int:
    """Every minute (beat): send again the session-input jobs whose worker died (see the service)."""
    return session_inputs_resume_stalled()


@job("notes.finish_abandoned_live")
def finish_abandoned_live() -> int:
    """Every five minutes (beat, ml queue: mono attribution loads the voice encoder): finish the live
    inputs whose connection never came back (see the service)."""
    return live_inputs_finish_abandoned()
