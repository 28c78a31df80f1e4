"""Two saves of the same plan at once get consecutive versions; neither answers 500.

The version number is read and written in one transaction. Locking the plan rows while reading the
current maximum does not work: Django drops ``FOR UPDATE`` from an aggregate, and there is no row to
lock before the first version. The save locks the patient row instead. SQLite serialises writers
anyway, so this runs on PostgreSQL (CI sets DATABASE_URL)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from apps.plans import services
from apps.plans.models import SafetyPlan
from tests.conftest import require_service


@pytest.mark.django_db(transaction=True)
def test_concurrent_safety_plan_saves_get_consecutive_versions(personas, monkeypatch):
    require_service(connection.vendor == "postgresql", "DATABASE_URL is not set to PostgreSQL; ran on SQLite")
    services.safety_plan_save(
        actor=personas.clinician, patient=personas.patient_profile, content={"warning_signs": ["a"]}
    )

    first_inside, release = threading.Event(), threading.Event()
    real_audit_log = services.audit_log

    def audit_log_holding_the_first_save_open(**kwargs):
        if not first_inside.is_set():
            first_inside.set()
            release.wait(10)  # the first save has written its row and not committed yet
        return real_audit_log(**kwargs)

    monkeypatch.setattr(services, "audit_log", audit_log_holding_the_first_save_open)
    errors: list[BaseException] = []

    def save(actor):
        try:
            services.safety_plan_save(actor=actor, patient=personas.patient_profile, content={"warning_signs": ["b"]})
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    first = threading.Thread(target=save, args=(personas.clinician,))
    first.start()
    assert first_inside.wait(10)
    second = threading.Thread(target=save, args=(personas.patient,))
    second.start()
    time.sleep(1)  # the second save reaches the database and waits there
    release.set()
    first.join(20)
    second.join(20)
    assert errors == []
    assert sorted(SafetyPlan.objects.filter(patient=personas.patient_profile).values_list("version", flat=True)) == [
        1,
        2,
        3,
    ]
