"""Validated translations of built-in instruments: the patient answers in their language, the
server scores exactly as in English, the clinician reads the English item and the language used."""

import copy

import pytest
from django.test import Client

from apps.checkins import scoring
from apps.checkins.models import Instrument, QuestionnaireResponse
from tests.apps.checkins.test_questionnaires_api import URL, phq9_body
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

BUILTIN = {d["key"]: d for d in scoring.load_builtin()}


@pytest.mark.parametrize("key", ["phq9", "gad7"])
def test_the_spanish_wording_covers_every_item_and_label_and_names_its_sources(key):
    definition = BUILTIN[key]
    assert scoring.languages(definition) == ["en", "es"]
    assert scoring.validate_definition(definition) == []
    spanish = definition["translations"]["es"]
    assert len(spanish["sources"]) >= 2 and spanish["verified"].startswith("2026-11-30")
    shown = scoring.localized(definition, "es")
    assert [i["id"] for i in shown["items"]] == [i["id"] for i in definition["items"]]
    assert [o["value"] for o in shown["options"]] == [o["value"] for o in definition["options"]]
    assert shown["scoring"] == definition["scoring"] and shown.get("risk_rules") == definition.get("risk_rules")
    assert shown["options"][0]["label"] == "Ningún día"


def test_the_c_ssrs_screener_has_no_spanish_wording_to_offer():
    assert scoring.languages(BUILTIN["cssrs_screener"]) == ["en"]
    assert scoring.localized(BUILTIN["cssrs_screener"], "es") is BUILTIN["cssrs_screener"]


def test_a_partial_translation_is_refused():
    definition = copy.deepcopy(BUILTIN["phq9"])
    del definition["translations"]["es"]["items"]["phq9_9"]
    del definition["translations"]["es"]["item_options"]
    assert scoring.validate_definition(definition) == [
        "translation 'es' must word every item, and only those",
        "translation 'es' misses answer labels of phq9_difficulty",
    ]


def test_the_stored_builtin_instruments_carry_the_translations():
    stored = Instrument.objects.get(practice=None, key="phq9")
    assert stored.definition["translations"]["es"] == BUILTIN["phq9"]["translations"]["es"]


def test_answers_in_spanish_score_exactly_as_in_english_and_keep_their_language(personas, as_user):
    values = [3, 2, 2, 2, 1, 1, 1, 1, 1]
    english = as_user(personas.patient).post(URL, phq9_body(values), format="json").json()
    spanish = as_user(personas.patient).post(URL, phq9_body(values, language="es"), format="json").json()
    assert (spanish["total_score"], spanish["band"]) == (english["total_score"], english["band"]) == (14, "moderate")
    assert [f["signal"] for f in spanish["risk"]] == [f["signal"] for f in english["risk"]] == ["phq9_item9"]
    assert (english["language"], spanish["language"]) == ("en", "es")
    assert QuestionnaireResponse.objects.get(pk=spanish["id"]).language == "es"


def test_a_language_the_instrument_does_not_have_is_refused(personas, as_user):
    response = as_user(personas.patient).post(URL, phq9_body([0] * 9, language="fr"), format="json")
    assert response.status_code == 400 and "language" in response.json()["error"]["fields"]


def test_the_clinician_sees_which_language_the_patient_answered_in(personas, as_user):
    as_user(personas.patient).post(URL, phq9_body([1] * 9, language="es"), format="json")
    client = Client()
    assert client.login(username=personas.clinician.username, password=PASSWORD)
    page = client.get(f"/patients/{personas.patient_profile.pk}/questionnaires/")
    assert page.status_code == 200, page.status_code
    assert "answered in Spanish" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_adds_the_translations_to_the_stored_version():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("checkins", "0005_questionnaire_language")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    Stored = executor.loader.project_state(before).apps.get_model("checkins", "Instrument")
    untranslated = {k: v for k, v in BUILTIN["gad7"].items() if k != "translations"}  # as stored before
    Stored.objects.update_or_create(
        practice=None, key="gad7", version=1, defaults={"title": untranslated["title"], "definition": untranslated}
    )

    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    stored = Instrument.objects.get(practice=None, key="gad7")
    assert stored.version == 1 and stored.definition["translations"] == BUILTIN["gad7"]["translations"]
