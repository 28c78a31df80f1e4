"""Where each request's time goes: the endpoints patients and clinicians call most, against an
authenticated no-op and /health/live measured in the same run.

    .venv/bin/python -m benchmarks.request_cost [--mode inprocess|http|both|profile] [--requests 100]
        [--seconds 8] [--clients 4,16] [--debug on|off] [--database-url postgres://…/scratch --redis-url redis://…/N]

Seeds a scratch Interlude (a temporary SQLite file, or the scratch PostgreSQL database named by
--database-url, which it migrates and fills): one patient with 180 days of check-ins, questionnaires,
typed journal entries run through the real analysis, coping entries, a safety plan, an alert and a
drafted session note.

In process (Django test client, no HTTP): p50/p95 per endpoint next to GET /api/v1/me/ (the
authenticated no-op: JWT, middleware, DRF, one tiny serializer), the ratio of the two p50s, the number
of SQL queries, and cProfile's top functions by own time for the three slowest endpoints, so the next
hot spot shows the day it appears. Targets: every write <= 3x the no-op at p50, the brief <= 5x.

Over HTTP (one uvicorn process on loopback, as `dev.py up` runs it, no worker): N concurrent
keep-alive clients for --seconds per endpoint, requests/s against /health/live in the same run, and
the server's CPU time per request (the uvicorn process's user + system time over the run / requests:
what sizes a server, and less disturbed by other load on the machine than requests/s).
Targets with 4 clients on the embedded default: check-in POST >= 0.4x /health/live, brief >= 0.3x.

--mode profile: each endpoint against its own uvicorn process under cProfile in every thread
(``benchmarks/_profiled_server.py``), warm-up left out; prints the top functions by CPU per request.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import http.client
import io
import json
import os
import pstats
import signal
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks import _scratch
from benchmarks.trends import percentile, uvicorn_process

WRITES = ("check-in POST", "questionnaire POST", "typed journal POST", "coping POST")


@dataclass
class Endpoint:
    name: str
    method: str
    path: str
    who: str  # "patient" | "clinician" | "none"
    body: Callable[[], dict] | None = None
    params: dict | None = None


def seed(world) -> dict:
    """Realistic history through the real services (the same code the API calls)."""
    from django.utils import timezone

    from apps.alerts.services import alerts_process_pending
    from apps.checkins.models import MoodCheckin
    from apps.checkins.services.questionnaires import questionnaire_response_submit
    from apps.checkins.services.schedules import schedules_apply_practice_defaults
    from apps.journals.services import journal_entry_create_text, journal_entry_process
    from apps.notes.processing import session_input_process
    from apps.notes.services.sessions import clinical_session_create, session_input_add_typed
    from apps.plans.services import coping_entry_log, safety_plan_save
    from apps.plans.treatment import treatment_plan_save, treatment_plan_sign

    patient, patient_user, clinician = world.patient, world.patient_user, world.clinician
    now = timezone.now()
    today = timezone.localdate()
    MoodCheckin.objects.bulk_create(
        [
            MoodCheckin(
                id=uuid.uuid4(),
                patient=patient,
                occurred_at=now - dt.timedelta(days=i),
                timezone="Europe/London",
                local_date=today - dt.timedelta(days=i),
                mood=(i * 7) % 11,
                anxiety=(i * 3) % 11,
                energy=(i * 5) % 11,
                sleep_hours=6 + (i % 4),
                sleep_quality=i % 11,
                tags=["exercise"] if i % 3 == 0 else ["work"],
            )
            for i in range(1, 181)
        ]
    )
    for n in range(6):
        when = now - dt.timedelta(days=14 * n + 2)
        for key, items in (("phq9", 9), ("gad7", 7)):
            answers = {f"{key}_{i + 1}": (n + i) % 3 for i in range(items)}
            if key == "phq9":
                answers["phq9_9"] = 1 if n == 0 else 0  # one positive item 9 -> one alert
            questionnaire_response_submit(
                actor=patient_user,
                patient=patient,
                id=uuid.uuid4(),
                instrument_key=key,
                answers=answers,
                occurred_at=when,
                timezone="Europe/London",
            )
    alerts_process_pending()
    schedules_apply_practice_defaults(patient=patient)
    texts = [
        "Work has been overwhelming and my manager keeps adding deadlines. I slept badly again.",
        "Went for a run with Sam this morning and felt calmer afterwards.",
        "Argued with my sister about money. I felt ashamed and could not focus at work.",
        "Had a good day, cooked dinner with friends and laughed a lot.",
    ]
    for i, text in enumerate(texts * 2):
        entry, _ = journal_entry_create_text(
            actor=patient_user,
            patient=patient,
            id=uuid.uuid4(),
            occurred_at=now - dt.timedelta(days=3 * i + 1),
            timezone="Europe/London",
            text=text,
            shared=True,
        )
        journal_entry_process(entry_id=entry.id)
    for i in range(20):
        coping_entry_log(
            actor=patient_user,
            patient=patient,
            id=uuid.uuid4(),
            kind="coping",
            strategy="box_breathing",
            occurred_at=now - dt.timedelta(days=i),
            timezone="Europe/London",
            helped=6,
        )
    safety_plan_save(
        actor=clinician,
        patient=patient,
        content={
            "warning_signs": ["Not sleeping", "Skipping meals"],
            "internal_coping": ["Box breathing", "A walk by the river"],
            "reasons_for_living": ["My niece"],
        },
    )
    review = (today + dt.timedelta(weeks=8)).isoformat()
    plan = treatment_plan_save(  # the demo's plan: three measured goals
        actor=clinician,
        patient=patient,
        content={
            "problems": ["Low mood and poor sleep linked to work stress"],
            "goals": [
                {"text": "PHQ-9 below 5", "measure": {"type": "questionnaire", "instrument": "phq9", "target": 5}},
                {
                    "text": "Average mood above 6 over two weeks",
                    "measure": {"type": "checkin_mean", "metric": "mood", "days": 14, "target": 6, "op": ">"},
                },
                {"text": "Finish most check-ins", "measure": {"type": "adherence", "target": 0.7, "op": ">"}},
            ],
            "interventions": ["Behavioural activation"],
            "review_date": review,
        },
    )
    treatment_plan_sign(actor=clinician, plan=plan)
    session = clinical_session_create(
        actor=clinician, patient=patient, started_at=now - dt.timedelta(days=7), modality="video", template_key="soap"
    )
    item = session_input_add_typed(
        actor=clinician,
        session=session,
        text="Patient reports work has been overwhelming. Clinician: It sounds like perfectionism is driving this. "
        "We practised cognitive restructuring. For homework, schedule one pleasant activity each day. "
        "Next session on Thursday.",
    )
    session_input_process(input_id=item.id)
    return {"session_id": session.id}


def endpoints(world, seeded) -> list[Endpoint]:
    from django.utils import timezone

    pid = world.patient.id
    base = f"/api/v1/patients/{pid}/"
    today = timezone.localdate()

    def now() -> str:
        return timezone.now().isoformat()

    def checkin() -> dict:
        return {
            "id": str(uuid.uuid4()),
            "occurred_at": now(),
            "timezone": "Europe/London",
            "mood": 6,
            "anxiety": 3,
            "energy": 5,
            "sleep_hours": "7.5",
            "sleep_quality": 7,
            "tags": ["exercise", "social_time"],
            "note": "Walked by the river with Sam.",
        }

    def questionnaire() -> dict:
        return {
            "id": str(uuid.uuid4()),
            "instrument": "phq9",
            "occurred_at": now(),
            "timezone": "Europe/London",
            "answers": {**{f"phq9_{i}": 1 for i in range(1, 9)}, "phq9_9": 0},
        }

    def journal() -> dict:
        return {
            "id": str(uuid.uuid4()),
            "occurred_at": now(),
            "timezone": "Europe/London",
            "text": "Typed tonight: a calmer day, walked with Sam after work.",
        }

    def coping() -> dict:
        return {
            "id": str(uuid.uuid4()),
            "kind": "coping",
            "strategy": "box_breathing",
            "occurred_at": now(),
            "timezone": "Europe/London",
            "helped": 7,
        }

    month = {"start": (today - dt.timedelta(days=30)).isoformat(), "end": today.isoformat()}
    return [
        Endpoint("me (no-op)", "GET", "/api/v1/me/", "patient"),
        Endpoint("check-in POST", "POST", "/api/v1/me/checkins/", "patient", checkin),
        Endpoint("questionnaire POST", "POST", "/api/v1/me/questionnaires/", "patient", questionnaire),
        Endpoint("typed journal POST", "POST", "/api/v1/me/journals/", "patient", journal),
        Endpoint("coping POST", "POST", "/api/v1/me/coping/", "patient", coping),
        Endpoint("to-do list", "GET", "/api/v1/me/todo/", "patient"),
        Endpoint("safety plan (me)", "GET", "/api/v1/me/safety-plan/", "patient"),
        Endpoint("patient list", "GET", "/api/v1/patients/", "clinician"),
        Endpoint("alert inbox", "GET", "/api/v1/alerts/", "clinician"),
        Endpoint("trends/daily 30 d", "GET", base + "trends/daily/", "clinician", params=month),
        Endpoint("brief", "GET", base + "brief/", "clinician"),
        Endpoint("note GET", "GET", f"{base}sessions/{seeded['session_id']}/note/", "clinician"),
    ]


def in_process(world, eps: list[Endpoint], n: int, top: int) -> None:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    clients = {
        "patient": Client(HTTP_AUTHORIZATION=_scratch.bearer(world.patient_user)),
        "clinician": Client(HTTP_AUTHORIZATION=_scratch.bearer(world.clinician)),
    }

    def call(ep: Endpoint) -> int:
        client = clients[ep.who]
        if ep.method == "POST":
            return client.post(ep.path, json.dumps(ep.body()), content_type="application/json").status_code
        return client.get(ep.path, ep.params or {}).status_code

    # As the web process does once its views are loaded (backend/asgi.py): what exists now stays out of
    # every garbage collection. Here that includes the models the seed's journal analysis loaded.
    gc.collect()
    gc.freeze()
    results = {}
    for ep in eps:
        for _ in range(5):
            status = call(ep)
            assert status in (200, 201), (ep.name, status)
        reset_queries()  # the log is a bounded deque: a full one would count nothing
        with CaptureQueriesContext(connection) as queries:
            call(ep)
        samples, cpu = [], []
        for _ in range(n):
            started, started_cpu = time.perf_counter(), time.thread_time()
            call(ep)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            samples.append((time.perf_counter() - started) * 1000)
        results[ep.name] = (
            statistics.median(samples),
            percentile(samples, 0.95),
            statistics.median(cpu),
            len(queries),
        )
    noop, noop_cpu = results["me (no-op)"][0], results["me (no-op)"][2]
    # Wall-clock is what a caller waits; CPU time (this thread's) is what the request costs. On a shared
    # machine the wall-clock ratio also measures the scheduler: a longer request is preempted more often.
    print("\nIn process (Django test client, no HTTP), p50 ratio against GET /api/v1/me/ in the same run")
    print(f"{'endpoint':<22}{'p50 ms':>9}{'p95 ms':>9}{'x no-op':>9}{'cpu ms':>9}{'x no-op':>9}{'queries':>9}  target")
    verdicts = {"wall": [], "cpu": []}
    for name, (p50, p95, cpu_p50, count) in results.items():
        ratio, cpu_ratio = p50 / noop, cpu_p50 / noop_cpu
        target = 3.0 if name in WRITES else 5.0 if name == "brief" else None
        verdict = ""
        if target:
            verdicts["wall"].append(ratio <= target)
            verdicts["cpu"].append(cpu_ratio <= target)
            verdict = f"<= {target:.0f}x wall {'PASS' if ratio <= target else 'MISS'}, cpu "
            verdict += "PASS" if cpu_ratio <= target else "MISS"
        print(f"{name:<22}{p50:>9.2f}{p95:>9.2f}{ratio:>8.1f}x{cpu_p50:>9.2f}{cpu_ratio:>8.1f}x{count:>9}  {verdict}")
    for kind, met in verdicts.items():
        print(f"in-process targets ({kind} p50): {sum(met)}/{len(met)} met")

    slowest = sorted((e for e in eps if e.name != "me (no-op)"), key=lambda e: -results[e.name][0])[:3]
    for ep in slowest:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(max(10, n // 4)):
            call(ep)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        total = stats.total_tt
        per_request = total * 1000 / max(10, n // 4)
        print(f"\ntop {top} functions by own time: {ep.name} ({per_request:.1f} ms/request under the profiler)")
        rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]
        for (filename, line, func), (_cc, ncalls, tottime, _cum, _callers) in rows:
            short = _short(filename)
            print(f"  {tottime / total:>6.1%}  {ncalls:>7} calls  {short}:{line} {func}")


def _short(filename: str) -> str:
    for marker in ("site-packages/", "lib/python3", os.getcwd() + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def over_http(world, eps: list[Endpoint], seconds: float, client_counts: list[int], directory: str) -> None:
    tokens = _tokens(world)
    chosen = [Endpoint("/health/live", "GET", "/health/live", "none"), *(e for e in eps if e.name in _HTTP_SET)]
    with uvicorn_process(directory) as (port, pid):
        for ep in chosen:
            _warm(port, ep, tokens[ep.who])
        for clients in client_counts:
            print(
                f"\nOver HTTP: one uvicorn process on loopback, {clients} concurrent keep-alive clients, "
                f"{seconds:g} s each; server CPU = the uvicorn process's CPU time / requests"
            )
            print(
                f"{'endpoint':<22}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'x health':>10}"
                f"{'srv cpu ms':>12}{'x health':>10}  target"
            )
            baseline = baseline_cpu = None
            for ep in chosen:
                cpu_before = _process_cpu(pid)
                rate, p50, p95, errors, count = _load(port, ep, tokens[ep.who], clients, seconds)
                cpu = (_process_cpu(pid) - cpu_before) * 1000 / max(count, 1)
                baseline, baseline_cpu = baseline or rate, baseline_cpu or cpu
                ratio = rate / baseline
                target = {"check-in POST": 0.4, "brief": 0.3}.get(ep.name) if clients == 4 else None
                verdict = f">= {target}x {'PASS' if ratio >= target else 'MISS'}" if target else ""
                extra = f"  ({errors} errors)" if errors else ""
                print(
                    f"{ep.name:<22}{rate:>9.1f}{p50:>9.1f}{p95:>9.1f}{ratio:>9.2f}x"
                    f"{cpu:>12.2f}{cpu / baseline_cpu:>9.1f}x  {verdict}{extra}"
                )


def profile_server(world, eps: list[Endpoint], seconds: float, clients: int, directory: str, top: int) -> None:
    """Each endpoint against its own uvicorn process under cProfile (every thread, CPU time): where the
    server's CPU goes per request over HTTP, event loop and thread hand-offs included. The profiler
    roughly doubles the cost of each Python call, so compare the rows with each other, not with req/s."""
    tokens = _tokens(world)
    chosen = [Endpoint("/health/live", "GET", "/health/live", "none"), *(e for e in eps if e.name in _HTTP_SET)]
    for ep in chosen:
        target = os.path.join(directory, f"server-{ep.name.split()[0].strip('/').replace('/', '-')}.pstats")
        with uvicorn_process(directory, profile_to=target) as (port, pid):
            _warm(port, ep, tokens[ep.who])
            os.kill(pid, signal.SIGUSR1)  # the profile starts here
            time.sleep(0.5)
            count = _load(port, ep, tokens[ep.who], clients, seconds)[4]
        stats = pstats.Stats(target)
        own = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]
        cumulative = sorted(stats.stats.items(), key=lambda kv: -kv[1][3])
        total = sum(stat[2] for stat in stats.stats.values()) * 1000 / count
        print(
            f"\nserver profile: {ep.name}, {count} requests, {clients} clients, {total:.2f} ms CPU per request "
            f"under the profiler ({target})"
        )
        print(f"  top {top} by own time (ms per request):")
        for (filename, line, func), (_cc, ncalls, tottime, _cum, _callers) in own:
            where = f"{_short(filename)}:{line} {func}"
            print(f"  {tottime * 1000 / count:>8.3f}  {ncalls / count:>7.1f} calls/req  {where}")
        print(f"  top {top} project functions by cumulative time (ms per request):")
        mine = [kv for kv in cumulative if "/apps/" in kv[0][0] or "/backend/" in kv[0][0]][:top]
        for (filename, line, func), (_cc, ncalls, _tot, cum, _callers) in mine:
            print(f"  {cum * 1000 / count:>8.3f}  {ncalls / count:>7.1f} calls/req  {_short(filename)}:{line} {func}")


def _tokens(world) -> dict[str, str]:
    return {
        "patient": _scratch.bearer(world.patient_user),
        "clinician": _scratch.bearer(world.clinician),
        "none": "",
    }


def _process_cpu(pid: int) -> float:
    """Seconds of CPU (user + system) the process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_HTTP_SET = ("me (no-op)", "check-in POST", "typed journal POST", "brief", "patient list")


