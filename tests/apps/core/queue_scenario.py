"""Run by test_queues.py in its own process, on a scratch database: real Celery workers split by
queue, and an ML job held mid-transcription so the outcome does not depend on timing.

The job is held by its own input: the stored (encrypted) recording is swapped for a named pipe, so
the ML worker claims the entry, moves it to ``transcribing`` and then blocks opening the file until
the scenario writes the real bytes into the pipe. While it is held:

- ``busy``: a risky PHQ-9 is posted and the alert must reach every recipient (websocket event
  written) through the realtime worker. Then the recording is released and transcribed.
- ``kill-child``: the ML worker's pool process is SIGKILLed; the parent requeues the job (acks late,
  reject on worker lost) and a fresh pool process resumes it.
- ``kill-worker``: the whole ML worker is SIGKILLed; a second ML worker is started and the stalled
  job comes back through ``journals.resume_stalled`` once its lease lapses.
- ``guard``: the job is sent to the realtime queue on purpose; the realtime worker refuses to import
  the model (and the job is left for an ML worker).

Prints one JSON object (the last line of stdout).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from apps.accounts.models import CareTeamMember, Membership, PatientProfile, User  # noqa: E402
from apps.accounts.services.consent import consent_decide  # noqa: E402
from apps.alerts.models import AlertDelivery, RiskSignal  # noqa: E402
from apps.audit.models import AuditEvent  # noqa: E402
from apps.core.audio import audio_storage  # noqa: E402
from apps.core.jwt import IssuedRefreshToken  # noqa: E402
from apps.journals.models import JournalEntry  # noqa: E402
from apps.practice.onboarding import practice_create  # noqa: E402
from tests.processes import celery_worker  # noqa: E402

AUDIO = ROOT / "tests" / "fixtures" / "audio" / "work.webm"
TIMEOUT = float(os.environ.get("SCENARIO_TIMEOUT", "300"))
MODEL_LIBRARIES = ("ctranslate2", "libtorch", "onnxruntime")


def wait_for(what: str, predicate, timeout: float = TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise SystemExit(json.dumps({"error": f"timed out waiting for {what}"}))


def people():
    tag = uuid.uuid4().hex[:8]
    practice = practice_create(name="Queue test", slug=f"q-{tag}")
    staff = []
    for i, role in enumerate(("primary_clinician", "clinician")):
        user = User.objects.create_user(username=f"c{i}-{tag}", practice=practice)
        Membership.objects.create(user=user, role="clinician")
        staff.append((user, role))
    patient_user = User.objects.create_user(username=f"p-{tag}", practice=practice)
    Membership.objects.create(user=patient_user, role="patient")
    patient = PatientProfile.objects.create(practice=practice, user=patient_user, full_name="Queue Test")
    for user, role in staff:
        CareTeamMember.objects.create(patient=patient, user=user, role=role)
    consent_decide(actor=patient_user, patient=patient, kind="ai_processing", version=1, decision="accepted")
    return Client(HTTP_AUTHORIZATION=f"Bearer {IssuedRefreshToken.for_user(patient_user).access_token}")


def upload(client: Client) -> JournalEntry:
    with AUDIO.open("rb") as handle:
        body = {"id": str(uuid.uuid4()), "occurred_at": timezone.now().isoformat(), "timezone": "UTC", "audio": handle}
        response = client.post("/api/v1/me/journals/", body)
    assert response.status_code == 202, response.content
    return JournalEntry.objects.get(pk=response.json()["id"])


class HeldRecording:
    """The entry's stored file, replaced by a named pipe until ``release()``."""

    def __init__(self, entry: JournalEntry):
        self.path = Path(audio_storage().inner.path(entry.audio_name))
        self.sealed = self.path.read_bytes()
        self.path.unlink()
        os.mkfifo(self.path)

    def release(self) -> None:
        """Feed the pipe once (the blocked reader gets the real bytes), then put a regular file back
        so the job's later steps (speech features) read it normally."""

        def feed():
            with self.path.open("wb") as pipe:
                pipe.write(self.sealed)
            spare = self.path.with_suffix(".tmp")
            spare.write_bytes(self.sealed)
            os.replace(spare, self.path)

        threading.Thread(target=feed, daemon=True).start()


def status(entry_id) -> str:
    return JournalEntry.objects.values_list("status", flat=True).get(pk=entry_id)


def maps_mention(pid: int, names=MODEL_LIBRARIES) -> list[str]:
    text = Path(f"/proc/{pid}/maps").read_text()
    return [name for name in names if name in text]


