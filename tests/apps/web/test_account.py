"""The clinician's own settings page: the live-cue opt-in (off by default, audited)."""

import pytest
from django.test import Client

from apps.audit.models import AuditEvent
from apps.notes.models import LiveCuePreference

pytestmark = pytest.mark.django_db


def browser_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_live_cues_are_off_until_the_clinician_turns_them_on(personas):
    client = browser_for(personas.clinician)
    page = client.get("/account/")
    assert page.status_code == 200
    assert b'id="live-cues"' in page.content and b"checked" not in page.content
    client.post("/account/", {"live_cues": "on"})
    assert LiveCuePreference.objects.get(user=personas.clinician).cues_enabled
    assert b"checked" in client.get("/account/").content
    client.post("/account/", {})
    assert not LiveCuePreference.objects.get(user=personas.clinician).cues_enabled
    assert AuditEvent.objects.filter(object_type="live_cue_preference").count() == 2


def test_patients_have_no_clinician_settings_page(personas):
    assert browser_for(personas.patient).get("/account/").status_code == 404
