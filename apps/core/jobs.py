"""Queue background jobs by name, after the current transaction commits.

Services call ``enqueue_on_commit("journals.process", entry_id=…)`` instead of importing a task
function: the service layer then never imports ``tasks`` modules (which import services), so the
import graph has no services ↔ tasks cycle. Tasks are registered by Celery's autodiscovery
(``backend/celery.py``) when a worker starts; in a web process they are imported the first time a
job is queued. Routing to queues is Celery configuration keyed by the same names.

Arguments go by keyword and must be JSON-serialisable (ids, not model instances): a task re-fetches
its rows, so it sees committed data and is safe to run twice.

Every task has one shape, ``@job(name, …)``: it runs in a request context of its own (audit events
carry the task id), retries with capped exponential backoff, fails at once on the errors it names
``permanent``, and on giving up hands a reason to the app's ``fail`` service, which records it on the
job's row. Which queue a name runs on is decided in ``backend/celery.py`` and nowhere else.
"""

from __future__ import annotations

import functools
import inspect
import logging
import threading
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import transaction
from kombu.exceptions import OperationalError

from apps.core import context

logger = logging.getLogger(__name__)
# Autodiscovery in a web process runs on the first job a request queues. Two requests doing it at once
# (ASGI threads) found a task module half imported by the other and answered 500 "no Celery task is
# registered as 'journals.process'" (benchmarks/load.py, 200 patients): one thread imports at a time.
_discovering = threading.Lock()


def job(
    name: str,
    *,
    max_retries: int = 0,
    backoff: float = 5,
    backoff_max: float = 600,
    permanent: tuple[type[Exception], ...] = (),
    fail: Callable[..., None] | None = None,
    **options: Any,
):
    """Make ``fn`` the Celery task ``name``.

    An exception retries after ``min(backoff_max, backoff * 2**retry)`` seconds, up to ``max_retries``
    times. Then, or at once for a ``permanent`` error, ``fail(reason=…, **the job's arguments)`` records
    the failure and the job ends; without ``fail`` the error propagates (Celery logs it as failed).
    A given-up reason names the exception type only (a message may quote patient data); a permanent
    error's message is the reason, so those exceptions carry fixed, PHI-free messages."""

    def decorate(fn: Callable[..., Any]):
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            request = task.request
            with context.bind(context.RequestContext(request_id=request.id or context.new_request_id(), via="task")):
                try:
                    return fn(*args, **kwargs)
                except RetryLater as exc:  # not a failure: the job is sent again as new, its retries untouched
                    logger.info("job %s %s: %s", name, request.id, exc)
                    task.apply_async(args=args, kwargs=kwargs, countdown=exc.countdown)
                    return None
                except permanent as exc:
                    logger.warning("job %s %s failed permanently: %s", name, request.id, type(exc).__name__)
                    if fail is None:
                        raise
                    reason = str(exc)
                except Exception as exc:
                    attempts = request.retries + 1
                    if request.retries < max_retries:
                        raise task.retry(exc=exc, countdown=min(backoff_max, backoff * 2**request.retries)) from exc
                    logger.error(
                        "job %s %s gave up after %s attempts: %s", name, request.id, attempts, type(exc).__name__
                    )
                    if fail is None:
                        raise
                    reason = f"gave up after {attempts} attempts ({type(exc).__name__})"
                fail(reason=reason, **signature.bind(*args, **kwargs).arguments)
                return None

        run.__signature__ = signature  # Celery checks a call's arguments against the job's own
        run.job_shape = {"max_retries": max_retries, "backoff": backoff, "permanent": permanent, "fail": fail}
        task = shared_task(name=name, max_retries=max_retries, **options)(run)
        return task

    return decorate


class RetryLater(Exception):  # noqa: N818 - a request, not an error
    """Raised by a job whose row another live run holds: the job is sent again, as a new message, in
    ``countdown`` seconds (when that run's lease would have lapsed if it died) instead of being dropped
    or run twice. A new message, not a Celery retry: a retry means this job's own run failed."""

    def __init__(self, countdown: float) -> None:
        super().__init__(f"held by another run; again in {countdown:.0f} s")
        self.countdown = countdown


def job_queue(name: str) -> str:
    """The queue ``name`` is routed to (``backend/celery.py``)."""
    from backend.celery import TASK_QUEUES

    return TASK_QUEUES[name]


def queue_backlog(queue: str) -> int | None:
    """Messages waiting in ``queue`` on the broker (not those a worker already holds); None if the broker
    cannot say. Sweepers use it to tell a job still waiting its turn from a job that was lost."""
    from amqp.exceptions import ChannelError

    from backend.celery import app

    try:
        with app.connection_for_write() as conn:
            try:
                return conn.default_channel.queue_declare(queue, passive=True).message_count
            except ChannelError:  # Redis: an empty queue's list does not exist
                return 0
    except Exception as exc:  # noqa: BLE001 - unknown: the caller behaves as if nothing were queued
        logger.info("queue %s backlog unknown (%s)", queue, type(exc).__name__)
        return None


def _task(name: str):
    from backend.celery import app

    if name not in app.tasks:
        with _discovering:
            if name not in app.tasks:
                app.loader.import_default_modules()  # autodiscovery, in processes that are not workers
    try:
        return app.tasks[name]
    except KeyError as exc:
        raise LookupError(f"no Celery task is registered as {name!r}") from exc


def enqueue(name: str, /, **kwargs: Any) -> None:
    """Queue ``name`` now (use only outside a transaction, e.g. from a task fanning out jobs)."""
    _task(name).apply_async(kwargs=kwargs)


def enqueue_on_commit(name: str, /, **kwargs: Any) -> None:
    """Queue ``name`` once the current transaction commits; nothing is queued if it rolls back.

    The name is checked now, so a typo fails in the request that made it, not silently later.
    If the broker is unreachable (Redis down) the job is logged as not sent and the request still
    succeeds: its rows are committed, and the sweepers send the work later (``alerts.tick`` for
    signals and deliveries, ``journals.resume_stalled`` and ``notes.resume_stalled`` for those jobs,
    ``insights.resume_missing`` for check-in notes). Raising here would answer 500 for a write that is
    already stored."""
    task = _task(name)

    def send() -> None:
        try:
            task.apply_async(kwargs=kwargs)
        except OperationalError as exc:
            logger.warning("job %s not queued, broker unreachable (%s); a sweeper sends it later", name, exc)

    transaction.on_commit(send)
