"""kombu's SQLAlchemy transport (the embedded default's broker) with a faster poll and cheap commits.

The stock transport polls once a second and forwards every transport option to
``sqlalchemy.create_engine`` (so ``polling_interval`` cannot be set as an option). Alerts hop through
two tasks, and a 1 s poll per hop would eat most of their 2 s budget, so this subclass polls every
100 ms. Registered as the ``isqla+`` URL scheme in ``backend/celery.py``.

On SQLite the broker file runs in WAL mode with ``synchronous=NORMAL``, like the application database
(see ``DATABASES`` in settings). In SQLite's default rollback-journal mode every publish waited for
two fsyncs, about 20 ms, which was most of the cost of a check-in with a note (issue 20). WAL with
NORMAL survives a crash of any process; only a power cut can lose the last commits, the same
guarantee the application database gives, and the scheduler's catch-up jobs re-drive lost work.

Publishing is one Core ``INSERT`` in its own short transaction. The stock ``_put`` looked the queue
row up again and went through an ORM session (add, flush, commit, expire) on every message; queue
rows are never deleted (kombu only purges messages), so their ids are cached per channel.

A worker consuming several queues takes them in the order it named them (``_InOrder``), as the Redis
transport does with ``queue_order_strategy`` "priority": the background ML queue waits while ``ml`` has work.

On SQLite a publish also wakes the workers waiting on this broker file (``backend/wake.py``), so a job
starts as soon as it is committed; the 100 ms poll remains the fallback.

A publish is never lost to a race between processes (CI, 30 Nov: an upload's job failed to enqueue). On a
fresh broker file the web process, the workers and the scheduler all create the tables and the queue rows at
once; the stock transport let that race raise ``OperationalError``, and the stock ``_get_or_create`` even
returned an unsaved queue row (id ``None``) when its insert failed, so a message could be stored under no
queue. Worse, kombu treats ``OperationalError`` as a lost connection: it retried the failed declare by
reconnecting, which closed the producer's channel while ``Producer._publish`` still held it, and the publish
died on the closed channel. Here the tables are created idempotently (retried: another process may create
them between the check and the ``CREATE``), a queue row is found or inserted in short transactions of their
own and retried until it has an id, and ``OperationalError`` is a recoverable *channel* error, so kombu
retries on the same channel (the engine's pool replaces a dead database connection by itself). The channel
keeps its broker address, so even a channel closed under a publish still finds the engine it opened.
"""

from pathlib import Path
from time import monotonic, sleep
from types import SimpleNamespace

from kombu.transport import sqlalchemy
from kombu.transport.sqlalchemy.models import metadata
from kombu.transport.virtual import Empty
from kombu.utils.json import dumps
from kombu.utils.scheduling import FairCycle
from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import sessionmaker

from backend import wake

POLL_SECONDS = 0.1
BUSY_TIMEOUT_MS = 20_000
RACE_ATTEMPTS = 8  # creating tables or a queue row while other processes do the same


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # first: switching to WAL waits for other processes
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _retrying(step, errors=(OperationalError,)):
    """``step()``, tried again after a short pause when another process won a race (the last failure raises)."""
    for attempt in range(RACE_ATTEMPTS - 1):
        try:
            return step()
        except errors:
            sleep(0.02 * (attempt + 1))
    return step()


def wake_directory(url: str) -> Path | None:
    """Where the workers of a SQLite broker file listen for wake-ups; None for other databases (their
    workers may be on other hosts, so they only poll)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database).with_suffix(".wake")


class _InOrder(FairCycle):
    """The queues a worker consumes, tried in the order it named them on every fetch (kombu's
    ``FairCycle`` takes turns): ``--queues=ml,ml_background`` takes an ``ml`` job whenever one waits."""

    def get(self, callback, **kwargs):
        self.pos = 0
        return super().get(callback, **kwargs)


class Channel(sqlalchemy.Channel):
    polling_interval = POLL_SECONDS

    def _reset_cycle(self):
        self._cycle = _InOrder(self._get_and_deliver, self._active_queues, Empty)

    def __init__(self, connection, *args, **kwargs):
        self._client = connection.client  # kept: kombu may close this channel mid-publish (see the module doc)
        super().__init__(connection, *args, **kwargs)
        self._queue_ids: dict[str, int] = {}

    def _engine_from_config(self):
        engine = super()._engine_from_config()
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    def _open(self):
        url = self._client.hostname
        if url not in self._engines:
            with sqlalchemy._MUTEX:
                if url not in self._engines:
                    engine = self._engine_from_config()
                    _retrying(lambda: metadata.create_all(engine))  # checks first; another process may be creating
                    self._engines[url] = engine, sessionmaker(bind=engine)
        return self._engines[url]

    def _queue_id(self, queue: str) -> int:
        """The queue row's id, found or created in short transactions of their own; never ``None``."""
        queue_id = self._queue_ids.get(queue)
        if queue_id is not None:
            return queue_id
        engine, _ = self._open()
        table = self.queue_cls.__table__

        def find_or_insert() -> int:
            with engine.connect() as connection:
                found = connection.execute(select(table.c.id).where(table.c.name == queue)).scalar()
            if found is not None:
                return found
            with engine.begin() as connection:  # a unique name: a concurrent insert fails here, and we look again
                return connection.execute(table.insert().values(name=queue)).inserted_primary_key[0]

        queue_id = self._queue_ids[queue] = _retrying(find_or_insert, (OperationalError, IntegrityError))
        return queue_id

    def _get_or_create(self, queue):
        return SimpleNamespace(id=self._queue_id(queue))  # kombu's callers read only ``.id``

    def _put(self, queue, payload, **kwargs):
        queue_id = self._queue_id(queue)
        engine, _ = self._open()
        row = {"payload": dumps(payload), "queue_id": queue_id, "visible": True, "version": 1}
        with engine.begin() as connection:  # commits, or rolls back and raises: a failed publish is never silent
            connection.execute(self.message_cls.__table__.insert(), row)
        directory = wake_directory(self._client.hostname)
        if directory is not None:
            wake.wake(directory)


class Transport(sqlalchemy.Transport):
    Channel = Channel
    polling_interval = POLL_SECONDS
    # Retried on the same channel, never by reconnecting (see the module doc); a worker still treats it as a
    # broker outage (``connection_errors``) and reconnects its consumer.
    recoverable_connection_errors = ()
    recoverable_channel_errors = (OperationalError,)
    _listener: wake.Listener | None = None
    _listening = False

    def _wait(self, seconds: float) -> None:
        if not self._listening:
            self._listening = True
            directory = wake_directory(self.client.hostname)
            self._listener = wake.listen(directory) if directory is not None else None
        if self._listener is None:
            sleep(seconds)
        else:
            self._listener.wait(seconds)

    def drain_events(self, connection, timeout=None):
        """kombu's loop, waiting on the wake-up socket instead of sleeping between polls."""
        started = monotonic()
        interval = min(self.polling_interval, timeout) if timeout else self.polling_interval
        while True:
            try:
                self.cycle.get(self._deliver, timeout=timeout)
                return
            except Empty:
                if timeout is not None and monotonic() - started >= timeout:
                    raise TimeoutError from None
                self._wait(interval)

    def close_connection(self, connection):
        if self._listener is not None:
            self._listener.close()
            self._listener, self._listening = None, False
        super().close_connection(connection)
