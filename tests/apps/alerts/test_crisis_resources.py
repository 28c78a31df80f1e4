"""Crisis lines chosen by the patient's region and language; each verified line names its source."""

import pytest

from apps.alerts.models import default_crisis_resources
from apps.alerts.support import crisis_resources_for, support_for

RESOURCES = default_crisis_resources()


def names(region: str, language: str) -> list[str]:
    return [r["name"] for r in crisis_resources_for(RESOURCES, region=region, language=language)]


def test_a_spanish_speaker_in_the_us_gets_the_spanish_lines():
    assert names("US", "es") == ["988 Lifeline en español", "Crisis Text Line en español"]
    spanish_988 = crisis_resources_for(RESOURCES, region="US", language="es-MX")[0]
    assert spanish_988["tel"] == "988" and "oprima 2" in spanish_988["contact"]


def test_an_english_speaker_in_the_us_gets_the_english_lines():
    assert names("US", "en") == ["988 Suicide & Crisis Lifeline", "Crisis Text Line"]


def test_a_region_without_lines_in_the_patients_language_shows_all_of_its_lines():
    assert names("GB", "es") == ["Samaritans", "NHS 111"]  # English-only help beats none
    assert names("ZZ", "fr") == ["Emergency services"]


@pytest.mark.parametrize(
    ("region", "tel"), [("ES", "024"), ("FR", "3114"), ("MX", "8009112000"), ("CA", "988"), ("GB", "116123")]
)
def test_each_region_has_a_line_to_tap_and_call(region, tel):
    assert tel in [r.get("tel") for r in RESOURCES[region]]


def test_every_new_line_names_where_it_was_checked():
    for region in ("US", "CA", "ES", "FR", "MX"):
        assert all(r["source"].startswith("http") for r in RESOURCES[region])


def test_the_patient_reads_the_support_message_in_their_language(personas):
    personas.patient_profile.preferred_language = "es"
    support = support_for(personas.patient_profile)
    assert support["lang"] == "es" and support["message"].startswith("Gracias por contarnos")
    assert support["resources"][0]["name"] == "988 Lifeline en español"
    personas.patient_profile.preferred_language = "fr"  # no catalog: English, and it says so
    support = support_for(personas.patient_profile)
    assert support["lang"] == "en" and support["message"].startswith("Thank you for telling us")


@pytest.mark.django_db(transaction=True)
def test_the_migration_updates_practices_on_the_shipped_list_and_keeps_edited_ones(personas):
    from importlib import import_module

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    previous = import_module("apps.alerts.migrations.0005_crisis_resources_by_language").PREVIOUS_DEFAULT
    before = [("alerts", "0004_evidence_encrypted")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    AlertPolicy = executor.loader.project_state(before).apps.get_model("alerts", "AlertPolicy")
    edited = {"US": [{"name": "Our own line", "contact": "Call 555 0100", "url": ""}]}
    AlertPolicy.objects.update_or_create(practice_id=personas.practice.pk, defaults={"crisis_resources": previous})
    AlertPolicy.objects.update_or_create(practice_id=personas.other_practice.pk, defaults={"crisis_resources": edited})

    executor = MigrationExecutor(connection)
    executor.migrate([("alerts", "0005_crisis_resources_by_language")])
    policies = {p.practice_id: p.crisis_resources for p in AlertPolicy.objects.all()}
    assert policies[personas.practice.pk] == RESOURCES and policies[personas.other_practice.pk] == edited

    MigrationExecutor(connection).migrate(before)  # and back
    assert AlertPolicy.objects.get(practice_id=personas.practice.pk).crisis_resources == previous
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
