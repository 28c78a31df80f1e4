"""Two risky submissions for one patient at the same moment, in two transactions, make one alert:
while a signal becomes an alert the patient's row is locked, so the second waits for the first to
commit and then folds into its alert. Ordered by the database's own lock table, not by timing."""

import threading
import time
import uuid

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.alerts.models import Alert
from apps.alerts.routing import policy_for
from apps.alerts.services import risk_signal_record

pytestmark = pytest.mark.django_db(transaction=True)


def record(patient_id):
    risk_signal_record(
        patient_id=patient_id,
        source_type="test",
        source_id=uuid.uuid4(),
        kind="phq9_item9",
        level="high",
        evidence={"items": [{"item": "phq9_9", "answer": 2}]},
        occurred_at=timezone.now(),
    )


def waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def test_two_risky_submissions_at_once_make_one_alert(personas):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time; the row lock matters on PostgreSQL (CI)")
    patient_id = personas.patient_profile.pk
    policy_for(personas.practice.id)  # exists beforehand, as in real use (its creation would serialise them too)
    first_holds, release, second_done, errors = threading.Event(), threading.Event(), threading.Event(), []

    def first():
        try:
            with transaction.atomic():
                record(patient_id)
                first_holds.set()
                release.wait(60)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    def second():
        try:
            first_holds.wait(60)
            record(patient_id)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            second_done.set()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_holds.wait(60)
    for _ in range(600):  # until the second is blocked on the first's lock (or, without one, finished)
        if second_done.is_set() or waiting_on_a_lock():
            break
        time.sleep(0.05)
    release.set()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    alert = Alert.objects.get(patient_id=patient_id)
    assert alert.signal_count == 2 and len(alert.evidence) == 2
