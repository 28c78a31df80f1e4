"""Loaded before Django's settings (``-p tests.xdist_isolation`` in pyproject's addopts): when the suite
runs in parallel (pytest-xdist), each worker gets a Redis database of its own. Every test empties the cache
(``cache.clear()`` is a FLUSHDB on Redis) and the real-worker tests put jobs on the broker's queues; on a
shared database one worker's test would empty or take another's. Worker ``gwN`` uses database
``base + N`` of the same server (Redis has 16; ``base`` is the one ``REDIS_URL`` names)."""

from __future__ import annotations

import os
from urllib.parse import urlparse


def _own_database(url: str, offset: int) -> str:
    parsed = urlparse(url)
    base = int(parsed.path.lstrip("/") or 0)
    return parsed._replace(path=f"/{(base + offset) % 16}").geturl()


def isolate(environ=os.environ) -> None:
    worker = environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return
    offset = int(worker[2:])
    for name in ("REDIS_URL", "LIVE_STACK_REDIS_URL", "CELERY_BROKER_URL"):
        value = environ.get(name, "")
        if value.startswith(("redis://", "rediss://")):
            environ[name] = _own_database(value, offset)


isolate()
