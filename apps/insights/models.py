"""What the insight engine found, with the evidence and the versions that found it.

Findings point into their source's text by character offsets; the text itself stays in the
(encrypted) source row, so deleting a journal entry or check-in deletes its analysis with it.
"""

from __future__ import annotations

import uuid

from django.db import models

from apps.accounts.models import PatientProfile, User
from apps.core.fields import EncryptedJSONField, EncryptedTextField


class SourceType(models.TextChoices):
    JOURNAL_ENTRY = "journal_entry"
    MOOD_CHECKIN = "mood_checkin"


class TextAnalysis(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="text_analyses")
    source_type = models.CharField(max_length=20, choices=SourceType.choices)
    source_id = models.UUIDField()
    local_date = models.DateField(help_text="The source's local date, for daily series")
    # Stays plaintext so it can be queried: a coarse level from a fixed set, never free text.
    risk_level = models.CharField(max_length=20, help_text="A risk level, or not_screened (see not_analysed)")
    language = models.CharField(max_length=16, default="en", help_text="The language the text was analysed as")
    not_analysed = models.CharField(
        max_length=20,
        blank=True,
        help_text='Why the detectors did not run: "language" (no rules for it; the text was not risk-screened)',
    )
    emotions = EncryptedJSONField(default=dict, help_text="Scores 0..1 and evidence spans per emotion: PHI")
    versions = models.JSONField(help_text="Encoder, taxonomy, lexicon and detector versions")
    sentence_count = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source_type", "source_id"], name="one_analysis_per_source")]
        indexes = [models.Index(fields=["patient", "local_date"])]


class FindingKind(models.TextChoices):
    TRIGGER = "trigger"
    PROTECTIVE = "protective"
    PATIENT_TRIGGER = "patient_trigger"
    RISK = "risk"


class Finding(models.Model):
    analysis = models.ForeignKey(TextAnalysis, on_delete=models.CASCADE, related_name="findings")
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="+")
    local_date = models.DateField()
    kind = models.CharField(max_length=20, choices=FindingKind.choices)
    # Stays plaintext: filtered and grouped on (trigger trends, risk findings), and a coarse label from a
    # fixed taxonomy, never free text.
    category = models.CharField(max_length=64, help_text="Trigger category, or the risk level")
    score = models.FloatField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    method = models.CharField(max_length=32)
    source = models.CharField(max_length=80, blank=True, help_text="Rule or exemplar that fired (risk)")
    suppressed = models.CharField(max_length=20, blank=True, help_text="Why it was considered but not counted")

    class Meta:
        indexes = [models.Index(fields=["patient", "kind", "local_date"])]


class SpeechFeatures(models.Model):
    entry_id = models.UUIDField(primary_key=True, help_text="The journal entry")
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="speech_features")
    local_date = models.DateField()
    features = models.JSONField()
    baseline = models.JSONField(default=dict, help_text="Robust z-scores against the patient's own history")
    version = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)


class PatientTrigger(models.Model):
    """A clinician-defined trigger for one patient ("my ex", "the anniversary in March")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="custom_triggers")
    key = models.SlugField(max_length=40)
    label = EncryptedTextField()
    phrases = EncryptedJSONField(help_text="Example phrases")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "key"], name="one_custom_trigger_key")]


class PatternSnapshot(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="pattern_snapshots")
    version = models.CharField(max_length=40)
    start = models.DateField(null=True)
    end = models.DateField(null=True)
    day_count = models.PositiveIntegerField()
    patterns = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "created_at"])]
