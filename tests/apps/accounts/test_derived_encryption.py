"""Derived PHI encrypted at rest (issue 13): push tokens and suggestion text, with the migrations that
encrypt rows written before them."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from apps.accounts.models import Device, device_token_digest
from apps.accounts.services.devices import device_register
from apps.alerts.models import Alert, RiskSignal
from apps.checkins.models import QuestionnaireResponse
from apps.insights.models import TextAnalysis
from apps.notes.models import ClinicalSession
from apps.plans.models import PlanSuggestion
from tests.apps.checkins.factories import submit_phq9


def _raw(table: str, column: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 - fixed names from this test
        return [row[0] for row in cursor.fetchall()]


def test_push_tokens_and_suggestion_text_are_ciphertext_in_the_database(personas):
    device_register(user=personas.clinician, token="fcm-token-abc123", platform="ios")
    PlanSuggestion.objects.create(
        patient=personas.patient_profile,
        strategy="worry_time",
        text="Latest phq9 total 18",
        evidence={},
        fingerprint="f",
    )
    assert not [t for t in _raw("accounts_device", "token") if "abc123" in t]
    assert not [t for t in _raw("plans_plansuggestion", "text") if "phq9" in t]
    assert Device.objects.get(token_digest=device_token_digest("fcm-token-abc123")).token == "fcm-token-abc123"
    again = device_register(user=personas.clinician, token="fcm-token-abc123", platform="ios")  # found by digest
    assert Device.objects.count() == 1 and again.token == "fcm-token-abc123"


def test_an_item9_answer_is_ciphertext_in_the_response_signal_and_alert(personas):
    """Written through the service: the item-9 finding, the signal and the alert evidence name the item
    only inside ciphertext, and the app reads them back."""
    response = submit_phq9(personas.patient_profile, [1] * 9, item9=2)
    for table, column in PHI_JSON_COLUMNS[:1] + PHI_JSON_COLUMNS[2:4]:
        values = _raw(table, column)
        assert values and not [v for v in values if "phq9" in str(v)], (table, column)
    assert QuestionnaireResponse.objects.get(pk=response.pk).risk[0]["signal"] == "phq9_item9"
    assert "phq9" in str(RiskSignal.objects.get().evidence) and "phq9" in str(Alert.objects.get().evidence)


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_rows_written_before_them(personas):
    executor = MigrationExecutor(connection)
    before = [("accounts", "0007_break_glass_export_erasure"), ("plans", "0002_plansuggestion_treatmentplan")]
    executor.migrate(before)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_device (id, user_id, token, token_type, platform, app_version, created_at,"
            " last_seen_at) VALUES (%s, %s, %s, 'registration_token', 'ios', '', %s, %s)",
            [
                "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f",
                personas.clinician.pk.hex,
                "old-plain-token",
                timezone.now(),
                timezone.now(),
            ],
        )
        cursor.execute(
            "INSERT INTO plans_plansuggestion (id, patient_id, strategy, text, evidence, fingerprint, status,"
            " created_at) VALUES (%s, %s, 'worry_time', 'Latest gad7 total 15', '{}', 'g', 'pending', %s)",
            ["1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f1f", personas.patient_profile.pk.hex, timezone.now()],
        )
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert _raw("accounts_device", "token") != ["old-plain-token"]
    assert Device.objects.get().token == "old-plain-token"
    assert Device.objects.get(token_digest=device_token_digest("old-plain-token"))
    assert "gad7" not in _raw("plans_plansuggestion", "text")[0]
    assert PlanSuggestion.objects.get().text == "Latest gad7 total 15"


PHI_JSON_COLUMNS = [
    ("checkins_questionnaireresponse", "risk"),
    ("insights_textanalysis", "emotions"),
    ("alerts_risksignal", "evidence"),
    ("alerts_alert", "evidence"),
    ("notes_clinicalsession", "participants"),
]


@pytest.mark.django_db(transaction=True)
def test_the_migrations_encrypt_risk_emotions_evidence_and_participants_written_before_them(personas):
    """Rows written in plaintext before the migrations (item-9 answer, emotions, evidence, participants)
    read back unchanged after them, and no marker is left in the raw columns."""
    before = [
        ("checkins", "0003_encrypted_json"),
        ("insights", "0002_encrypted_json"),
        ("alerts", "0003_risksignal_alert"),
        ("notes", "0006_encrypted_json"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    now = timezone.now()
    patient_id = personas.patient_profile.pk
    risk = [{"signal": "phq9_item9", "level": "moderate", "evidence": {"item9": "marker-item9-answer"}}]
    emotions = {"scores": {"sadness": 0.9}, "evidence": {"sadness": [[0, 5, 0.9]]}, "note": "marker-emotion"}
    evidence = [{"item": "phq9_9", "answer": "marker-signal-evidence"}]
    participants = ["marker-partner"]
    instrument = old.get_model("checkins", "Instrument").objects.create(
        key="migtest", version=1, title="Migration test", definition={}
    )
    old.get_model("checkins", "QuestionnaireResponse").objects.create(
        id=uuid.uuid4(),
        patient_id=patient_id,
        instrument=instrument,
        instrument_key="migtest",
        occurred_at=now,
        timezone="UTC",
        local_date=now.date(),
        answers={},
        risk=risk,
    )
    old.get_model("insights", "TextAnalysis").objects.create(
        patient_id=patient_id,
        source_type="journal_entry",
        source_id=uuid.uuid4(),
        local_date=now.date(),
        risk_level="none",
        emotions=emotions,
        versions={},
        sentence_count=1,
    )
    alert = old.get_model("alerts", "Alert").objects.create(
        patient_id=patient_id, source="phq9", severity="high", evidence=evidence, occurred_at=now
    )
    old.get_model("alerts", "RiskSignal").objects.create(
        patient_id=patient_id,
        source_type="questionnaire_response",
        source_id="x",
        kind="phq9_item9",
        level="moderate",
        evidence=evidence,
        occurred_at=now,
        alert_id=alert.pk,
    )
    old.get_model("notes", "ClinicalSession").objects.create(
        patient_id=patient_id,
        clinician_id=personas.clinician.pk,
        started_at=now,
        modality="in_person",
        participants=participants,
    )
    assert any("marker-item9" in str(v) for v in _raw("checkins_questionnaireresponse", "risk"))  # plaintext before

    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    for table, column in PHI_JSON_COLUMNS:
        values = _raw(table, column)
        assert values and not [v for v in values if "marker" in str(v)], (table, column)
    assert QuestionnaireResponse.objects.get().risk == risk
    assert TextAnalysis.objects.get().emotions == emotions
    assert RiskSignal.objects.get().evidence == evidence and Alert.objects.get().evidence == evidence
    assert ClinicalSession.objects.get().participants == participants
