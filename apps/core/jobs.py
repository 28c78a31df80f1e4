"""Queue background jobs by name, after the current transaction commits.

Services call ``enqueue_on_commit("journals.process", entry_id=…)`` instead of importing a task
function: the service layer then never imports ``tasks`` modules (which import services), so the
import graph has no services ↔ tasks cycle. Tasks are registered by Celery's autodiscovery
(``backend/celery.py``) when a worker starts; in a web process they are imported the first time a
job is queued. Routing to queues is Celery configuration keyed by the same names.

Arguments go by keyword and must be JSON-serialisable (ids, not model instances): a task re-fetches
its rows, so it sees committed data and is safe to run twice.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)
# Autodiscovery in a web process runs on the first job a request queues. Two requests doing it at once
# (ASGI threads) found a task module half imported by the other and answered 500 "no Celery task is
# registered as 'journals.process'" (benchmarks/load.py, 200 patients): one thread imports at a time.
_discovering = threading.Lock()


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
    signals and deliveries, ``journals.resume_stalled`` for journals, ``insights.resume_missing`` for
    check-in notes). Raising here would answer 500 for a write that is already stored."""
    task = _task(name)

    def send() -> None:
        try:
            task.apply_async(kwargs=kwargs)
        except OperationalError as exc:
            logger.warning("job %s not queued, broker unreachable (%s); a sweeper sends it later", name, exc)

    transaction.on_commit(send)
