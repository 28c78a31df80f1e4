"""A worker's hold on a job row: touched every third of the lease while the job runs.

A job whose row went untouched for a whole lease lost its worker (SIGKILL, OOM, a host gone): a
sweeper sends it again and the row claim decides who carries on. The heartbeat runs on its own
thread, so a long model call in the job does not stop it, and it uses its own database connection.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator

from django.db import connection
from django.db.models import Model
from django.utils import timezone

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def heartbeat(model: type[Model], pk, *, lease_seconds: float) -> Iterator[None]:
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(lease_seconds / 3):
                try:
                    model.objects.filter(pk=pk).update(updated_at=timezone.now())
                except Exception as exc:  # noqa: BLE001 - a missed beat is retried; the job goes on
                    logger.warning("job heartbeat for %s %s failed: %s", model.__name__, pk, type(exc).__name__)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"heartbeat-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
