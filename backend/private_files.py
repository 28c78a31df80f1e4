"""Files of the embedded default that hold data (the SQLite database, the broker's queue) are the
owner's alone, like ``var/dev-secrets.json``: created 0600 before SQLite first opens them.

SQLite gives its ``-wal``, ``-shm`` and ``-journal`` files the database file's permissions, so a
database created 0600 keeps its write-ahead log private too. Files left world-readable by an
earlier version are tightened on start.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def private_sqlite_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    for candidate in (path, *(path.with_name(path.name + s) for s in SQLITE_SIDECARS)):
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o077:
            candidate.chmod(mode & 0o700)
    return path
