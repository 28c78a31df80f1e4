"""A representative run leaves no PHI in the log or in push payloads.

The patient checks in with a note, writes a journal entry (analysed by the real text models), answers a
PHQ-9 with a positive item 9, and sends a malformed body; the alert that follows is pushed to the
clinician's phone through the real firebase-admin SDK to the fake FCM edge; the clinician reads the
record. Every log record (root at DEBUG, the most an operator can ask for) and every push request body
is scanned for the markers seeded into that data.
"""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from django.utils import timezone

from apps.accounts.models import Device
from apps.alerts import delivery as alert_delivery
from apps.alerts.models import AlertDelivery
from apps.alerts.services import alerts_process_pending

NOTE = "Marigoldview-note-31"
JOURNAL = "Thistlecombe-journal-58"
NAME = "Robin Quill"  # the personas' patient, with "Morgan Quill" and this phone as emergency contact
PHONE = "+44 7700 900123"
MARKERS = (NOTE, JOURNAL, NAME, "Morgan Quill", PHONE, "end my life")


def _now() -> str:
    return timezone.now().isoformat()


@pytest.mark.slow
def test_a_representative_run_logs_and_pushes_no_phi(
    personas, as_user, fcm, caplog, capfd, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    Device.objects.create(user=personas.clinician, token="phi-scan-token", platform="ios", last_seen_at=timezone.now())
    patient = as_user(personas.patient)
    with django_capture_on_commit_callbacks(execute=True):
        checkin = {
            "id": str(uuid.uuid4()),
            "occurred_at": _now(),
            "timezone": "Europe/London",
            "mood": 2,
            "anxiety": 7,
            "energy": 3,
        }
        assert (
            patient.post("/api/v1/me/checkins/", {**checkin, "note": f"{NOTE} again"}, format="json").status_code == 201
        )
        text = f"{JOURNAL}: some days I want to end my life."
        entry = {"id": str(uuid.uuid4()), "occurred_at": _now(), "timezone": "UTC", "text": text}
        assert patient.post("/api/v1/me/journals/", entry, format="json").status_code == 201
        answers = {f"phq9_{i}": 2 for i in range(1, 10)}
        phq9 = {
            "id": str(uuid.uuid4()),
            "instrument": "phq9",
            "occurred_at": _now(),
            "timezone": "UTC",
            "answers": answers,
        }
        assert patient.post("/api/v1/me/questionnaires/", phq9, format="json").status_code == 201
        bad = {**checkin, "id": "not-a-uuid", "mood": NOTE, "note": NOTE}
        assert patient.post("/api/v1/me/checkins/", bad, format="json").status_code == 400
        alerts_process_pending()
    deliveries = list(AlertDelivery.objects.filter(recipient=personas.clinician))
    assert deliveries, "the positive item 9 raised an alert for the clinician"
    for delivery in deliveries:
        alert_delivery.deliver_one(delivery.pk)
    assert fcm.requests, "the alert was pushed"
    clinician = as_user(personas.clinician)
    pid = personas.patient_profile.id
    for url in (f"/api/v1/patients/{pid}/", f"/api/v1/patients/{pid}/checkins/", f"/api/v1/patients/{pid}/journals/"):
        assert clinician.get(url).status_code == 200

    records = [
        f"{record.getMessage()} {record.exc_text or ''} {json.dumps(getattr(record, 'args', ()), default=str)}"
        for record in caplog.records
    ]
    streams = capfd.readouterr()
    pushes = json.dumps(fcm.requests)
    assert len(records) > 5, "the run logged something to scan"
    found = {
        marker: where
        for marker in MARKERS
        for where, text in (("log", "\n".join(records)), ("stderr", streams.err + streams.out), ("push", pushes))
        if marker in text
    }
    assert found == {}