def _warm(port: int, ep: Endpoint, token: str) -> None:
    """First-use costs (imports, broker tables, connection pools, the first thread's caches) are not
    per request: a fixed number of requests, however slow the machine is, before measuring."""
    for _ in range(3):
        _load(port, ep, token, 2, 0.0)


def _load(port: int, ep: Endpoint, token: str, clients: int, seconds: float):
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    deadline = [0.0]

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": token} if token else {}
        if ep.method == "POST":
            headers["Content-Type"] = "application/json"
        path = ep.path
        if ep.params:
            path += "?" + "&".join(f"{k}={v}" for k, v in ep.params.items())
        mine: list[float] = []
        bad = 0
        start_gate.wait()
        while not mine or time.perf_counter() < deadline[0]:  # at least one request each
            body = json.dumps(ep.body()) if ep.body else None
            started = time.perf_counter()
            conn.request(ep.method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status not in (200, 201):
                bad += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start_gate.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    rate = len(latencies) / elapsed
    return rate, statistics.median(latencies), percentile(latencies, 0.95), errors[0], len(latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("inprocess", "http", "both", "profile"), default="both")
    parser.add_argument("--requests", type=int, default=100, help="in-process requests per endpoint")
    parser.add_argument("--seconds", type=float, default=8.0, help="HTTP load per endpoint and client count")
    parser.add_argument("--clients", default="4,16", help="comma-separated concurrent HTTP clients")
    parser.add_argument("--top", type=int, default=5, help="functions listed per profiled endpoint")
    parser.add_argument(
        "--debug",
        choices=("on", "off"),
        default="on",
        help="DEBUG: on as `dev.py up` runs it (every query is also logged, and on SQLite quoted by a second "
        "query), off as a production process runs",
    )
    parser.add_argument("--database-url", default=None, help="a scratch PostgreSQL database (it is filled)")
    parser.add_argument("--redis-url", default=None, help="a scratch Redis database (cache, rate limits, broker)")
    args = parser.parse_args()

    env = {"REDIS_URL": args.redis_url} if args.redis_url else {}
    env["DEBUG"] = "true" if args.debug == "on" else "false"
    if not args.redis_url:
        os.environ.pop("REDIS_URL", None)
    world = _scratch.setup(args.database_url, **env)
    from django.conf import settings

    seeded = seed(world)
    eps = endpoints(world, seeded)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"Request cost; database: {engine}; cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; "
        f"DEBUG {settings.DEBUG}; python {sys.version.split()[0]}; {os.cpu_count()} CPUs"
    )
    if args.mode in ("inprocess", "both"):
        in_process(world, eps, args.requests, args.top)
    counts = [int(c) for c in args.clients.split(",") if c.strip()]
    if args.mode in ("http", "both"):
        over_http(world, eps, args.seconds, counts, world.directory)
    if args.mode == "profile":  # the uvicorn process under cProfile per endpoint, first --clients count
        profile_server(world, eps, args.seconds, counts[0], world.directory, args.top)


if __name__ == "__main__":
    main()
