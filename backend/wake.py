"""Wake-ups between processes on one host, for the embedded default's two polled paths: the SQLAlchemy
broker (``kombu_sqla.py``) and the realtime relay table (``apps/core/relay.py``).

A process that polls binds a UNIX datagram socket in a directory and waits on it, with its poll
interval as the timeout. A process that writes, once its write has committed, sends one byte to every
socket in that directory. So a job or an event is picked up as soon as it exists instead of at the next
poll (issue 12: the two polls were a fixed ~150 ms of every embedded alert on an idle machine).

Best effort by design: the poll stays as the fallback, so a lost or refused datagram costs one poll
interval, never a message. Nothing but a wake-up byte is ever sent.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import uuid
from pathlib import Path

logger = logging.getLogger(__name__)


class Listener:
    """One bound socket, removed on ``close``. ``wait`` returns early when woken."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # like the 0600 database files beside it
        self.path = directory / f"{os.getpid()}-{uuid.uuid4().hex[:8]}.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self.sock.bind(str(self.path))
        except OSError:
            self.sock.close()
            raise
        self.sock.setblocking(False)

    def fileno(self) -> int:
        return self.sock.fileno()

    def drain(self) -> bool:
        """Read every pending wake-up; True if there was at least one."""
        woken = False
        while True:
            try:
                self.sock.recv(16)
            except (BlockingIOError, InterruptedError):
                return woken
            woken = True

    def wait(self, timeout: float) -> bool:
        readable, _, _ = select.select([self.sock], [], [], timeout)
        return self.drain() if readable else False

    def close(self) -> None:
        self.sock.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


def listen(directory: Path) -> Listener | None:
    """A listener, or None where this host cannot have one (no AF_UNIX, a path too long): then the
    caller simply polls."""
    if not hasattr(socket, "AF_UNIX"):
        return None
    try:
        return Listener(directory)
    except OSError as exc:
        logger.info("no wake-up socket in %s (%s); polling only", directory, type(exc).__name__)
        return None


def wake(directory: Path) -> None:
    """Wake every listener in ``directory``. Never raises."""
    try:
        paths = list(directory.glob("*.sock"))
    except OSError:
        return
    if not paths:
        return
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.setblocking(False)
        for path in paths:
            try:
                sender.sendto(b"\x01", str(path))
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(OSError):  # its process died without closing: nobody listens
                    path.unlink()
            except OSError:  # a full buffer: that listener has wake-ups waiting already
                pass
