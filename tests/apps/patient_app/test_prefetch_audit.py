"""The service worker keeps offline copies of pages that hold patient data (the safety plan, the
to-do list). Fetching them is a read of that data: it is audited like any read, and marked as a
prefetch so the trail does not claim a person looked at that moment."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_chain_verify, patient_access_log
from apps.patient_app.views.pwa import OFFLINE_PAGES
from apps.plans.services import safety_plan_save
from tests.apps.patient_app.test_pages import signed_in

pytestmark = pytest.mark.django_db


def plan_for(personas):
    safety_plan_save(
        actor=personas.clinician, patient=personas.patient_profile, content={"warning_signs": ["Not sleeping"]}
    )


def test_the_safety_plan_page_is_one_of_the_pages_the_worker_keeps():
    assert "/app/safety-plan/" in OFFLINE_PAGES


def test_a_prefetched_safety_plan_is_audited_as_a_read_marked_prefetch(personas):
    plan_for(personas)
    client = signed_in(personas.patient)
    assert client.get("/app/safety-plan/", HTTP_X_INTERLUDE_PREFETCH="1").status_code == 200
    event = AuditEvent.objects.filter(object_type="safety_plan", action="read").latest("seq")
    assert event.actor_id == personas.patient.pk and event.patient_id == personas.patient_profile.pk
    assert event.detail.get("prefetch") is True


def test_a_browser_prefetch_is_marked_too(personas):
    plan_for(personas)
    client = signed_in(personas.patient)
    client.get("/app/safety-plan/", HTTP_SEC_PURPOSE="prefetch")
    assert AuditEvent.objects.filter(object_type="safety_plan", action="read").latest("seq").detail["prefetch"]


def test_opening_the_page_is_an_ordinary_read(personas):
    plan_for(personas)
    client = signed_in(personas.patient)
    client.get("/app/safety-plan/")
    assert "prefetch" not in AuditEvent.objects.filter(object_type="safety_plan", action="read").latest("seq").detail


def test_every_offline_page_with_patient_data_audits_its_prefetch(personas):
    plan_for(personas)
    client = signed_in(personas.patient)
    before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    for path in OFFLINE_PAGES:
        assert client.get(path, HTTP_X_INTERLUDE_PREFETCH="1").status_code == 200, path
    reads = AuditEvent.objects.filter(seq__gt=before, action="read")
    assert reads.exists() and all(e.detail.get("prefetch") for e in reads)
    # Only reads are marked: the prefetch changed nothing, and writes are never marked.
    assert not AuditEvent.objects.filter(seq__gt=before).exclude(action="read").filter(detail__prefetch=True).exists()


def test_the_chain_still_verifies_and_the_patient_log_omits_their_own_prefetches(personas):
    plan_for(personas)
    signed_in(personas.patient).get("/app/safety-plan/", HTTP_X_INTERLUDE_PREFETCH="1")
    assert audit_chain_verify().ok
    own = patient_access_log(patient_id=personas.patient_profile.pk, patient_user_id=personas.patient.pk)
    assert not own.filter(detail__prefetch=True).exists()