def pool_children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (the pool spawns from several threads, so read /proc/*/stat)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def transcription_audits(entry_id) -> int:
    return AuditEvent.objects.filter(
        object_type="journal_entry", object_id=str(entry_id), action="ai_process", detail__job="transcription"
    ).count()


def risky_phq9(client: Client) -> str:
    body = {
        "id": str(uuid.uuid4()),
        "instrument": "phq9",
        "timezone": "UTC",
        "occurred_at": timezone.now().isoformat(),
        "answers": {**{f"phq9_{i}": 1 for i in range(1, 9)}, "phq9_9": 2},
    }
    response = client.post("/api/v1/me/questionnaires/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return body["id"]


def busy(client: Client, entry: JournalEntry, held: HeldRecording, log: Path) -> dict:
    env = dict(os.environ)
    with (
        celery_worker(env, "ml", queues="ml", log=log) as ml,
        celery_worker(env, "realtime", queues="realtime", log=log) as realtime,
    ):
        wait_for("the ML worker to claim the journal", lambda: status(entry.pk) == "transcribing")
        source_id = risky_phq9(client)
        signal_ = wait_for("the risk signal", lambda: RiskSignal.objects.filter(source_id=source_id).first())

        def delivered():
            signal_.refresh_from_db()
            if signal_.alert_id is None:
                return None
            rows = list(AlertDelivery.objects.filter(alert_id=signal_.alert_id))
            return rows if rows and all(r.websocket_sent_at for r in rows) else None

        deliveries = wait_for("the alert to reach every recipient", delivered)
        journal_status_when_delivered = status(entry.pk)
        held.release()
        wait_for("the journal to finish", lambda: status(entry.pk) in ("done", "failed"))
        return {
            "recipients": len(deliveries),
            "journal_status_when_alert_delivered": journal_status_when_delivered,
            "realtime_worker_model_libraries": maps_mention(realtime.pid),
            "ml_worker_model_libraries": maps_mention(ml.pid),
        }


def kill_child(entry: JournalEntry, held: HeldRecording, log: Path) -> dict:
    with celery_worker(dict(os.environ), "ml", queues="ml", pool="prefork", log=log) as ml:
        wait_for("the ML worker to claim the journal", lambda: status(entry.pk) == "transcribing")
        (child,) = wait_for("one pool process", lambda: pool_children(ml.pid))
        os.kill(child, signal.SIGKILL)
        wait_for("a fresh pool process", lambda: [c for c in pool_children(ml.pid) if c != child])
        wait_for(
            "the requeued job to claim the entry again",
            lambda: JournalEntry.objects.values_list("attempts", flat=True).get(pk=entry.pk) >= 2,
        )
        held.release()
        wait_for("the journal to finish", lambda: status(entry.pk) in ("done", "failed"))
    return {"killed": "pool process"}


def kill_worker(entry: JournalEntry, held: HeldRecording, log: Path) -> dict:
    env = dict(os.environ)
    with celery_worker(env, "ml-a", queues="ml", log=log) as first:
        wait_for("the ML worker to claim the journal", lambda: status(entry.pk) == "transcribing")
        first.send_signal(signal.SIGKILL)
        first.wait()
    with (
        celery_worker(env, "ml-b", queues="ml", log=log),
        celery_worker(env, "realtime", queues="realtime", log=log),
    ):
        from apps.journals.tasks import resume_stalled

        def resumed():
            resume_stalled.delay()  # what beat sends every minute
            time.sleep(1)
            return JournalEntry.objects.values_list("attempts", flat=True).get(pk=entry.pk) >= 2

        wait_for("the stalled job to be claimed again", resumed)
        held.release()
        wait_for("the journal to finish", lambda: status(entry.pk) in ("done", "failed"))
    return {"killed": "whole worker"}


def guarded(entry: JournalEntry, log: Path) -> dict:
    """Misroute an ML job onto the realtime queue on purpose: the light worker must refuse the model."""
    from apps.journals.tasks import process_journal

    env = dict(os.environ)
    with celery_worker(env, "realtime", queues="realtime", pool="threads", concurrency=2, log=log, loglevel="INFO"):
        process_journal.apply_async(args=[str(entry.pk)], queue="realtime")
        wait_for("the refusal in the worker log", lambda: "ModelImportRefused" in log.read_text())
    return {"refused": True}


def main(mode: str) -> None:
    client = people()
    entry = upload(client)
    log = Path(os.environ["INTERLUDE_VAR_DIR"]) / "workers.log"
    if mode == "guard":
        result = guarded(entry, log)
    else:
        held = HeldRecording(entry)
        scenarios = {"busy": lambda: busy(client, entry, held, log), "kill-child": lambda: kill_child(entry, held, log)}
        scenarios["kill-worker"] = lambda: kill_worker(entry, held, log)
        result = scenarios[mode]()
    entry.refresh_from_db()
    result.update(
        {
            "status": entry.status,
            "attempts": entry.attempts,
            "transcript_words": len(entry.text.split()),
            "transcription_audits": transcription_audits(entry.pk),
        }
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1])
