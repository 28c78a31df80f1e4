"""Time from a risk-bearing check-in POST to the alert on staff websockets, across real processes,
with the ML worker idle and while it is busy transcribing a long recording.

    .venv/bin/python -m benchmarks.alerts [--sockets 50] [--rounds 20] [--mode embedded|redis|both]
                                          [--load idle|busy|both] [--busy-minutes 10] [--warmup 1]
                                          [--redis-url redis://…]

Starts, per mode, a scratch database, the ASGI server (uvicorn) and the two Celery workers exactly as
``runstack`` does (a ``realtime`` worker and an ``ml`` worker) as separate processes; connects N staff
websockets (all on the patient's care team); after ``--warmup`` uncounted rounds (cold workers),
each round posts a PHQ-9 with item 9 answered
"more than half the days" and waits until every socket has the alert. ``idle`` rounds run with
nothing else queued; ``busy`` rounds run after a voice journal of ``--busy-minutes`` minutes was
uploaded and the ML worker started transcribing it (each round records the journal's state, so the
report says how many rounds really overlapped the transcription). Embedded: SQLite, the SQLAlchemy
broker and the database relay (no Redis). Redis: channels-redis and Celery on a redis-server the
run starts on a free port (or ``--redis-url``). Prints p50/p95
to the first and to the last socket, busy/idle as a ratio, and per row the median time of each stage
(read from the rows' timestamps: where an alert's seconds go) and the load average.
"""

# ruff: noqa: S603 - fixed argv of this interpreter and manage.py

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
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
from apps.core.jwt import IssuedRefreshToken
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
    staff.append(str(IssuedRefreshToken.for_user(user).access_token))
consent_decide(actor=patient_user, patient=patient, kind="ai_processing", version=1, decision="accepted")
print(json.dumps({"patient": str(IssuedRefreshToken.for_user(patient_user).access_token), "staff": staff}))
"""


async def _wait_for_alert(conn, started: float) -> float:
    while True:
        event = json.loads(await asyncio.wait_for(conn.recv(), timeout=120))
        if event["event"] == "alert.new":
            return time.perf_counter() - started


# Where an alert's time goes, from the rows' own timestamps (one clock: every process is on this host).
TRACE = """
import json
from apps.alerts.models import Alert, RiskSignal
from apps.checkins.models import QuestionnaireResponse  # PHQ-9 alerts only: a busy recording may raise its own
out = []
for alert in list(Alert.objects.filter(source="phq9").order_by("-created_at")[:ROUNDS])[::-1]:
    signal = RiskSignal.objects.get(alert=alert)
    response = QuestionnaireResponse.objects.get(pk=signal.source_id)
    sent = sorted(d.websocket_sent_at.timestamp() for d in alert.deliveries.all() if d.websocket_sent_at)
    out.append({"stored": response.received_at.timestamp(), "signal": signal.created_at.timestamp(),
                "alert": alert.created_at.timestamp(), "sent_first": sent[0], "sent_last": sent[-1]})
print(json.dumps(out))
"""


def _trace_table(env: dict[str, str], marks: list[dict]) -> dict[str, float]:
    """Median seconds per stage over the rounds: POST → response row, → alert row, → first and last
    delivery marked sent, → first and last socket received, and the POST's own duration."""
    rows = json.loads(
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", TRACE.replace("ROUNDS", str(len(marks)))],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        ).stdout.splitlines()[-1]
    )
    stages: dict[str, list[float]] = {}
    for row, mark in zip(rows, marks, strict=True):
        points = {
            "POST -> response row": row["stored"] - mark["posted"],
            "response row -> alert row": row["alert"] - row["stored"],
            "alert row -> first delivery sent": row["sent_first"] - row["alert"],
            "first -> last delivery sent": row["sent_last"] - row["sent_first"],
            "first delivery sent -> first socket": mark["first"] - row["sent_first"],
            "last delivery sent -> last socket": mark["last"] - row["sent_last"],
            "POST answered (client)": mark["answered"] - mark["posted"],
        }
        for name, value in points.items():
            stages.setdefault(name, []).append(value)
    return {name: statistics.median(values) for name, values in stages.items()}


def scratch_env(mode: str) -> dict[str, str]:
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
    return env


def start_workers(env: dict[str, str], tag: str) -> list[subprocess.Popen]:
    """The realtime and the ML worker, with the arguments ``runstack`` uses."""
    code = (
        "import json, sys; from apps.core.management.commands.runstack import worker_argv;"
        f"print(json.dumps([worker_argv(q, concurrency=c, hostname=f'{{q}}-{tag}', loglevel='WARNING')"
        " for q, c in (('realtime', 4), ('ml', 1))]))"
    )
    argvs = json.loads(
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, check=True, capture_output=True
        ).stdout.splitlines()[-1]
    )
    return [subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL) for argv in argvs]


def long_journal(minutes: float) -> bytes:
    from benchmarks.session_note import long_recording

    return long_recording(minutes)


def _post_risky_phq9(port: int, token: str) -> None:
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
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=60)  # noqa: S310 - loopback


def _journal_status(port: int, token: str, entry_id: str) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/me/journals/{entry_id}/status/", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return json.loads(response.read())["status"]


