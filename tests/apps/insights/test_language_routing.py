"""Journals in other languages (issue 19): Spanish runs the Spanish rules; a language without rules
is recorded as "not analysed: language" and shown to the clinician as not risk-screened, never run
through English rules."""

import pytest
from django.test import Client

from apps.alerts.models import RiskSignal
from apps.insights.models import Finding, TextAnalysis
from tests.apps.checkins.test_checkins_api import URL, body
from tests.apps.insights.test_insights import entry_via_api

pytestmark = pytest.mark.slow
FRENCH = "Je suis épuisée et je veux mourir, je n'en peux plus de cette vie."
SPANISH = "Hoy discutí con mi madre. La verdad es que mis hijos estarían mejor sin mí."


def test_a_french_entry_is_not_analysed_and_the_clinician_is_told(
    personas, as_user, django_capture_on_commit_callbacks
):
    entry = entry_via_api(as_user(personas.patient), FRENCH, django_capture_on_commit_callbacks)
    assert entry.status == "done"
    analysis = TextAnalysis.objects.get(source_id=entry.id)
    assert (analysis.not_analysed, analysis.language, analysis.risk_level) == ("language", "fr", "not_screened")
    assert analysis.versions["risk"] == "not analysed: language" and analysis.versions["language"] == "fr (text)"
    assert not Finding.objects.filter(analysis=analysis).exists()
    assert not RiskSignal.objects.filter(source_id=str(entry.id)).exists()

    staff = as_user(personas.clinician)
    base = f"/api/v1/patients/{personas.patient_profile.id}/"
    brief = staff.get(f"{base}brief/").json()
    assert brief["not_risk_screened"] == [
        {
            "source_type": "journal_entry",
            "date": entry.local_date.isoformat(),
            "language": "fr",
            "reason": "language",
            "ref": f"journal_entry:{entry.id}",
        }
    ]
    assert "Not risk-screened" in staff.get(f"{base}brief.html").content.decode()
    browser = Client()
    browser.force_login(personas.clinician)
    page = browser.get(f"/patients/{personas.patient_profile.id}/journals/").content.decode()
    assert "Not analysed: language (fr)" in page and "not risk-screened" in page


def test_a_spanish_entry_runs_the_spanish_rules_and_raises_a_signal(
    personas, as_user, django_capture_on_commit_callbacks
):
    personas.patient_profile.preferred_language = "es"
    personas.patient_profile.save()
    entry = entry_via_api(as_user(personas.patient), SPANISH, django_capture_on_commit_callbacks)
    analysis = TextAnalysis.objects.get(source_id=entry.id)
    assert (analysis.language, analysis.not_analysed, analysis.risk_level) == ("es", "", "passive_ideation")
    assert analysis.versions["risk"].endswith("/rules-only") and "risk-lexicon-es" in analysis.versions["risk"]
    risk = Finding.objects.get(analysis=analysis, kind="risk", suppressed="")
    assert SPANISH[risk.start : risk.end] == "La verdad es que mis hijos estarían mejor sin mí."
    assert Finding.objects.filter(analysis=analysis, kind="trigger", category="family").exists()
    signal = RiskSignal.objects.get(source_id=str(entry.id))
    assert (signal.kind, signal.level) == ("risk_language_passive_ideation", "moderate")
    assert signal.evidence["spans"][0]["source"] == "passive.better_off"


def test_an_english_entry_is_analysed_as_before(personas, as_user, django_capture_on_commit_callbacks):
    personas.patient_profile.preferred_language = "es"
    personas.patient_profile.save()
    text = "Work was brutal again. Honestly my kids would be fine without me."
    entry = entry_via_api(as_user(personas.patient), text, django_capture_on_commit_callbacks)
    analysis = TextAnalysis.objects.get(source_id=entry.id)
    assert (analysis.language, analysis.risk_level) == ("en", "passive_ideation")
    assert analysis.versions["risk"].startswith("risk-3.0/risk-lexicon-1.8/")


def test_the_patient_sees_support_for_a_spanish_note_in_a_check_in(personas, as_user):
    personas.patient_profile.preferred_language = "es"
    personas.patient_profile.save()
    client = as_user(personas.patient)
    risky = client.post(URL, body(note="Quiero morirme."), format="json")
    assert risky.status_code == 201 and "support" in risky.json()
    assert "support" not in client.post(URL, body(note="Me muero de risa con mi hermano."), format="json").json()
