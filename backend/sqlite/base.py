"""Django's SQLite backend with two changes for a web process that serves many requests at once
(the embedded default; settings ``DATABASES``).

**Connections are reused.** Under ASGI each request runs its sync code in a thread of its own, and
Django keeps connections per thread, so every request opened a new SQLite connection and closed it
at the end. Opening one costs far more than the queries of a small request: SQLite parses the whole
schema (over 200 tables and indexes) on the first statement, the page cache starts empty, and when
the closing connection is the last one on the file SQLite checkpoints the WAL and deletes it. Measured
with ``benchmarks/request_cost.py`` (issue 20): 3 to 10 ms per request, more than a whole check-in's
queries. ``close()`` now hands the connection to a small per-process pool (newest first, so its
cache is warm) and the next ``connect()`` in any thread takes it back. A connection is pooled only
when it is idle: one closed inside a transaction, or after a database error, is really closed.
PRAGMAs and Django's SQL functions are per connection, so a pooled connection keeps them.

**Writers in one process queue on a lock instead of polling.** Every ``transaction.atomic()`` starts
with ``BEGIN IMMEDIATE`` (``transaction_mode``), which takes SQLite's write lock. A second writer
used SQLite's busy handler, which sleeps 1, 2, 5, 10, 15, 20, 25, 25, ... ms between tries whether
or not the lock was freed meanwhile, so with four clients most of a check-in's time was spent
asleep after the lock was already free. Threads of this process now wait on a ``threading.Lock``
taken just before ``BEGIN IMMEDIATE`` and released after ``COMMIT``/``ROLLBACK``, so the next writer
starts the moment the previous one ends. Writers in other processes (the Celery workers) still
meet SQLite's own lock and busy timeout, as before. The lock is held exactly as long as SQLite's
write lock would be, so no transaction waits longer than it did.

Both apply to database files only; an in-memory database (the test database) behaves as Django's.
A forked child (Celery's prefork pool) never reuses its parent's connections.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections import deque

from django.db.backends.sqlite3 import base
from django.utils.asyncio import async_unsafe

Database = base.Database

POOL_IDLE_MAX = 8  # idle connections kept per database file; more concurrent requests open new ones


class _Pool:
    """Idle connections and the writers' lock for one database file, in one process."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.idle: deque = deque()
        self.guard = threading.Lock()  # protects ``idle``
        self.write_lock = threading.Lock()

    def take(self):
        with self.guard:
            return self.idle.pop() if self.idle else None

    def give(self, conn) -> bool:
        with self.guard:
            if len(self.idle) >= POOL_IDLE_MAX:
                return False
            self.idle.append(conn)
            return True

    def close_all(self) -> None:
        with self.guard:
            conns, self.idle = list(self.idle), deque()
        for conn in conns:
            conn.close()


_pools: dict[str, _Pool] = {}
_pools_guard = threading.Lock()


def pool_for(name: str) -> _Pool:
    with _pools_guard:
        pool = _pools.get(name)
        if pool is None or pool.pid != os.getpid():  # a forked child starts with no connections
            pool = _pools[name] = _Pool()
        return pool


def _forget_pools_in_child() -> None:
    # SQLite connections must not cross fork(): the child drops its parent's (without closing them).
    global _pools_guard
    _pools.clear()
    _pools_guard = threading.Lock()


os.register_at_fork(after_in_child=_forget_pools_in_child)


@atexit.register
def _close_idle() -> None:
    for pool in list(_pools.values()):
        if pool.pid == os.getpid():
            pool.close_all()


class _Connection(Database.Connection):
    """A sqlite3 connection that remembers which process opened it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.opened_by = os.getpid()


class DatabaseWrapper(base.DatabaseWrapper):
    _write_lock_pool: _Pool | None = None  # the pool whose write lock this connection holds

    def _pool(self) -> _Pool | None:
        return None if self.is_in_memory_db() else pool_for(str(self.settings_dict["NAME"]))

    def get_connection_params(self):
        params = super().get_connection_params()
        params["factory"] = _Connection
        self._lock_timeout = float(params.get("timeout", 5.0))
        return params

    @async_unsafe
    def get_new_connection(self, conn_params):
        pool = self._pool()
        conn = pool.take() if pool is not None else None
        return conn if conn is not None else super().get_new_connection(conn_params)

    def _close(self):
        conn, pool = self.connection, self._pool()
        try:
            reusable = (
                conn is not None
                and pool is not None
                and getattr(conn, "opened_by", None) == os.getpid()
                and not conn.in_transaction
                and not self.in_atomic_block
                and not self.errors_occurred
            )
            if reusable and pool.give(conn):
                return None
            return super()._close()
        finally:
            self._release_write_lock()

    # --- writers ---------------------------------------------------------------------------------
    def _start_transaction_under_autocommit(self):
        pool = self._pool()
        if pool is None or self.transaction_mode != "IMMEDIATE":
            return super()._start_transaction_under_autocommit()
        if not pool.write_lock.acquire(timeout=self._lock_timeout):
            with self.wrap_database_errors:
                raise Database.OperationalError("database is locked")
        self._write_lock_pool = pool
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _release_write_lock(self) -> None:
        pool, self._write_lock_pool = self._write_lock_pool, None
        if pool is not None:
            pool.write_lock.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()
