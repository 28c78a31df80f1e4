"""A worker's hold on a job row: touched every third of the lease while the job runs.

A job row (a journal entry, a session input) carries ``status``, ``attempts``, ``failed_at_state``,
``error`` and ``updated_at``. A run claims the row under ``select_for_update`` (``row_claim``: one
more attempt), and stores a step's result only if no later run has claimed it since. A job whose row
went untouched for a whole lease lost its worker (SIGKILL, OOM, a host gone): a sweeper
(``rows_resend_stalled``) sends it again and the row claim decides who carries on. The heartbeat
runs on its own thread, so a long model call in the job does not stop it, and it uses its own
database connection.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Iterator

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from apps.core.jobs import enqueue_on_commit, job_queue, queue_backlog

logger = logging.getLogger(__name__)
DONE, FAILED = "done", "failed"
# Rows that ended without a result a retry could change (journals: speech in an unsupported language).
FINISHED = (DONE, FAILED, "language_unsupported")


def row_claim(
    rows: QuerySet, pk, *, moves: dict[str, str], lease: dt.timedelta | None = None
) -> tuple[Model | None, bool]:
    """Lock the row and, if its status is a key of ``moves``, move it to that status as one more
    attempt. Returns the row (unchanged when it was not claimable) and whether this run claimed it.
    With ``lease``, a status that moves to itself (resuming a run) is claimed only once the row has
    gone untouched for the lease: a live run touches its row (``heartbeat``), so a duplicate message
    cannot take a job over from a worker that is still on it and transcribe it a second time (``held``).
    Call inside a transaction."""
    row = rows.select_for_update().filter(pk=pk).first()
    if row is None or row.status not in moves or held(row, moves=moves, lease=lease):
        return row, False
    row.status = moves[row.status]
    row.attempts += 1
    row.save(update_fields=["status", "attempts", "updated_at"])
    return row, True


def held(row: Model, *, moves: dict[str, str], lease: dt.timedelta | None) -> bool:
    """Whether a live run holds ``row``: it is in a resumable status and was touched within ``lease``."""
    return lease is not None and moves.get(row.status) == row.status and row.updated_at > timezone.now() - lease


def row_lock_if_claimed(rows: QuerySet, pk, *, status: str, attempt: int) -> Model | None:
    """The row, locked, if it is still in ``status`` under the claim ``attempt`` (no later run took it
    over); else None. Call inside a transaction, before storing a step's result."""
    return rows.select_for_update().filter(pk=pk, status=status, attempts=attempt).first()


def row_fail(rows: QuerySet, pk, *, reason: str) -> Model | None:
    """Mark a job row failed, remembering the state it failed in. Returns the row, or None when it is
    gone or already finished. Call inside a transaction."""
    row = rows.select_for_update().filter(pk=pk).first()
    if row is None or row.status in FINISHED:
        return None
    row.failed_at_state, row.status, row.error = row.status, FAILED, reason[:200]
    row.save(update_fields=["failed_at_state", "status", "error", "updated_at"])
    return row


def rows_resend_stalled(
    model: type[Model],
    *,
    claimed: list[str],
    queued: str,
    job: str,
    argument: str,
    take_over: str | None = None,
    also_queued_by: tuple[str, ...] = (),
    now: dt.datetime | None = None,
) -> int:
    """Send again the jobs that lost their worker: claimed rows untouched for a lease
    (``JOB_LEASE_SECONDS``; running jobs touch them, ``heartbeat``), and queued rows untouched for
    five leases (a message lost with a killed embedded broker consumer, or never sent while Redis was
    down). Each row is touched as it is sent, so the next sweep waits again; the row claim makes a
    duplicate message harmless. Queued rows are left alone while the job's queue has messages waiting:
    under a backlog a queued row is waiting its turn, not lost, and resending it every five leases only
    made the backlog longer (issue 12's load run); once the queue drains, a lost one is sent again.
    A job whose claim honours a lease (``row_claim(lease=…)``) names its ``take_over`` argument: the
    sweeper's message takes the stalled claim over even though sending it touched the row.
    ``also_queued_by``: other jobs that queue the same rows (on their own queues), whose backlog counts too."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)
    stalled = Q(status__in=claimed, updated_at__lt=now - lease)
    if not any(queue_backlog(queue) for queue in {job_queue(name) for name in (job, *also_queued_by)}):
        stalled |= Q(status=queued, updated_at__lt=now - 5 * lease)
    with transaction.atomic():
        rows = list(model.objects.filter(stalled).order_by("updated_at").values_list("pk", "status")[:200])
        ids = [pk for pk, _ in rows]
        model.objects.filter(pk__in=ids).update(updated_at=now)
        for pk, status in rows:
            extra = {take_over: True} if take_over and status != queued else {}
            enqueue_on_commit(job, **{argument: str(pk)}, **extra)
    if ids:
        logger.warning("sent %s stalled %s job(s) again", len(ids), job)
    return len(ids)


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
