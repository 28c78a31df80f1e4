"""Time from a risk-bearing check-in POST to the alert on staff websockets, across real processes.

    .venv/bin/python -m benchmarks.alerts [--sockets 50] [--rounds 20] [--mode embedded|redis|both]

Starts, per mode, a scratch database, the ASGI server (uvicorn) and a Celery worker as separate
processes; connects N staff websockets (all on the patient's care team); then, each round, posts a
PHQ-9 with item 9 answered "more than half the days" and waits until every socket has the alert.
Embedded: SQLite, the SQLAlchemy broker and the database relay (no Redis). Redis: channels-redis and
Celery on Redis. Prints p50/p95 to the first and to the last socket.
"""

# ruff: noqa: S603 - fixed argv of this interpreter and manage.py

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SETUP = """
import json, uuid
from apps.accounts.models import CareTeamMember, Membership, PatientProfile, User
from apps.accounts.services.consent import consent_decide
from apps.practice.onboarding import practice_create
from apps.alerts.routing import policy_for
from rest_framework_simplejwt.tokens import RefreshToken
practice = practice_create(name="Bench", slug="bench")
policy = policy_for(practice.id); policy.dedup_window_minutes = 0; policy.save()
patient_user = User.objects.create_user(username="bench-patient", practice=practice)
Membership.objects.create(user=patient_user, role="patient")
patient = PatientProfile.objects.create(practice=practice, user=patient_user, full_name="Bench", timezone="UTC")
staff = []
for i in range(SOCKETS):
    user = User.objects.create_user(username=f"staff{i}", practice=practice)
    Membership.objects.create(user=user, role="clinician")
    CareTeamMember.objects.create(patient=patient, user=user, role="primary_clinician" if i == 0 else "clinician")
    staff.append(str(RefreshToken.for_user(user).access_token))
consent_decide(actor=patient_user, patient=patient, kind="ai_processing", version=1, decision="accepted")
print(json.dumps({"patient": str(RefreshToken.for_user(patient_user).access_token), "staff": staff}))
"""


async def _wait_for_alert(conn, started: float) -> float:
    while True:
        event = json.loads(await asyncio.wait_for(conn.recv(), timeout=30))
        if event["event"] == "alert.new":
            return time.perf_counter() - started


async def _run_mode(mode: str, sockets: int, rounds: int) -> dict:
    import websockets

    scratch = tempfile.mkdtemp(prefix=f"interlude-alerts-{mode}-")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        {
            "INTERLUDE_VAR_DIR": scratch,
            "LOG_LEVEL": "warning",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
        }
    )
    if mode == "redis":
        env["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP.replace("SOCKETS", str(sockets))],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    tokens = json.loads(out.strip().splitlines()[-1])
    port = _port()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "backend.asgi:application",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
        ),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "backend",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                f"--hostname=bench-{mode}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
        ),
    ]
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                await asyncio.sleep(0.1)
        conns = [
            await websockets.connect(f"ws://127.0.0.1:{port}/ws/events/", subprotocols=["interlude.v1", f"bearer.{t}"])
            for t in tokens["staff"]
        ]
        for c in conns:
            json.loads(await c.recv())  # "connected"
        await asyncio.sleep(1.5)  # let the worker finish starting
        firsts, lasts = [], []
        for _ in range(rounds):
            body = json.dumps(
                {
                    "id": str(uuid.uuid4()),
                    "instrument": "phq9",
                    "timezone": "UTC",
                    "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "answers": {**{f"phq9_{i}": 1 for i in range(1, 9)}, "phq9_9": 2},
                }
            ).encode()
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/me/questionnaires/",
                data=body,
                headers={"Authorization": f"Bearer {tokens['patient']}", "Content-Type": "application/json"},
            )
            started = time.perf_counter()
            await asyncio.to_thread(urllib.request.urlopen, request, timeout=30)
            times = await asyncio.gather(*(_wait_for_alert(c, started) for c in conns))
            firsts.append(min(times))
            lasts.append(max(times))
        for c in conns:
            await c.close()
        return {"first": firsts, "last": lasts}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--mode", choices=("embedded", "redis", "both"), default="both")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    modes = ["embedded", "redis"] if args.mode == "both" else [args.mode]
    results = {mode: asyncio.run(_run_mode(mode, args.sockets, args.rounds)) for mode in modes}
    summary = {}
    for mode, r in results.items():
        summary[mode] = {
            "p50_first": statistics.median(r["first"]),
            "p95_first": pct(r["first"], 0.95),
            "p50_last": statistics.median(r["last"]),
            "p95_last": pct(r["last"], 0.95),
        }
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"Check-in POST -> alert on staff websockets; {args.sockets} sockets, {args.rounds} rounds")
        for mode, s in summary.items():
            print(
                f"{mode:<9} first socket p50 {s['p50_first'] * 1000:7.0f} ms  p95 {s['p95_first'] * 1000:7.0f} ms"
                f" | all sockets p50 {s['p50_last'] * 1000:7.0f} ms  p95 {s['p95_last'] * 1000:7.0f} ms"
                f"  (target < 2000 ms)"
            )
    return summary


if __name__ == "__main__":
    main()
