"""Trend endpoint latency at scale, against the health endpoint measured in the same run.

    .venv/bin/python -m benchmarks.trends [--requests 200] [--database-url postgres://…/scratch]

Seeds one patient with two years of daily check-ins and 26 PHQ-9 + 26 GAD-7 administrations in a
scratch database (a temporary SQLite file unless --database-url names a scratch PostgreSQL database,
which it migrates and fills), then times each clinician trend endpoint in-process through the full
Django stack (auth, scoping, audit) and prints p50/p95 and the p95 ratio to /health/live.
Target: every trend endpoint under 10x the health endpoint at p95.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from urllib.parse import urlencode
from urllib.request import urlopen

from benchmarks import _scratch


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    parser.add_argument(
        "--mode",
        choices=("http", "inprocess", "both"),
        default="both",
        help="http: through uvicorn on loopback, as a client sees it; inprocess: Django test client",
    )
    args = parser.parse_args()

    world = _scratch.setup(args.database_url)
    scratch, clinician, patient_user, patient = world.directory, world.clinician, world.patient_user, world.patient
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from apps.checkins.models import MoodCheckin
    from apps.checkins.services.questionnaires import questionnaire_response_submit

    today = timezone.localdate()
    MoodCheckin.objects.bulk_create(
        [
            MoodCheckin(
                id=uuid.uuid4(),
                patient=patient,
                occurred_at=timezone.now() - dt.timedelta(days=i),
                timezone="Europe/London",
                local_date=today - dt.timedelta(days=i),
                mood=(i * 7) % 11,
                anxiety=(i * 3) % 11,
                energy=(i * 5) % 11,
                sleep_hours=6 + (i % 4),
                sleep_quality=i % 11,
                tags=["exercise"] if i % 3 == 0 else [],
            )
            for i in range(730)
        ]
    )
    for n in range(26):
        when = timezone.now() - dt.timedelta(days=28 * n + 1)
        for key, items in (("phq9", 9), ("gad7", 7)):
            answers = {f"{key}_{i + 1}": (n + i) % 3 for i in range(items)}
            questionnaire_response_submit(
                actor=patient_user,
                patient=patient,
                id=uuid.uuid4(),
                instrument_key=key,
                answers=answers,
                occurred_at=when,
                timezone="Europe/London",
            )

    token = _scratch.bearer(clinician).removeprefix("Bearer ")
    base = f"/api/v1/patients/{patient.id}/"
    two_years = {"start": (today - dt.timedelta(days=730)).isoformat(), "end": today.isoformat()}
    endpoints = {
        "health/live (baseline)": ("/health/live", {}),
        "health/ready": ("/health/ready", {}),
        "trends/daily (empty)": (base + "trends/daily/", {"start": "2000-01-01", "end": "2000-01-02"}),
        "trends/daily (2 y)": (base + "trends/daily/", two_years),
        "trends/weekly (2 y)": (base + "trends/weekly/", two_years),
        "questionnaires (all)": (base + "questionnaires/", {}),
        "questionnaires phq9": (base + "questionnaires/", {"instrument": "phq9"}),
        "adherence (2 y)": (base + "adherence/", two_years),
        "pre-session brief": (base + "brief/", {}),
    }
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"Trend endpoints, {args.requests} requests each, database: {engine}; one patient with 730 daily "
        "check-ins, 26 PHQ-9 and 26 GAD-7 administrations"
    )
    if args.mode in ("inprocess", "both"):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
        report(
            "in-process (Django test client, no HTTP)",
            endpoints,
            args.requests,
            lambda path, params: client.get(path, params).status_code,
        )
    if args.mode in ("http", "both"):
        with live_server(scratch) as port:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

            def fetch(path, params):
                conn.request(
                    "GET",
                    path + ("?" + urlencode(params) if params else ""),
                    headers={"Authorization": f"Bearer {token}"},
                )
                response = conn.getresponse()
                response.read()
                return response.status

            report("over HTTP (uvicorn on loopback, keep-alive)", endpoints, args.requests, fetch)


@contextlib.contextmanager
def live_server(scratch: str):
    with uvicorn_process(scratch) as (port, _pid):
        yield port


@contextlib.contextmanager
def uvicorn_process(scratch: str, profile_to: str | None = None):
    """One uvicorn process serving the scratch Interlude on loopback: yields (port, pid). With
    ``profile_to`` it runs under ``benchmarks._profiled_server`` (cProfile in every thread)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "INTERLUDE_VAR_DIR": scratch, "LOG_LEVEL": "warning", "ALLOWED_HOSTS": "127.0.0.1"}
    launcher = ["-m", "uvicorn"]
    if profile_to:
        env["BENCH_PROFILE_TO"] = profile_to
        launcher = ["-m", "benchmarks._profiled_server"]
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            sys.executable,
            *launcher,
            "backend.asgi:application",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    try:
        for _ in range(600):  # start-up on a loaded machine can take a while
            try:
                urlopen(f"http://127.0.0.1:{port}/health/live", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.1)
        yield port, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def report(title: str, endpoints: dict, n: int, fetch) -> bool:
    results = {}
    for name, (path, params) in endpoints.items():
        for _ in range(10):
            status = fetch(path, params)
            assert status == 200, (name, status)
        samples = []
        for _ in range(n):
            started = time.perf_counter()
            fetch(path, params)
            samples.append((time.perf_counter() - started) * 1000)
        results[name] = (statistics.median(samples), percentile(samples, 0.95))
    baseline = results["health/live (baseline)"][1]
    print(f"\n{title}")
    print(f"{'endpoint':<26}{'p50 ms':>9}{'p95 ms':>9}{'p95 / health':>14}")
    worst = 0.0
    for name, (p50, p95) in results.items():
        ratio = p95 / baseline
        if name.startswith(("trends", "questionnaires", "adherence")):
            worst = max(worst, ratio)
        print(f"{name:<26}{p50:>9.2f}{p95:>9.2f}{ratio:>13.1f}x")
    verdict = "PASS" if worst < 10 else "MISS"
    print(f"worst trend p95 / health/live p95: {worst:.1f}x (target < 10x) -> {verdict}")
    return worst < 10


if __name__ == "__main__":
    main()
