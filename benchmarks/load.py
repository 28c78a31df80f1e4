"""The production shape under a bounded, mixed load on loopback, with the invariants checked at the end.

    .venv/bin/python -m benchmarks.load [--shape production|embedded] [--duration 90]
        [--patients 200] [--journals 20] [--staff 50] [--risky 20] [--fault none|redis|postgres|ml-kill|fcm]

``production`` starts its own PostgreSQL cluster and Redis server on free loopback ports (nothing
shared is touched), then 2 ASGI processes (clients split across the two ports), 1 realtime worker
(4 threads), 2 ML workers and beat, each a separate process started with ``runstack``'s arguments.
``embedded`` is ``runstack``'s own shape: SQLite, no Redis, 1 ASGI process, 1 realtime and 1 ML
worker, beat.

The mix, for ``--duration`` seconds: every simulated patient posts mood check-ins and GAD-7s at
random intervals (one check-in in ten is sent twice with the same client id, on purpose); ``--risky``
of them post one PHQ-9 with item 9 answered; ``--journals`` of them upload a voice journal (fixture
audio); every staff member holds a websocket; clinicians read briefs and trends. A POST refused, reset
or answered 5xx is sent again with the same client id (after ``Retry-After``), as the phone's outbox
does. Then it waits for the queues to drain, for as long as the work left (ML messages on the broker,
unfinished journals) keeps shrinking (``--stall`` seconds without a change ends it, ``--drain`` caps
it), and checks:

- every check-in stored exactly once (resent ids answered 200 and not stored twice);
- every journal transcribed exactly once (done, one transcription audit event);
- every risky submission produced exactly one alert, delivered once to every recipient's socket;
- no 5xx, and no connection refused or reset.

``--fault`` injects one failure 30% into the run: ``redis`` stops the benchmark's own Redis server
for 30 s and starts it again; ``postgres`` restarts its own PostgreSQL cluster; ``ml-kill`` waits for
a journal whose claim has committed and SIGKILLs the ML worker (and its pool) transcribing it, and
does not restart it; ``fcm`` gives every staff member a phone, points the realtime worker's FCM at a
fake endpoint (``benchmarks/fcm_edge.py``) and makes it answer 500 for 30 s, then checks that every
alert was pushed once per device. The report then also says what readiness answered during the
fault and how many requests failed.
"""

# ruff: noqa: S603, S607 - fixed argv of this interpreter, redis-server and PostgreSQL's tools

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUDIO = ROOT / "tests" / "fixtures" / "audio"
JOURNAL_FILES = ["work.webm", "walk.wav", "manager.wav", "work.m4a", "work.ogg", "dictation.m4a"]
NOTES = ["Went for a walk and cooked dinner.", "Long day at work, watched a film.", ""]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


# --- services of our own ------------------------------------------------------------------------
class OwnRedis:
    def __init__(self, directory: Path):
        self.port, self.directory, self.proc = free_port(), directory, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen([*argv, "--dir", str(self.directory)], stdout=subprocess.DEVNULL)
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class OwnPostgres:
    """A throwaway cluster in a temporary directory, owned by the ``postgres`` system user."""

    def __init__(self, directory: Path):
        self.port, self.data = free_port(), directory / "pgdata"
        self.bin = Path(
            subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True).stdout.strip()
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/interlude_queues"

    def _as_postgres(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *argv], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        self.data.parent.chmod(0o755)
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres", "postgres")
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self._ctl("start")
        self._as_postgres(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "interlude_queues")

    def _ctl(self, action: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.data} -c max_connections=200 -c fsync=off"
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "-o", options, action)

    def restart(self) -> None:
        self._ctl("restart")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._ctl("stop")


# --- the system under test --------------------------------------------------------------------
class Stack:
    def __init__(
        self, shape: str, env: dict[str, str], var: Path, *, fake_fcm: bool = False, loglevel: str = "WARNING"
    ):
        self.shape, self.env, self.var, self.procs, self.loglevel = shape, env, var, {}, loglevel
        self.argv: dict[str, list[str]] = {}
        self.fake_fcm = fake_fcm  # the realtime worker pushes to a fake FCM endpoint (benchmarks/fcm_edge.py)
        self.ports = [free_port() for _ in range(2 if shape == "production" else 1)]

    def start(self) -> None:
        from apps.core.management.commands.runstack import beat_argv, web_argv, worker_argv
        from backend.worker_liveness import Watchdog

        log = (self.var / "stack.log").open("ab")
        for i, port in enumerate(self.ports):
            self._spawn(f"web{i + 1}", web_argv(port=port, loglevel="warning"), log)
        realtime = worker_argv("realtime", concurrency=4, loglevel=self.loglevel)
        if self.fake_fcm:
            realtime[1:3] = ["-m", "benchmarks.fcm_edge"]
        self._spawn("realtime", realtime, log)
        for i in range(2 if self.shape == "production" else 1):
            self._spawn(
                f"ml{i + 1}", worker_argv("ml", concurrency=1, hostname=f"ml{i + 1}", loglevel=self.loglevel), log
            )
        self._spawn("beat", beat_argv(loglevel=self.loglevel), log)
        self._log = log
        # runstack's watchdog: a worker that stops consuming while Redis answers is replaced.
        self.watchdog = Watchdog(self.procs, self._respawn, [n for n in self.procs if n == "realtime" or n[:2] == "ml"])
        self._watching = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        while not self._watching.wait(1):
            self.watchdog.poll()

    def _respawn(self, name: str) -> subprocess.Popen:
        self._spawn(name, self.argv[name], self._log)
        return self.procs[name]

    def _spawn(self, name: str, argv: list[str], log) -> None:
        # Own session, so a fault can SIGKILL a worker together with its pool processes.
        self.argv[name] = argv
        self.procs[name] = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=log, start_new_session=True
        )

    def kill(self, name: str) -> None:
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait()

    def stop(self) -> None:
        if hasattr(self, "_watching"):
            self._watching.set()
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


