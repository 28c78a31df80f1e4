"""Wake-ups between processes (backend/wake.py): best effort, never raising, and cleaning up after
listeners that died. Waits are bounded by a long timeout; a wake-up that works returns at once and a
broken one returns False, so nothing here depends on how fast the machine is."""

import subprocess
import sys

from backend import wake

LONG = 60.0


def test_a_wake_from_another_process_ends_the_wait(tmp_path):
    listener = wake.listen(tmp_path)
    assert listener is not None
    code = f"from pathlib import Path; from backend import wake; wake.wake(Path({str(tmp_path)!r}))"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert listener.wait(LONG) is True
    assert listener.drain() is False  # consumed: the next wait really waits
    listener.close()
    assert list(tmp_path.iterdir()) == []


def test_many_wakes_before_a_wait_are_one_wake(tmp_path):
    listener = wake.listen(tmp_path)
    for _ in range(100):
        wake.wake(tmp_path)
    assert listener.wait(LONG) is True and listener.wait(0) is False
    listener.close()


def test_a_dead_listeners_socket_is_removed_and_nothing_raises(tmp_path):
    dead = wake.listen(tmp_path)
    dead.sock.close()  # the process died: its socket file is left behind
    alive = wake.listen(tmp_path)
    wake.wake(tmp_path)
    assert not dead.path.exists() and alive.wait(LONG) is True
    wake.wake(tmp_path / "nobody-listens-here")
    alive.close()


def test_where_no_socket_can_be_bound_the_caller_polls(tmp_path):
    assert wake.listen(tmp_path / ("x" * 200)) is None  # longer than a UNIX socket path may be
