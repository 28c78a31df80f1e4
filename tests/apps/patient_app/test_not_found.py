"""Unknown addresses under /app/ answer the patient app's own 404 page (crisis link, a way home), for
signed-in patients and strangers alike, and so do things outside the patient's scope."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from tests.apps.patient_app.test_pages import signed_in

pytestmark = pytest.mark.django_db


def test_an_unknown_address_is_the_patient_apps_404_with_the_crisis_link_and_a_way_home(personas):
    response = signed_in(personas.patient).get("/app/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-page="not-found"' in html and "<h1>" in html
    assert 'class="help-link crisis"' in html and 'href="/app/safety-plan/#crisis"' in html
    assert 'href="/app/"' in html
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "web/" not in html and 'class="tabs"' in html


def test_a_stranger_gets_the_same_page_with_sign_in_and_crisis_lines(db):
    response = Client().get("/app/whatever")
    html = response.content.decode()
    assert response.status_code == 404 and 'data-page="not-found"' in html
    assert 'href="/app/signin/"' in html and 'href="/app/offline/#crisis"' in html


def test_someone_elses_or_a_missing_journal_entry_is_the_patient_404(personas):
    response = signed_in(personas.patient).get(f"/app/journal/{uuid.uuid4()}/")
    assert response.status_code == 404 and 'data-page="not-found"' in response.content.decode()


def test_a_known_page_without_its_slash_still_redirects(personas):
    response = signed_in(personas.patient).get("/app/journal?x=1")
    assert response.status_code == 302 and response["Location"] == "/app/journal/?x=1"


def test_the_clinician_app_keeps_its_own_404(personas):
    response = Client().get("/no-such-clinician-page/")
    assert response.status_code == 404 and 'data-page="not-found"' not in response.content.decode()
