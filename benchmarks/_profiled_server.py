"""uvicorn under cProfile in every thread (the event loop and the threads Django's sync code runs in),
for ``request_cost --mode profile``. Start-up (imports, the URLconf) happens before profiling starts,
and a SIGUSR1 leaves out everything profiled before it (warm-up requests), so the profile holds
measured request work only. On exit it writes the merged profile to ``$BENCH_PROFILE_TO``
(a pstats file).

    python -m benchmarks._profiled_server backend.asgi:application --port 8000 [uvicorn's other flags]
"""

from __future__ import annotations

import atexit
import cProfile
import os
import pstats
import signal
import sys
import threading
import time

_profiles: list[cProfile.Profile] = []
_lock = threading.Lock()


def _profile_this_thread(*_args) -> None:
    # Called once, on the new thread's first profiling event; enable() replaces this hook with the
    # profiler's own for the rest of the thread's life.
    # CPU time of this thread, not wall-clock: with several request threads and a loaded machine,
    # wall-clock time charges a function for the time its thread waited for the GIL or a core.
    profile = cProfile.Profile(time.thread_time)
    with _lock:
        _profiles.append(profile)
    profile.enable()


def _merged() -> dict:
    """Every thread's profile so far, merged (read without stopping the profilers)."""
    with _lock:
        profiles = list(_profiles)
    merged: dict = {}
    for profile in profiles:
        profile.snapshot_stats()  # not create_stats(): that would stop the profiler
        for func, stat in profile.stats.items():
            merged[func] = pstats.add_func_stats(merged[func], stat) if func in merged else stat
    return merged


def _since(before: dict, after: dict) -> dict:
    out = {}
    for func, (cc, nc, tt, ct, callers) in after.items():
        cc0, nc0, tt0, ct0, callers0 = before.get(func, (0, 0, 0.0, 0.0, {}))
        if nc - nc0 <= 0:
            continue
        out[func] = (cc - cc0, nc - nc0, tt - tt0, ct - ct0, callers)
    return out


_baseline: dict = {}


def _mark(*_args) -> None:
    """SIGUSR1: what was profiled until now (start-up, warm-up requests) is left out of the dump."""
    global _baseline
    _baseline = _merged()


def _dump() -> None:
    stats = pstats.Stats()
    stats.stats = _since(_baseline, _merged())
    stats.dump_stats(os.environ["BENCH_PROFILE_TO"])


def main() -> None:
    import importlib

    import uvicorn

    target, args = sys.argv[1], sys.argv[2:]
    module, attribute = target.split(":")
    app = getattr(importlib.import_module(module), attribute)
    port = int(args[args.index("--port") + 1])
    threading.setprofile(_profile_this_thread)
    _profile_this_thread()
    # uvicorn restores the SIGTERM handler it found and raises the signal again once it has shut down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGUSR1, _mark)
    atexit.register(_dump)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
