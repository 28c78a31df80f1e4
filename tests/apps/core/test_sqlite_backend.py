"""The embedded default's SQLite backend (backend/sqlite/base.py): connections are opened once per
process and reused across request threads, and writers in one process queue on a lock that every
way out of a transaction releases (issue 20)."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection

from backend.sqlite import base as pooled

OPTIONS = {
    "timeout": 5,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


@pytest.fixture
def make(tmp_path, django_db_blocker):
    """Wrappers on one scratch database file, as each request thread gets its own from Django."""
    name = str(tmp_path / "pool.sqlite3")
    made = []

    def factory(**options):
        settings_dict = {**connection.settings_dict, "ENGINE": "backend.sqlite", "NAME": name}
        settings_dict["OPTIONS"] = {**OPTIONS, **options}
        wrapper = pooled.DatabaseWrapper(settings_dict, alias=f"pool_{len(made)}")
        made.append(wrapper)
        return wrapper

    with django_db_blocker.unblock():
        first = factory()
        with first.cursor() as cursor:
            cursor.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, label TEXT)")
        first.close()
        yield factory
    pooled.pool_for(name).close_all()


def _in_thread(fn):
    out, errors = [], []

    def run():
        try:
            out.append(fn())
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the thread never finished"
    if errors:
        raise errors[0]
    return out[0]


def _begin(wrapper):
    """What ``transaction.atomic()`` does first on this backend: BEGIN IMMEDIATE."""
    wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def _end(wrapper, *, commit=True):
    wrapper.commit() if commit else wrapper.rollback()
    wrapper.set_autocommit(True)


def test_a_closed_connection_is_reused_by_the_next_request_thread(make):
    first = make()
    first.ensure_connection()
    raw = first.connection
    first.close()

    def next_request():
        wrapper = make()
        with wrapper.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            mode = cursor.fetchone()[0]
        reused = wrapper.connection
        wrapper.close()
        return reused, mode

    reused, mode = _in_thread(next_request)
    assert reused is raw  # not opened again: no schema parse, warm page cache
    assert mode == "wal"  # per-connection settings came along


def test_concurrent_requests_each_get_their_own_connection(make):
    a, b = make(), make()
    a.ensure_connection()
    b.ensure_connection()
    assert a.connection is not b.connection
    a.close()
    b.close()
    assert len(pooled.pool_for(a.settings_dict["NAME"]).idle) == 2


def test_the_pool_keeps_a_bounded_number_of_idle_connections(make):
    wrappers = [make() for _ in range(pooled.POOL_IDLE_MAX + 3)]
    for wrapper in wrappers:
        wrapper.ensure_connection()
    raws = [w.connection for w in wrappers]
    for wrapper in wrappers:
        wrapper.close()
    pool = pooled.pool_for(wrappers[0].settings_dict["NAME"])
    assert len(pool.idle) == pooled.POOL_IDLE_MAX
    with pytest.raises(Exception, match="closed"):  # the extra ones were really closed
        raws[-1].execute("SELECT 1")


def test_a_connection_closed_inside_a_transaction_is_not_reused(make):
    wrapper = make()
    wrapper.ensure_connection()
    _begin(wrapper)
    wrapper.cursor().execute("INSERT INTO item (label) VALUES ('half-done')")
    raw = wrapper.connection
    wrapper.close()  # e.g. a request that died mid-transaction

    other = make()
    other.ensure_connection()
    assert other.connection is not raw
    with other.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM item")
        assert cursor.fetchone()[0] == 0  # rolled back, not left open in the pool
    _begin(other)  # and the writers' lock was released with it
    _end(other)
    other.close()


def test_a_connection_that_had_a_database_error_is_not_reused(make):
    wrapper = make()
    wrapper.ensure_connection()
    raw = wrapper.connection
    with pytest.raises(Exception, match="no such table"):
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT * FROM missing")
    assert wrapper.errors_occurred
    wrapper.close()
    other = make()
    other.ensure_connection()
    assert other.connection is not raw
    other.close()


@pytest.mark.parametrize("commit", [True, False])
def test_commit_and_rollback_release_the_writers_lock(make, commit):
    wrapper = make()
    wrapper.ensure_connection()
    pool = pooled.pool_for(wrapper.settings_dict["NAME"])
    _begin(wrapper)
    assert pool.write_lock.locked()
    wrapper.cursor().execute("INSERT INTO item (label) VALUES ('x')")
    _end(wrapper, commit=commit)
    assert not pool.write_lock.locked()
    wrapper.close()


def test_a_second_writer_waits_for_the_first_and_then_writes(make):
    first = make()
    first.ensure_connection()
    _begin(first)
    first.cursor().execute("INSERT INTO item (label) VALUES ('first')")
    waiting = threading.Event()
    order = []

    def second_writer():
        wrapper = make()
        wrapper.ensure_connection()
        waiting.set()
        _begin(wrapper)  # blocks on the lock until ``first`` commits
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT label FROM item")
            order.extend(row[0] for row in cursor.fetchall())
            cursor.execute("INSERT INTO item (label) VALUES ('second')")
        _end(wrapper)
        wrapper.close()

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert waiting.wait(10)
    _end(first)  # the second writer's transaction starts after this commit, so it sees the row
    first.close()
    thread.join(30)
    assert not thread.is_alive()
    assert order == ["first"]


def test_a_writer_that_cannot_get_the_lock_fails_like_a_busy_database(make):
    holder = make()
    holder.ensure_connection()
    _begin(holder)

    def impatient():
        wrapper = make(timeout=0.05)
        wrapper.ensure_connection()
        try:
            _begin(wrapper)
        except Exception as exc:  # noqa: BLE001 - returned for the assertion
            return exc
        finally:
            wrapper.close()
        return None

    error = _in_thread(impatient)
    assert error is not None and "database is locked" in str(error)
    _end(holder)
    assert not pooled.pool_for(holder.settings_dict["NAME"]).write_lock.locked()
    holder.close()


def test_a_forked_child_does_not_reuse_its_parents_connections(make):
    wrapper = make()
    wrapper.ensure_connection()
    parent_raw = wrapper.connection
    wrapper.close()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a prefork Celery worker, say
        try:
            child = make()
            child.ensure_connection()
            os.write(write, b"reused" if child.connection is parent_raw else b"fresh")
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 16) == b"fresh"
    os.close(read)


def test_an_in_memory_database_is_left_to_django(django_db_blocker):
    settings_dict = {**connection.settings_dict, "ENGINE": "backend.sqlite", "NAME": ":memory:", "OPTIONS": OPTIONS}
    wrapper = pooled.DatabaseWrapper(settings_dict, alias="memory")
    with django_db_blocker.unblock():
        wrapper.ensure_connection()
        _begin(wrapper)  # no pool, no lock: closing would destroy the database, so Django never does
        _end(wrapper)
    assert wrapper._pool() is None
    wrapper.connection.close()


def test_the_embedded_default_uses_this_backend(tmp_path):
    from tests.apps.core.test_settings_and_schema import run_django

    show = (
        "from django.db import connections; c = connections['default']; "
        "print(type(c).__module__, c.settings_dict['OPTIONS'])"
    )
    result = run_django(["shell", "-c", show], INTERLUDE_VAR_DIR=str(tmp_path), DATABASE_URL="")
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("backend.sqlite.base ") and "'transaction_mode': 'IMMEDIATE'" in last
