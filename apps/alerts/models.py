"""Risk signals: the one inbound queue that risk alerts are built from.

Questionnaires (PHQ-9 item 9, C-SSRS screener items, reliable deterioration) write signals now;
journal and note risk language will write them too. ``processed_at`` stays null until the alert
engine has turned a signal into (or merged it with) an alert.
"""

from __future__ import annotations

import uuid

from django.db import models

from apps.accounts.models import PatientProfile


class RiskLevel(models.TextChoices):
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class RiskSignal(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="risk_signals")
    source_type = models.CharField(max_length=40, help_text="questionnaire_response, mood_checkin, journal_entry…")
    source_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=64, help_text="e.g. phq9_item9, cssrs_plan, reliable_deterioration")
    level = models.CharField(max_length=16, choices=RiskLevel.choices)
    evidence = models.JSONField(help_text="Item ids and answers, or text spans with the detector version; no free text")
    occurred_at = models.DateTimeField(help_text="When the patient produced the data")
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id", "kind"], name="one_signal_per_source_kind")
        ]
        indexes = [models.Index(fields=["patient", "occurred_at"])]
