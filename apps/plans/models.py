"""The safety plan (Stanley–Brown) and the patient's coping log."""

from __future__ import annotations

import uuid

from django.db import models

from apps.accounts.models import PatientProfile, User, validate_timezone
from apps.core.fields import EncryptedJSONField, EncryptedTextField

SAFETY_PLAN_SECTIONS = (
    "warning_signs",
    "internal_coping",
    "distraction_people_places",
    "people_to_ask_for_help",
    "professionals_and_crisis_lines",
    "making_environment_safer",
    "reasons_for_living",
)


class SafetyPlan(models.Model):
    """One version. The newest version is the plan; earlier ones stay readable."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="safety_plans")
    version = models.PositiveIntegerField()
    content = EncryptedJSONField(help_text="Section -> list of items")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    patient_acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "version"], name="one_safety_plan_version")]


class CopingKind(models.TextChoices):
    COPING = "coping"
    HOMEWORK = "homework"


class CopingLog(models.Model):
    """A quick tap: "I used a coping strategy" or "I did my homework". ``id`` comes from the phone."""

    id = models.UUIDField(primary_key=True)
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="coping_logs")
    kind = models.CharField(max_length=16, choices=CopingKind.choices)
    strategy = models.SlugField(max_length=60, help_text="e.g. breathing, walk, thought_record")
    occurred_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    local_date = models.DateField()
    helped = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0-10, optional")
    note = EncryptedTextField(blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "local_date"])]


class PlanStatus(models.TextChoices):
    DRAFT = "draft"
    SIGNED = "signed"


class TreatmentPlan(models.Model):
    """One version of a patient's plan: problems, measurable goals, objectives, interventions, coping
    strategies and the review date (JSON, encrypted). The clinician signs a version; the patient reads
    and acknowledges signed ones."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="treatment_plans")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    content = EncryptedJSONField(help_text="Sections of the plan: goals, interventions…")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    signed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    patient_acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient", "version"], name="one_treatment_plan_version")]


class SuggestionStatus(models.TextChoices):
    PENDING = "pending"
    ACCEPTED = "accepted"
    EDITED = "edited"
    DISMISSED = "dismissed"


SUGGESTION_DECISIONS = [("accept", "accept"), ("edit", "edit"), ("dismiss", "dismiss")]


class PlanSuggestion(models.Model):
    """A proposed plan item with its evidence. A decided suggestion returns only when its evidence
    changes materially (a different ``fingerprint``)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="plan_suggestions")
    strategy = models.SlugField(max_length=60)
    text = EncryptedTextField(help_text='Names scores and bands ("Latest phq9 total 18…"): PHI, so encrypted')
    evidence = models.JSONField()
    fingerprint = models.CharField(max_length=120)
    status = models.CharField(max_length=12, choices=SuggestionStatus.choices, default=SuggestionStatus.PENDING)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "strategy", "fingerprint"], name="one_suggestion_per_evidence")
        ]
