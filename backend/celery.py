"""The Celery app. Broker: Redis when REDIS_URL is set, else kombu's SQLAlchemy transport on SQLite
(``isqla+``: the stock transport with a 100 ms poll, see ``kombu_sqla.py``)."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab
from kombu.transport import TRANSPORT_ALIASES

TRANSPORT_ALIASES.setdefault("isqla", "backend.kombu_sqla:Transport")

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

app = Celery("interlude")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "verify-audit-chain-nightly": {
        "task": "audit.verify_chain",
        "schedule": crontab(hour=3, minute=17),
    },
    "alerts-tick-every-minute": {
        "task": "alerts.tick",
        "schedule": 60.0,
    },
    "checkin-reminders-every-minute": {
        "task": "checkins.dispatch_reminders",
        "schedule": 60.0,
    },
    "pattern-mining-nightly": {
        "task": "insights.mine_patterns_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    "auth-housekeeping-hourly": {
        "task": "accounts.housekeeping",
        "schedule": crontab(minute=5),
    },
}
