"""Risk signals: the one inbound queue that risk alerts are built from.

Questionnaires (PHQ-9 item 9, C-SSRS screener items, reliable deterioration) write signals now;
journal and note risk language will write them too. ``processed_at`` stays null until the alert
engine has turned a signal into (or merged it with) an alert.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from django.db import models

from apps.accounts.models import PatientProfile
from apps.core.fields import EncryptedJSONField, EncryptedTextField


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
    # Stays plaintext so it can be queried: a coarse level from a fixed set, never free text.
    level = models.CharField(max_length=16, choices=RiskLevel.choices)
    evidence = EncryptedJSONField(
        default=list, help_text="Item ids and answers, or text spans with the detector version; PHI, so encrypted"
    )
    occurred_at = models.DateTimeField(help_text="When the patient produced the data")
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    alert = models.ForeignKey("Alert", on_delete=models.SET_NULL, null=True, blank=True, related_name="signals")
    # A later pass over the same source (speakers relabelled, the input processed again) no longer finds
    # this: the signal is kept, marked, and shown; never deleted.
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_reason = models.CharField(max_length=40, blank=True, help_text="rescreened, speakers_relabelled")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id", "kind"], name="one_signal_per_source_kind")
        ]
        indexes = [models.Index(fields=["patient", "occurred_at"])]


class Severity(models.TextChoices):
    ROUTINE = "routine"
    HIGH = "high"
    URGENT = "urgent"


SEVERITY_RANK = {Severity.ROUTINE: 0, Severity.HIGH: 1, Severity.URGENT: 2}


class AlertState(models.TextChoices):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Outcome(models.TextChoices):
    CONTACTED_PATIENT = "contacted_patient"
    SAFETY_PLAN_REVIEWED = "safety_plan_reviewed"
    EMERGENCY_SERVICES = "emergency_services"
    SEEN_IN_SESSION = "seen_in_session"
    FALSE_POSITIVE = "false_positive"
    OTHER = "other"


def default_routing() -> dict:
    return {
        "urgent": ["primary_clinician", "care_team", "on_call"],
        "high": ["primary_clinician", "care_team"],
        "routine": ["primary_clinician"],
    }


def default_crisis_resources() -> dict:
    """Region -> resources, from ``crisis_resources.json`` (each verified entry names its source)."""
    data = json.loads((Path(__file__).resolve().parent / "crisis_resources.json").read_text())
    return {region: resources for region, resources in data.items() if not region.startswith("_")}


class AlertPolicy(models.Model):
    """Per practice: who hears about what, how fast urgent alerts escalate, what patients are shown."""

    practice = models.OneToOneField("accounts.Practice", on_delete=models.CASCADE, related_name="alert_policy")
    routing = models.JSONField(
        default=default_routing, help_text="severity -> tiers: primary_clinician, care_team, on_call, supervisor"
    )
    escalation_minutes = models.PositiveIntegerField(default=15)
    dedup_window_minutes = models.PositiveIntegerField(default=24 * 60)
    on_call = models.ManyToManyField("accounts.User", blank=True, related_name="+")
    supervisors = models.ManyToManyField("accounts.User", blank=True, related_name="+")
    crisis_resources = models.JSONField(default=default_crisis_resources)
    safety_plan_url = models.URLField(blank=True)
    tell_patient_alert_sent = models.BooleanField(default=False)
    missed_checkins_days = models.PositiveIntegerField(null=True, blank=True, help_text="Off when empty")


class Alert(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="alerts")
    source = models.CharField(
        max_length=40, help_text="phq9, cssrs_screener, risk_language, reliable_deterioration, missed_checkins"
    )
    severity = models.CharField(max_length=10, choices=Severity.choices)
    state = models.CharField(max_length=16, choices=AlertState.choices, default=AlertState.OPEN, db_index=True)
    evidence = EncryptedJSONField(
        default=list, help_text="The signals behind it: item and answer, or spans and detector; PHI, so encrypted"
    )
    occurred_at = models.DateTimeField(help_text="When the patient produced the latest evidence")
    signal_count = models.PositiveIntegerField(default=1)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True, db_index=True)
    acknowledged_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=32, choices=Outcome.choices, blank=True)
    note = EncryptedTextField(blank=True, default="")
    # Set when the signals it was built on were superseded by a later screen: a clinician looks at it
    # again. The alert is never closed for that reason alone.
    needs_review = models.BooleanField(default=False)
    review_reason = models.CharField(
        max_length=40, blank=True, help_text="all_signals_superseded, severity_rests_on_superseded"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "source", "state"])]


class AlertDelivery(models.Model):
    """One row per recipient per alert (MindLogger's pattern); channels are tracked on it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    recipient = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="alert_deliveries")
    tier = models.CharField(max_length=20)
    reason = models.CharField(max_length=20, help_text="new, escalation, severity_raised")
    push_status = models.CharField(max_length=16, default="pending")  # pending | sent | failed | disabled | no_device
    push_attempts = models.PositiveSmallIntegerField(default=0)
    next_push_at = models.DateTimeField(null=True, blank=True, db_index=True)
    websocket_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "recipient", "reason", "tier"], name="one_delivery_per_recipient_reason"
            )
        ]


class DeliveryAttempt(models.Model):
    """The delivery log an auditor reads: every push attempt and its result (no PHI)."""

    delivery = models.ForeignKey(AlertDelivery, on_delete=models.CASCADE, related_name="attempts")
    channel = models.CharField(max_length=16)
    result = models.CharField(
        max_length=32, help_text="sent, unregistered, transient_error, error, disabled, no_device"
    )
    detail = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(auto_now_add=True)
