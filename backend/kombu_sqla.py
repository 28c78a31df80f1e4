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
"""

from kombu.transport import sqlalchemy
from kombu.utils.json import dumps
from sqlalchemy import event

POLL_SECONDS = 0.1
BUSY_TIMEOUT_MS = 20_000


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


class Channel(sqlalchemy.Channel):
    polling_interval = POLL_SECONDS

    def _engine_from_config(self):
        engine = super()._engine_from_config()
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._queue_ids: dict[str, int] = {}

    def _put(self, queue, payload, **kwargs):
        queue_id = self._queue_ids.get(queue)
        if queue_id is None:
            queue_id = self._queue_ids[queue] = self._get_or_create(queue).id
        engine, _ = self._open()
        row = {"payload": dumps(payload), "queue_id": queue_id, "visible": True, "version": 1}
        with engine.begin() as connection:  # commits, or rolls back and raises: a failed publish is never silent
            connection.execute(self.message_cls.__table__.insert(), row)


class Transport(sqlalchemy.Transport):
    Channel = Channel
    polling_interval = POLL_SECONDS