def _upload_journal(port: int, token: str, audio: bytes) -> str:
    import requests

    response = requests.post(
        f"http://127.0.0.1:{port}/api/v1/me/journals/",
        headers={"Authorization": f"Bearer {token}"},
        data={
            "id": str(uuid.uuid4()),
            "timezone": "UTC",
            "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
        files={"audio": ("long.m4a", audio, "audio/mp4")},
        timeout=300,
    )
    response.raise_for_status()
    return response.json()["id"]


async def _rounds(conns, port: int, token: str, rounds: int, entry_id: str | None) -> dict:
    firsts, lasts, states, marks = [], [], [], []
    for _ in range(rounds):
        wall, started = time.time(), time.perf_counter()
        waiting = [asyncio.ensure_future(_wait_for_alert(c, started)) for c in conns]
        await asyncio.to_thread(_post_risky_phq9, port, token)
        answered = time.perf_counter() - started
        times = await asyncio.gather(*waiting)
        firsts.append(min(times))
        lasts.append(max(times))
        marks.append(
            {"posted": wall, "answered": wall + answered, "first": wall + min(times), "last": wall + max(times)}
        )
        if entry_id:
            states.append(await asyncio.to_thread(_journal_status, port, token, entry_id))
    return {"first": firsts, "last": lasts, "journal_states": states, "marks": marks}


async def _run_mode(
    mode: str,
    sockets: int,
    rounds: int,
    loads: list[str],
    busy_minutes: float,
    warmup: int = 1,
    redis_url: str | None = None,
) -> dict:
    import websockets

    env = scratch_env(mode)
    own_redis = None
    if mode == "redis":
        # A Redis server of the run's own on a free port (as benchmarks.load starts one), unless --redis-url
        # names one: nothing queued or published by anyone else can reach these workers, and no shared
        # Redis is written to.
        if redis_url:
            env["REDIS_URL"] = redis_url
        else:
            from benchmarks.load import OwnRedis

            own_redis = OwnRedis(Path(env["INTERLUDE_VAR_DIR"]))
            own_redis.start()
            env["REDIS_URL"] = own_redis.url
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
    audio = long_journal(busy_minutes) if "busy" in loads else b""
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
        *start_workers(env, f"bench-{mode}"),
    ]
    results = {}
    try:
        for _ in range(300):
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
        await asyncio.sleep(3)  # let the workers finish starting
        if warmup:  # the first alerts pay for the workers' first connections and imports: not counted
            await _rounds(conns, port, tokens["patient"], warmup, None)
        if "idle" in loads:
            results["idle"] = await _rounds(conns, port, tokens["patient"], rounds, None)
            results["idle"]["trace"] = _trace_table(env, results["idle"]["marks"])
        if "busy" in loads:
            entry_id = await asyncio.to_thread(_upload_journal, port, tokens["patient"], audio)
            for _ in range(1200):
                if await asyncio.to_thread(_journal_status, port, tokens["patient"], entry_id) != "queued":
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(2)  # the model is loaded and decoding: the worker is really busy
            results["busy"] = await _rounds(conns, port, tokens["patient"], rounds, entry_id)
            results["busy"]["trace"] = _trace_table(env, results["busy"]["marks"])
        for c in conns:
            await c.close()
        return results
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if own_redis:
            own_redis.stop()
        shutil.rmtree(env["INTERLUDE_VAR_DIR"], ignore_errors=True)


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _stats(r: dict) -> dict:
    return {
        "p50_first": statistics.median(r["first"]),
        "p95_first": pct(r["first"], 0.95),
        "p50_last": statistics.median(r["last"]),
        "p95_last": pct(r["last"], 0.95),
        "rounds_overlapping_ml": sum(state in ("queued", "transcribing") for state in r["journal_states"]),
        "trace": r["trace"],
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--mode", choices=("embedded", "redis", "both"), default="both")
    parser.add_argument("--load", choices=("idle", "busy", "both"), default="both")
    parser.add_argument("--busy-minutes", type=float, default=10.0, help="length of the recording the ML worker is on")
    parser.add_argument("--warmup", type=int, default=1, help="rounds run first and not counted (cold workers)")
    parser.add_argument(
        "--redis-url", help="the Redis the redis mode uses (default: a redis-server of its own on a free port)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    modes = ["embedded", "redis"] if args.mode == "both" else [args.mode]
    loads = ["idle", "busy"] if args.load == "both" else [args.load]
    shape = (args.sockets, args.rounds, loads, args.busy_minutes, args.warmup, args.redis_url)
    results = {m: asyncio.run(_run_mode(m, *shape)) for m in modes}
    summary = {mode: {load: _stats(r) for load, r in by_load.items()} for mode, by_load in results.items()}
    if args.json:
        print(json.dumps(summary))
        return summary
    print(f"Check-in POST -> alert on staff websockets; {args.sockets} sockets, {args.rounds} rounds per row")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for mode, by_load in summary.items():
        for load, s in by_load.items():
            overlap = f"  ML busy in {s['rounds_overlapping_ml']}/{args.rounds} rounds" if load == "busy" else ""
            target = 1000 if mode == "redis" else 2000
            print(
                f"{mode:<9} {load:<5} first socket p50 {s['p50_first'] * 1000:6.0f} ms"
                f"  p95 {s['p95_first'] * 1000:6.0f} ms | all sockets p50 {s['p50_last'] * 1000:6.0f} ms"
                f"  p95 {s['p95_last'] * 1000:6.0f} ms"
                f"  (target {target} ms){overlap}"
            )
            for stage, seconds in s["trace"].items():
                print(f"    median {stage:<38} {seconds * 1000:7.0f} ms")
        if {"idle", "busy"} <= set(by_load):
            ratio = by_load["busy"]["p95_last"] / by_load["idle"]["p95_last"]
            print(f"{mode:<9} busy/idle p95 (all sockets): {ratio:.2f}x")
    return summary


if __name__ == "__main__":
    main()
