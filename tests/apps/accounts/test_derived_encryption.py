"""Derived PHI encrypted at rest (issue 13): push tokens and suggestion text, with the migrations that
encrypt rows written before them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from apps.accounts.models import Device, device_token_digest
from apps.accounts.services.devices import device_register
from apps.plans.models import PlanSuggestion


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
