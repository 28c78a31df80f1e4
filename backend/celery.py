"""The Celery app. Broker: Redis when REDIS_URL is set, else kombu's SQLAlchemy transport on SQLite
(``isqla+``: the stock transport with a 100 ms poll, see ``kombu_sqla.py``).

Two queues, routed here and nowhere else, by task name:

- ``realtime``: alert processing and delivery, escalation, reminders, operator pings and short
  housekeeping, signed audit checkpoints. Its workers never load a model (``backend/model_guard.py``
  refuses the import), so a risk alert never waits behind a transcription.
- ``ml``: transcription, text and speech analysis, session recordings, dictations, exports: work a
  person is waiting for.
- ``ml_background``: work nobody waits for: the full offline pass after a live session (its live draft
  is already written and screened), the nightly pattern mining and audit-chain verification. The same
  ML workers consume both queues, ``ml`` first: a worker that finishes a job takes the next ``ml`` job
  before any background one (``queue_order_strategy`` "priority" on Redis, ``kombu_sqla`` on the
  embedded broker), so a dictation never waits behind a queue of refinement passes, only behind the one
  job already running.

A task name missing from ``TASK_QUEUES`` is a start-up error (``route_for``), so a new task cannot
silently land behind ML work or onto a worker that must stay light.
"""

from __future__ import annotations

import os

from celery import Celery, signals
from celery.schedules import crontab
from kombu import Exchange, Queue
from kombu.transport import TRANSPORT_ALIASES

from backend.env import env_int

TRANSPORT_ALIASES.setdefault("isqla", "backend.kombu_sqla:Transport")

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

REALTIME, ML, ML_BACKGROUND = "realtime", "ml", "ml_background"
# What an ML worker consumes, in priority order.
ML_QUEUES = (ML, ML_BACKGROUND)
TASK_QUEUES: dict[str, str] = {
    "alerts.process_signals": REALTIME,
    "alerts.deliver": REALTIME,
    "alerts.push": REALTIME,
    "alerts.tick": REALTIME,
    "checkins.dispatch_reminders": REALTIME,
    "accounts.housekeeping": REALTIME,
    "accounts.break_glass_alert": REALTIME,
    "privacy.expire_exports": REALTIME,
    "journals.resume_stalled": REALTIME,
    "insights.resume_missing": REALTIME,
    "notes.resume_stalled": REALTIME,
    "core.ping": REALTIME,
    # Sent by each worker to its own direct queue (``backend/worker_liveness.py``); this entry only
    # satisfies the router, the explicit queue wins.
    "core.heartbeat": REALTIME,
    "audit.checkpoint": REALTIME,
    "journals.process": ML,
    "notes.process_input": ML,
    "notes.refine_input": ML_BACKGROUND,
    "notes.finish_abandoned_live": ML,
    "insights.analyse_text": ML,
    "insights.mine_patterns": ML,
    "insights.mine_patterns_nightly": ML_BACKGROUND,
    "audit.verify_chain": ML_BACKGROUND,
    "privacy.build_export": ML,
}


class UnroutedTaskError(LookupError):
    """A task without a queue in ``TASK_QUEUES``."""


def route_for(name: str, *_args, **_kwargs) -> dict[str, str] | None:
    if name.startswith("celery."):  # Celery's own (chords, backend cleanup): default queue handling
        return None
    try:
        return {"queue": TASK_QUEUES[name]}
    except KeyError:
        raise UnroutedTaskError(f"task {name!r} has no queue in backend/celery.py TASK_QUEUES") from None


app = Celery("interlude")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = tuple(Queue(name, Exchange(name), routing_key=name) for name in (REALTIME, *ML_QUEUES))
app.conf.task_default_queue = ML
app.conf.task_routes = (route_for,)
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "audit-checkpoint": {
        "task": "audit.checkpoint",
        "schedule": 60.0 * env_int("AUDIT_CHECKPOINT_MINUTES", 10, minimum=1),
    },
    "verify-audit-chain-nightly": {
        "task": "audit.verify_chain",
        "schedule": crontab(hour=3, minute=17),
    },
    # Every 15 s: it re-drives deliveries whose job was never queued (Redis down at commit), so after an
    # outage alerts reach sockets within seconds of Redis returning. Three indexed queries when idle.
    "alerts-tick-every-15-seconds": {
        "task": "alerts.tick",
        "schedule": 15.0,
    },
    "checkin-reminders-every-minute": {
        "task": "checkins.dispatch_reminders",
        "schedule": 60.0,
    },
    "journals-resume-stalled-every-minute": {
        "task": "journals.resume_stalled",
        "schedule": 60.0,
    },
    "insights-resume-missing-every-minute": {
        "task": "insights.resume_missing",
        "schedule": 60.0,
    },
    "notes-resume-stalled-every-minute": {
        "task": "notes.resume_stalled",
        "schedule": 60.0,
    },
    "notes-finish-abandoned-live-every-five-minutes": {
        "task": "notes.finish_abandoned_live",
        "schedule": 300.0,
    },
    "pattern-mining-nightly": {
        "task": "insights.mine_patterns_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    "patient-exports-expire-hourly": {
        "task": "privacy.expire_exports",
        "schedule": crontab(minute=35),
    },
    "auth-housekeeping-hourly": {
        "task": "accounts.housekeeping",
        "schedule": crontab(minute=5),
    },
}


@signals.worker_ready.connect
def _start_heartbeat(sender=None, **_kwargs) -> None:
    """The liveness heartbeat (``backend/worker_liveness.py``): a worker that stops consuming after a
    broker reconnect is found by its supervisor and restarted."""
    from django.conf import settings

    from backend import worker_liveness

    signals.task_received.connect(worker_liveness.note_received, weak=False)
    worker_liveness.Beater(sender.app, sender.hostname, settings.WORKER_HEARTBEAT_SECONDS).start()


@signals.worker_init.connect
def _guard_light_workers(sender=None, **_kwargs) -> None:
    """A worker that consumes neither ML queue refuses to import model libraries. One that does
    runs at a lower CPU priority (``ML_WORKER_NICE``, inherited by its pool processes and the decoder's
    threads): on a host it shares with the web processes and the realtime worker, a transcription then
    takes the CPU only when the alert path leaves it idle. Measured on 2 shared cores (issue 12), an
    alert while the ML worker decoded spent most of its extra time waiting for a core."""
    queues = set(sender.app.amqp.queues.consume_from or sender.app.amqp.queues)
    if queues & set(ML_QUEUES):
        from django.conf import settings

        if settings.ML_WORKER_NICE:
            os.nice(settings.ML_WORKER_NICE)
    else:
        import logging

        from backend import model_guard

        reason = f"this worker consumes {sorted(queues)} and must stay light"
        model_guard.install(reason=reason)
        logging.getLogger(__name__).info("model imports refused: %s", reason)