# --- data --------------------------------------------------------------------------------------
@dataclass
class People:
    patients: list[dict]
    staff: list[dict]
    clinicians: list[dict]


def make_people(n_patients: int, n_staff: int, *, devices: bool = False) -> People:
    from django.utils import timezone

    from apps.accounts.models import CareTeamMember, Device, Membership, PatientProfile, User
    from apps.accounts.services.consent import consent_decide
    from apps.alerts.routing import policy_for
    from apps.core.jwt import IssuedRefreshToken
    from apps.practice.onboarding import practice_create

    practice = practice_create(name="Load", slug=f"load-{uuid.uuid4().hex[:6]}")
    policy = policy_for(practice.id)
    policy.dedup_window_minutes = 0
    policy.save()
    n_clinicians = max(1, n_staff // 5)
    staff = []
    for i in range(n_staff):
        user = User.objects.create_user(username=f"staff{i}@load", practice=practice)
        Membership.objects.create(user=user, role="clinician")
        if devices:  # one phone each, so every alert is also pushed through FCM
            Device.objects.create(user=user, token=f"load-{user.pk}", platform="android", last_seen_at=timezone.now())
        staff.append({"user": user, "id": str(user.pk), "token": str(IssuedRefreshToken.for_user(user).access_token)})
    clinicians, others = staff[:n_clinicians], staff[n_clinicians:] or staff[:1]
    patients = []
    for i in range(n_patients):
        user = User.objects.create_user(username=f"patient{i}@load", practice=practice)
        Membership.objects.create(user=user, role="patient")
        profile = PatientProfile.objects.create(practice=practice, user=user, full_name=f"Load {i}", timezone="UTC")
        team = {clinicians[i % len(clinicians)]["id"]: "primary_clinician"}
        for j in (2 * i, 2 * i + 1):
            team.setdefault(others[j % len(others)]["id"], "clinician")
        for user_id, role in team.items():
            CareTeamMember.objects.create(patient=profile, user_id=user_id, role=role)
        consent_decide(actor=user, patient=profile, kind="ai_processing", version=1, decision="accepted")
        token = str(IssuedRefreshToken.for_user(user).access_token)
        patients.append({"id": str(profile.pk), "token": token, "primary": clinicians[i % len(clinicians)]})
    return People(patients, staff, clinicians)


# --- the load ----------------------------------------------------------------------------------
@dataclass
class Record:
    latencies: dict = field(default_factory=lambda: collections.defaultdict(list))
    statuses: collections.Counter = field(default_factory=collections.Counter)
    failures: list = field(default_factory=list)
    checkin_ids: dict = field(default_factory=lambda: collections.defaultdict(list))  # client id -> statuses
    resent: list = field(default_factory=list)
    risky_posted: dict = field(default_factory=dict)  # patient id -> time posted
    journal_ids: list = field(default_factory=list)
    events: dict = field(default_factory=lambda: collections.defaultdict(list))  # user id -> [(t, event)]
    readiness: list = field(default_factory=list)
    server_errors_at: list = field(default_factory=list)
    socket_replayed: int = 0  # alert events a socket got from a resume, not live
    socket_copies_dropped: int = 0  # events a socket already had (a replay overlapping a live event)
    resends_after_error: int = 0
    expect_push: bool = False  # fcm: the drain also waits for every push to be sent
    killed_claim: dict | None = None  # ml-kill: the journal whose worker was killed while it held the claim

    def add(self, name: str, started: float, status: int) -> None:
        self.latencies[name].append(time.perf_counter() - started)
        self.statuses[(name, status)] += 1
        if status >= 500:
            self.server_errors_at.append(started)


async def request(client, record: Record, name: str, method: str, url: str, **kwargs) -> int:
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a refused connection counts as a failure, like a 5xx
        record.add(name, started, 599)
        record.failures.append((name, type(exc).__name__))
        return 599
    record.add(name, started, response.status_code)
    return response.status_code


async def post_until_answered(client, record: Record, name: str, url: str, *, tries: int = 20, **kwargs) -> int:
    """POST like the phone's outbox: on a refused or reset connection or a 5xx, send the same body (the
    same client id) again, after the server's ``Retry-After`` when it gave one. Returns the last status."""
    for attempt in range(tries):
        started = time.perf_counter()
        try:
            response = await client.post(url, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a refused or reset connection: counted, then resent
            record.add(name, started, 599)
            record.failures.append((name, type(exc).__name__))
            status, wait = 599, 1.0
        else:
            status = response.status_code
            record.add(name, started, status)
            if status < 500:
                return status
            wait = float(response.headers.get("Retry-After") or 1)
        if attempt + 1 < tries:
            record.resends_after_error += 1
            await asyncio.sleep(min(wait * (attempt + 1), 5))
    return status


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


async def patient_loop(client, base: str, patient: dict, record: Record, until: float, rng: random.Random) -> None:
    headers = {"Authorization": f"Bearer {patient['token']}"}
    # Each patient answers the GAD-7 the same way every time: a steady score raises no
    # deterioration alert, so every alert in the run comes from a planned risky submission.
    gad7 = {f"gad7_{i}": rng.randint(0, 1) for i in range(1, 8)}
    while time.perf_counter() < until:
        await asyncio.sleep(rng.uniform(3, 9))
        if rng.random() < 0.8:
            body = {
                "id": str(uuid.uuid4()),
                "occurred_at": now_iso(),
                "timezone": "UTC",
                "mood": rng.randint(3, 9),
                "anxiety": rng.randint(0, 6),
                "energy": rng.randint(2, 8),
                "note": rng.choice(NOTES),
            }
            status = await post_until_answered(
                client, record, "POST me/checkins", f"{base}/api/v1/me/checkins/", json=body, headers=headers
            )
            record.checkin_ids[body["id"]].append(status)
            if rng.random() < 0.1:  # the phone retries: the same client id again
                again = await post_until_answered(
                    client,
                    record,
                    "POST me/checkins (resent)",
                    f"{base}/api/v1/me/checkins/",
                    json=body,
                    headers=headers,
                )
                record.checkin_ids[body["id"]].append(again)
                record.resent.append((body["id"], status, again))
        else:
            body = {"id": str(uuid.uuid4()), "instrument": "gad7", "timezone": "UTC", "occurred_at": now_iso()}
            body["answers"] = gad7
            await post_until_answered(
                client,
                record,
                "POST me/questionnaires",
                f"{base}/api/v1/me/questionnaires/",
                json=body,
                headers=headers,
            )


async def risky_once(client, base: str, patient: dict, record: Record, at: float) -> None:
    await asyncio.sleep(max(0.0, at - time.perf_counter()))
    body = {"id": str(uuid.uuid4()), "instrument": "phq9", "timezone": "UTC", "occurred_at": now_iso()}
    body["answers"] = {**{f"phq9_{i}": 1 for i in range(1, 9)}, "phq9_9": 2}
    record.risky_posted[patient["id"]] = time.perf_counter()
    headers = {"Authorization": f"Bearer {patient['token']}"}
    url = f"{base}/api/v1/me/questionnaires/"
    await post_until_answered(client, record, "POST me/questionnaires (risky)", url, json=body, headers=headers)


async def journal_once(client, base: str, patient: dict, record: Record, at: float, name: str) -> None:
    await asyncio.sleep(max(0.0, at - time.perf_counter()))
    entry_id = str(uuid.uuid4())
    data = {"id": entry_id, "occurred_at": now_iso(), "timezone": "UTC"}
    headers = {"Authorization": f"Bearer {patient['token']}"}
    files = {"audio": (name, (AUDIO / name).read_bytes())}
    url = f"{base}/api/v1/me/journals/"
    status = await post_until_answered(client, record, "POST me/journals", url, data=data, files=files, headers=headers)
    if status < 500:
        record.journal_ids.append(entry_id)


async def clinician_loop(
    client, base: str, clinician: dict, patient_ids: list[str], record: Record, until: float, rng
) -> None:
    headers = {"Authorization": f"Bearer {clinician['token']}"}
    while time.perf_counter() < until:
        await asyncio.sleep(rng.uniform(2, 5))
        pid = rng.choice(patient_ids)
        if rng.random() < 0.5:
            await request(client, record, "GET brief", "GET", f"{base}/api/v1/patients/{pid}/brief/", headers=headers)
        else:
            await request(
                client,
                record,
                "GET trends/daily",
                "GET",
                f"{base}/api/v1/patients/{pid}/trends/daily/",
                headers=headers,
            )


async def staff_socket(ws_base: str, member: dict, record: Record, stop: asyncio.Event) -> None:
    """One staff member's socket, as the web client holds it: after a reconnect it asks for what it
    missed (``resume`` from the newest server time seen) and drops copies by delivery id."""
    import websockets

    since, seen = None, set()
    while not stop.is_set():
        try:
            async with websockets.connect(
                f"{ws_base}/ws/events/", subprotocols=["interlude.v1", f"bearer.{member['token']}"], open_timeout=10
            ) as conn:
                if since:
                    await conn.send(json.dumps({"type": "resume", "since": since}))
                while not stop.is_set():
                    try:
                        raw = await asyncio.wait_for(conn.recv(), timeout=1)
                    except TimeoutError:
                        continue
                    event = json.loads(raw)
                    data = event.get("data") or {}
                    if event.get("event") == "connected":
                        since = since or data.get("at")
                    if data.get("delivery_id"):
                        if data["delivery_id"] in seen:
                            record.socket_copies_dropped += 1
                            continue
                        seen.add(data["delivery_id"])
                        record.socket_replayed += bool(data.get("replayed"))
                        since = max(since or "", data.get("sent_at") or "")
                    record.events[member["id"]].append((time.perf_counter(), event))
        except Exception:  # noqa: BLE001 - reconnect like the app does (server restart, Redis outage)
            await asyncio.sleep(1)


async def watch_readiness(client, base: str, record: Record, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            response = await client.get(f"{base}/health/ready", timeout=10)
            body = response.json()
            record.readiness.append(
                (time.perf_counter(), response.status_code, body.get("status"), body.get("degraded"))
            )
        except Exception as exc:  # noqa: BLE001
            record.readiness.append((time.perf_counter(), 599, type(exc).__name__, None))
        await asyncio.sleep(2)


# --- drain and invariants ------------------------------------------------------------------------
def alerts_state(patient_ids: list[str]) -> dict:
    from apps.alerts.models import Alert, AlertDelivery

    alerts = collections.defaultdict(list)
    for alert_id, patient_id in Alert.objects.filter(patient_id__in=patient_ids).values_list("pk", "patient_id"):
        alerts[str(patient_id)].append(str(alert_id))
    deliveries = collections.defaultdict(list)
    for alert_id, user_id, sent in AlertDelivery.objects.filter(alert__patient_id__in=patient_ids).values_list(
        "alert_id", "recipient_id", "websocket_sent_at"
    ):
        deliveries[str(alert_id)].append((str(user_id), sent is not None))
    return {"alerts": alerts, "deliveries": deliveries}


def socket_hits(record: Record, alert_id: str, user_id: str) -> list[float]:
    return [t for t, e in record.events[user_id] if e.get("event") == "alert.new" and e["data"]["alert_id"] == alert_id]


def drained(record: Record, risky_ids: list[str]) -> bool:
    from django.db import connections

    from apps.journals.models import JournalEntry

    connections.close_all()  # a fresh connection each poll: the database may have restarted (fault mode)

    pending = JournalEntry.objects.filter(pk__in=record.journal_ids).exclude(status__in=["done", "failed"]).exists()
    if pending:
        return False
    state = alerts_state(risky_ids)
    for patient_id in record.risky_posted:
        for alert_id in state["alerts"].get(patient_id, []) or [None]:
            if alert_id is None:
                return False
            for user_id, _ in state["deliveries"].get(alert_id, []):
                if not socket_hits(record, alert_id, user_id):
                    return False
    return not record.expect_push or not pushes_pending(risky_ids)


def pushes_pending(patient_ids: list[str]) -> int:
    from apps.alerts.models import AlertDelivery

    return AlertDelivery.objects.filter(alert__patient_id__in=patient_ids, push_status="pending").count()


def push_check(record: Record, risky_ids: list[str], var: Path) -> tuple[bool, str]:
    """fcm: every delivery pushed, and FCM accepted exactly one push per alert and device."""
    from apps.alerts.models import AlertDelivery

    rows = list(AlertDelivery.objects.filter(alert__patient_id__in=risky_ids).values_list("alert_id", "push_status"))
    log = var / "fcm.jsonl"
    answers = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    accepted = collections.Counter(a["alert_id"] for a in answers if a["status"] == 200)
    refused = sum(a["status"] != 200 for a in answers)
    per_alert = collections.Counter(str(alert_id) for alert_id, _ in rows)
    once = sum(accepted[a] == n for a, n in per_alert.items())
    statuses = collections.Counter(status for _, status in rows)
    ok = statuses == collections.Counter({"sent": len(rows)}) and once == len(per_alert)
    return ok, (
        f"{statuses.get('sent', 0)}/{len(rows)} deliveries pushed ({dict(statuses)}); {once}/{len(per_alert)} "
        f"alerts accepted by FCM exactly once per device; {refused} pushes refused during the fault and retried"
    )


def work_left(record: Record) -> dict[str, int | None]:
    """What the queues still owe: ML messages waiting on the broker, journals not finished."""
    from django.db import connections

    from apps.core.jobs import queue_backlog
    from apps.journals.models import JournalEntry

    connections.close_all()
    try:
        journals = JournalEntry.objects.filter(pk__in=record.journal_ids).exclude(status__in=["done", "failed"]).count()
    except Exception:  # noqa: BLE001 - the database is restarting (fault mode)
        journals = None
    return {"ml_messages": queue_backlog("ml"), "journals_unfinished": journals}


def describe(odd: dict[str, int]) -> str:
    """For a patient with other than one alert: the signals and alerts behind it (ids and kinds only)."""
    from apps.alerts.models import Alert, RiskSignal

    parts = []
    for patient_id, count in odd.items():
        signals = list(RiskSignal.objects.filter(patient_id=patient_id).values_list("kind", "source_type"))
        alerts = list(Alert.objects.filter(patient_id=patient_id).values_list("source", "severity", "created_at"))
        parts.append(f"{count} alerts, signals {signals}, alerts {[(a, b, c.isoformat()) for a, b, c in alerts]}")
    return "; ".join(parts)


def killed_claim_detail(record: Record, entries: dict, audits: collections.Counter) -> str:
    """ml-kill: how the journal whose worker died holding its claim ended."""
    if not record.killed_claim:
        return ""
    entry_id = record.killed_claim["entry_id"]
    entry = entries.get(entry_id)
    return (
        f"; the journal killed {'after' if record.killed_claim['landed'] else 'around'} its claim "
        f"(attempt {record.killed_claim['attempts_at_kill']}) ended {entry.status if entry else 'missing'} "
        f"with {entry.attempts if entry else 0} attempts and {audits[entry_id]} transcription audit event(s)"
    )


def invariants(record: Record, risky_ids: list[str]) -> tuple[dict, list[float]]:
    from django.db import connections

    from apps.alerts.models import Alert
    from apps.audit.models import AuditEvent
    from apps.checkins.models import MoodCheckin
    from apps.journals.models import JournalEntry

    connections.close_all()
    checks = {}
    stored = collections.Counter(
        str(pk) for pk in MoodCheckin.objects.filter(pk__in=record.checkin_ids).values_list("pk", flat=True)
    )
    # A resend answers 200 (the stored row) when the first try was stored, 201 when it was not.
    resent_ok = [again == 200 if first == 201 else again in (200, 201) for _, first, again in record.resent]
    accepted = [i for i, statuses in record.checkin_ids.items() if any(200 <= s < 300 for s in statuses)]
    failed_only = [i for i in record.checkin_ids if i not in set(accepted)]
    checks["check-ins stored exactly once"] = (
        all(stored[i] == 1 for i in accepted)
        and all(n == 1 for n in stored.values())
        and all(resent_ok)
        and not failed_only,
        f"{len(accepted)} accepted, {sum(stored[i] for i in accepted)} of them stored (none twice), "
        f"{len(record.resent)} resent on purpose ({sum(resent_ok)} answered as expected); "
        f"{len(failed_only)} never accepted ({sum(stored[i] for i in failed_only)} of those stored anyway)",
    )
    entries = {str(e.pk): e for e in JournalEntry.objects.filter(pk__in=record.journal_ids)}
    audits = collections.Counter(
        AuditEvent.objects.filter(
            object_id__in=record.journal_ids, action="ai_process", detail__job="transcription"
        ).values_list("object_id", flat=True)
    )
    done = [e for e in entries.values() if e.status == "done" and e.text]
    checks["journals transcribed exactly once"] = (
        len(done) == len(record.journal_ids) and all(audits[i] == 1 for i in record.journal_ids),
        f"{len(done)}/{len(record.journal_ids)} done with text, transcription audit events per entry: "
        f"{sorted(collections.Counter(audits[i] for i in record.journal_ids).items())}, "
        f"attempts: {sorted(collections.Counter(e.attempts for e in entries.values()).items())}"
        + killed_claim_detail(record, entries, audits),
    )
    state = alerts_state(risky_ids)
    latencies, one_alert, delivered, missing, doubled = [], 0, 0, 0, 0
    for patient_id, posted in record.risky_posted.items():
        alert_ids = state["alerts"].get(patient_id, [])
        one_alert += len(alert_ids) == 1
        arrivals = []
        for alert_id in alert_ids:
            for user_id, _ in state["deliveries"].get(alert_id, []):
                hits = socket_hits(record, alert_id, user_id)
                delivered += len(hits) == 1
                missing += not hits
                doubled += len(hits) > 1
                arrivals += hits[:1]
        if arrivals:
            latencies.append(max(arrivals) - posted)
    odd = {p: len(state["alerts"].get(p, [])) for p in record.risky_posted if len(state["alerts"].get(p, [])) != 1}
    checks["one alert per risky submission, once on every recipient's socket"] = (
        one_alert == len(record.risky_posted) and missing == 0 and doubled == 0,
        f"{one_alert}/{len(record.risky_posted)} with exactly one alert; socket deliveries: {delivered} once, "
        f"{missing} missing, {doubled} more than once; {Alert.objects.count()} alerts in the run in all"
        + (f"; other alert counts: {describe(odd)}" if odd else ""),
    )
    five = sum(n for (name, status), n in record.statuses.items() if 500 <= status < 599 and status != 503)
    shed = sum(n for (name, status), n in record.statuses.items() if status == 503)
    checks["no 5xx but 503 + Retry-After"] = (
        five == 0,
        f"{five} responses >= 500 other than 503; {shed} answered 503 with Retry-After (database unavailable, "
        "sent again by the client with the same id)",
    )
    dropped = sum(n for (name, status), n in record.statuses.items() if status == 599)
    checks["no dropped connections"] = (
        dropped == 0,
        f"{dropped} requests refused or reset ({collections.Counter(e for _, e in record.failures).most_common(3)})",
    )
    return checks, latencies


# --- the run ----------------------------------------------------------------------------------
async def drive(args, people: People, bases: list[str], stack: Stack, services: dict, record: Record) -> dict:
    import httpx

    started = time.perf_counter()
    until = started + args.duration
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        sockets = [
            asyncio.create_task(staff_socket(bases[i % len(bases)].replace("http", "ws"), m, record, stop))
            for i, m in enumerate(people.staff)
        ]
        await asyncio.sleep(3)
        watcher = asyncio.create_task(watch_readiness(client, bases[0], record, stop))
        patient_ids = [p["id"] for p in people.patients]
        risky = people.patients[: args.risky]
        journaling = people.patients[args.risky : args.risky + args.journals]
        tasks = [
            patient_loop(client, bases[i % len(bases)], p, record, until, random.Random(i))
            for i, p in enumerate(people.patients)
        ]
        tasks += [
            risky_once(client, bases[i % len(bases)], p, record, started + (i + 1) * args.duration / (len(risky) + 1))
            for i, p in enumerate(risky)
        ]
        tasks += [
            journal_once(
                client,
                bases[i % len(bases)],
                p,
                record,
                started + i * 0.6 * args.duration / max(1, len(journaling)),
                JOURNAL_FILES[i % len(JOURNAL_FILES)],
            )
            for i, p in enumerate(journaling)
        ]
        tasks += [
            clinician_loop(client, bases[i % len(bases)], c, patient_ids, record, until, random.Random(100 + i))
            for i, c in enumerate(people.clinicians)
        ]
        # The fault runs beside the load and may outlast it (an ML kill waits for a journal to be claimed,
        # which under a backlog can be after the load stopped); the drain below waits for its effects.
        fault_task = asyncio.create_task(inject_fault(args, stack, services, record, started))
        await asyncio.gather(*tasks)
        load_seconds = time.perf_counter() - started
        risky_ids = [p["id"] for p in risky]
        queued_at_end = await asyncio.to_thread(work_left, record)
        # The drain is sized from the work left, not a constant: it goes on while that work shrinks and
        # stops when nothing has moved for --stall seconds (a stuck job), or at --drain at the most.
        deadline, last, moved = time.perf_counter() + args.drain, queued_at_end, time.perf_counter()
        while not await asyncio.to_thread(drained, record, risky_ids):
            now = time.perf_counter()
            if now > deadline or now - moved > args.stall:
                break
            await asyncio.sleep(2)
            left = await asyncio.to_thread(work_left, record)
            if left != last:
                last, moved = left, time.perf_counter()
        drain_seconds = time.perf_counter() - started - load_seconds
        if not fault_task.done():  # the drain gave up (a stuck job): the fault's search ends with it
            fault_task.cancel()
        fault = (await asyncio.gather(fault_task, return_exceptions=True))[0]
        if fault is not None and not isinstance(fault, dict):  # cancelled, or it raised
            fault = {"what": f"{args.fault}: did not finish ({type(fault).__name__})", "at": 0, "until": 0}
        stop.set()
        await asyncio.gather(*sockets, watcher, return_exceptions=True)
    return {
        "started": started,
        "wall_started": time.time() - (time.perf_counter() - started),
        "load_seconds": load_seconds,
        "drain_seconds": drain_seconds,
        "fault": fault,
        "risky_ids": risky_ids,
        "queued_at_end": queued_at_end,
        "left_after_drain": await asyncio.to_thread(work_left, record),
    }


def claimed_journal(record: Record) -> tuple[str, int] | None:
    """A journal of the run whose claim has committed and which is being transcribed now: (id, attempts)."""
    from django.db import connections

    from apps.journals.models import JournalEntry

    connections.close_all()
    row = (
        JournalEntry.objects.filter(pk__in=record.journal_ids, status="transcribing")
        .values_list("pk", "attempts")
        .first()
    )
    return (str(row[0]), row[1]) if row else None


def journals_unfinished(record: Record) -> int:
    from django.db import connections

    from apps.journals.models import JournalEntry

    connections.close_all()
    return JournalEntry.objects.filter(pk__in=record.journal_ids).exclude(status__in=["done", "failed"]).count()


def worker_running(entry_id: str) -> str | None:
    """The name (``ml1``/``ml2``) of the ML worker whose ``journals.process`` is on ``entry_id`` now."""
    from backend.celery import app

    active = app.control.inspect(timeout=3, limit=2).active() or {}
    for hostname, tasks in active.items():
        for task in tasks:
            if task["name"] == "journals.process" and (task.get("kwargs") or {}).get("entry_id") == entry_id:
                return hostname.split("@")[0]
    return None


def journal_state(entry_id: str) -> tuple[str, int]:
    from django.db import connections

    from apps.journals.models import JournalEntry

    connections.close_all()
    return JournalEntry.objects.values_list("status", "attempts").get(pk=entry_id)


async def kill_after_claim(args, stack: Stack, record: Record, started: float) -> dict:
    """SIGKILL the ML worker (with its pool) that holds a journal's claim, while the journal is still
    being transcribed. The worker is found by the claimed entry (Celery's remote control names the
    worker running ``journals.process`` on it); the row is read again right before and after the kill,
    so the report says whether the kill landed after the claim and before the transcript was stored."""
    while not record.journal_ids or await asyncio.to_thread(journals_unfinished, record):
        claimed = await asyncio.to_thread(claimed_journal, record)
        victim = claimed and await asyncio.to_thread(worker_running, claimed[0])
        if victim and await asyncio.to_thread(journal_state, claimed[0]) == ("transcribing", claimed[1]):
            at = time.perf_counter()
            await asyncio.to_thread(stack.kill, victim)
            after = await asyncio.to_thread(journal_state, claimed[0])
            landed = after == ("transcribing", claimed[1])
            record.killed_claim = {"entry_id": claimed[0], "attempts_at_kill": claimed[1], "landed": landed}
            return {
                "what": f"ML worker {victim} and its pool SIGKILLed while it held journal {claimed[0][:8]}'s claim "
                f"(attempt {claimed[1]}, status {after[0]} after the kill; not restarted)",
                "at": at - started,
                "until": at - started,
                "landed_after_claim": landed,
            }
        await asyncio.sleep(0.2)
    return {"what": "every journal finished before a kill could land: nothing killed", "at": 0, "until": 0}


async def inject_fault(args, stack: Stack, services: dict, record: Record, started: float) -> dict | None:
    if args.fault == "none":
        return None
    await asyncio.sleep(0.3 * args.duration)
    at = time.perf_counter()
    if args.fault == "redis":
        await asyncio.to_thread(services["redis"].stop)
        await asyncio.sleep(30)
        await asyncio.to_thread(services["redis"].start)
        return {
            "what": "Redis stopped for 30 s, then started again",
            "at": at - started,
            "until": time.perf_counter() - started,
        }
    if args.fault == "postgres":
        await asyncio.to_thread(services["postgres"].restart)
        return {
            "what": "PostgreSQL restarted (pg_ctl restart -m fast)",
            "at": at - started,
            "until": time.perf_counter() - started,
        }
    if args.fault == "ml-kill":
        return await kill_after_claim(args, stack, record, started)
    if args.fault == "fcm":
        down = stack.var / "fcm-down"
        down.touch()
        await asyncio.sleep(30)
        down.unlink()
        return {
            "what": "FCM answering 500 INTERNAL to every push for 30 s",
            "at": at - started,
            "until": time.perf_counter() - started,
        }
    raise ValueError(args.fault)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=("production", "embedded"), default="production")
    parser.add_argument("--duration", type=float, default=90.0, help="seconds of load (then the queues drain)")
    parser.add_argument("--drain", type=float, default=3600.0, help="most seconds to wait for the queues to drain")
    parser.add_argument(
        "--stall", type=float, default=180.0, help="stop draining when the work left has not moved for this long"
    )
    parser.add_argument("--patients", type=int)
    parser.add_argument("--journals", type=int)
    parser.add_argument("--staff", type=int)
    parser.add_argument("--risky", type=int)
    parser.add_argument("--fault", choices=("none", "redis", "postgres", "ml-kill", "fcm"), default="none")
    parser.add_argument(
        "--worker-log", default="WARNING", help="workers' and beat's log level in <var>/stack.log (INFO: every task)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    small = args.shape == "embedded"
    args.patients = args.patients or (50 if small else 200)
    args.journals = args.journals if args.journals is not None else (5 if small else 20)
    args.staff = args.staff or (10 if small else 50)
    args.risky = args.risky if args.risky is not None else (5 if small else 20)
    if args.fault in ("redis", "postgres") and small:
        parser.error("the redis and postgres faults need --shape production")

    var = Path(tempfile.mkdtemp(prefix="interlude-load-"))
    services: dict = {}
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(
        {
            "INTERLUDE_VAR_DIR": str(var),
            "LOG_LEVEL": "warning",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "JOB_LEASE_SECONDS": "20",
            "WHISPER_CPU_THREADS": "1",
        }
    )
    stack = None
    try:
        if not small:
            services["postgres"], services["redis"] = OwnPostgres(var), OwnRedis(var)
            services["postgres"].start()
            services["redis"].start()
            env.update({"DATABASE_URL": services["postgres"].url, "REDIS_URL": services["redis"].url})
        os.environ.update(env)
        for name in ("DATABASE_URL", "REDIS_URL"):
            if name not in env:
                os.environ.pop(name, None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
        import django

        django.setup()
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        people = make_people(args.patients, args.staff, devices=args.fault == "fcm")
        stack = Stack(args.shape, env, var, fake_fcm=args.fault == "fcm", loglevel=args.worker_log)
        stack.start()
        bases = [f"http://127.0.0.1:{port}" for port in stack.ports]
        import urllib.request

        for base in bases:
            for _ in range(600):
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(f"{base}/health/live", timeout=1)  # noqa: S310 - loopback
                    break
                time.sleep(0.1)
        time.sleep(5)  # workers connect
        record = Record(expect_push=args.fault == "fcm")
        outcome = asyncio.run(drive(args, people, bases, stack, services, record))
        outcome["worker_restarts"] = [
            f"{name} at {at - outcome['wall_started']:.0f} s: {reason}" for at, name, reason in stack.watchdog.restarts
        ]
        checks, latencies = invariants(record, outcome["risky_ids"])
        if args.fault == "fcm":
            checks["every alert pushed once per device"] = push_check(record, outcome["risky_ids"], var)
    finally:
        if stack:
            stack.stop()
        for service in services.values():
            service.stop()
    return report(args, record, outcome, checks, latencies)


def report(args, record: Record, outcome: dict, checks: dict, latencies: list[float]) -> dict:
    total = sum(len(v) for v in record.latencies.values())
    rows = []
    for name, values in sorted(record.latencies.items()):
        fives = sum(n for (n_name, status), n in record.statuses.items() if n_name == name and status >= 500)
        rows.append((name, len(values), statistics.median(values) * 1000, pct(values, 0.95) * 1000, fives))
    summary = {
        "shape": args.shape,
        "fault": args.fault,
        "duration_s": round(outcome["load_seconds"], 1),
        "drain_s": round(outcome["drain_seconds"], 1),
        "requests": total,
        "requests_per_s": round(total / outcome["load_seconds"], 1),
        "endpoints": {r[0]: {"n": r[1], "p50_ms": round(r[2], 1), "p95_ms": round(r[3], 1), "5xx": r[4]} for r in rows},
        "alert_latency_p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "alert_latency_p95_s": round(pct(latencies, 0.95), 2) if latencies else None,
        "invariants": {name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()},
        "fault_detail": outcome["fault"],
        "readiness_seen": sorted(
            {f"{code} {status} {degraded or ''}".strip() for _, code, status, degraded in record.readiness}
        ),
        "failures": collections.Counter(f"{n}: {e}" for n, e in record.failures).most_common(5),
        "load_average": os.getloadavg(),
        "queued_at_end_of_load": outcome["queued_at_end"],
        "left_after_drain": outcome["left_after_drain"],
        "resends_after_error": record.resends_after_error,
        "worker_restarts": outcome.get("worker_restarts", []),
        "socket_replayed": record.socket_replayed,
        "socket_copies_dropped": record.socket_copies_dropped,
        "server_errors_by_second": dict(
            sorted(collections.Counter(round(t - outcome["started"]) for t in record.server_errors_at).items())
        ),
    }
    if args.json:
        print(json.dumps(summary))
        return summary
    print(
        f"{args.shape} shape, {args.patients} patients, {args.staff} staff sockets, {args.journals} journals, "
        f"{args.risky} risky submissions; {summary['duration_s']} s of load, queues drained in {summary['drain_s']} s"
    )
    print(f"{'endpoint':<32} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'5xx':>5}")
    for name, n, p50, p95, fives in rows:
        print(f"{name:<32} {n:>6} {p50:>8.1f} {p95:>8.1f} {fives:>5}")
    print(f"requests/s: {summary['requests_per_s']}")
    print(
        f"work queued when the load stopped: {summary['queued_at_end_of_load']}; "
        f"left after the drain: {summary['left_after_drain']}; "
        f"requests the client sent again after an error: {record.resends_after_error}"
    )
    p50, p95 = summary["alert_latency_p50_s"], summary["alert_latency_p95_s"]
    print(f"alert latency (POST -> last recipient socket): p50 {p50} s, p95 {p95} s")
    for name, (ok, detail) in checks.items():
        print(f"[{'PASS' if ok else 'FAIL'}] {name}: {detail}")
    if outcome["fault"]:
        fault = outcome["fault"]
        print(f"fault: {fault['what']} at {fault['at']:.0f} s (over at {fault['until']:.0f} s)")
        print(f"5xx/refused by seconds into the run: {summary['server_errors_by_second']}")
        print(f"readiness answers seen: {summary['readiness_seen']}")
        print(
            f"workers restarted by the watchdog: {summary['worker_restarts'] or 'none'}; socket events replayed "
            f"after a reconnect: {record.socket_replayed} ({record.socket_copies_dropped} copies dropped)"
        )
    if summary["failures"]:
        print(f"request failures: {summary['failures']}")
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in summary['load_average'])} (2 cores, shared)")
    return summary


if __name__ == "__main__":
    main()
