"""Clinical sessions, their inputs (recording, dictation, typed summary) and versioned notes."""

from __future__ import annotations

import uuid

from django.db import models

from apps.accounts.models import PatientProfile, User
from apps.core.fields import EncryptedJSONField


class Modality(models.TextChoices):
    IN_PERSON = "in_person"
    VIDEO = "video"
    PHONE = "phone"


class SessionFormat(models.TextChoices):
    INDIVIDUAL = "individual"
    COUPLE = "couple"
    FAMILY = "family"
    GROUP = "group"


class ClinicalSession(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="sessions")
    clinician = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    modality = models.CharField(max_length=16, choices=Modality.choices)
    format = models.CharField(max_length=16, choices=SessionFormat.choices, default=SessionFormat.INDIVIDUAL)
    participants = EncryptedJSONField(
        default=list, blank=True, help_text="Roles of others present, no names; PHI, so encrypted"
    )
    template_key = models.SlugField(max_length=40, default="soap")
    created_at = models.DateTimeField(auto_now_add=True)


class InputKind(models.TextChoices):
    RECORDING = "recording"
    DICTATION = "dictation"
    TYPED = "typed"


class InputStatus(models.TextChoices):
    LIVE = "live"  # streaming (or paused, or its connection dropped): ``apps.notes.services.live``
    QUEUED = "queued"
    TRANSCRIBING = "transcribing"
    DRAFTING = "drafting"
    DONE = "done"
    FAILED = "failed"


class SessionInput(models.Model):
    """A job row (``apps.core.lease``): ``attempts`` counts claims, ``updated_at`` is the running job's
    heartbeat, ``failed_at_state`` says where a failed job stopped."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(ClinicalSession, on_delete=models.CASCADE, related_name="inputs")
    kind = models.CharField(max_length=16, choices=InputKind.choices)
    status = models.CharField(max_length=16, choices=InputStatus.choices, db_index=True)
    failed_at_state = models.CharField(max_length=16, blank=True)
    error = models.CharField(max_length=200, blank=True, help_text="Why it failed (never PHI)")
    attempts = models.PositiveSmallIntegerField(default=0)
    audio_name = models.CharField(max_length=255, blank=True)
    audio_format = models.CharField(max_length=16, blank=True)
    audio_seconds = models.FloatField(null=True, blank=True)
    utterances = EncryptedJSONField(blank=True, default=list, help_text="List of {index, speaker, text, start, end}")
    dropped = EncryptedJSONField(
        blank=True,
        default=list,
        help_text="List of {start, end, text, reason, channel}: text the filter set aside, kept visible",
    )
    transcription = models.JSONField(default=dict, blank=True)
    analytics = models.JSONField(
        default=dict,
        blank=True,
        help_text="Talk time, monologues, silences, tone, interventions, patient speech against their journal baseline",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class NoteStatus(models.TextChoices):
    DRAFT = "draft"
    SIGNED = "signed"


class Note(models.Model):
    """One version of a session's note. Signed versions are immutable; an amendment is a new version."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    session = models.ForeignKey(ClinicalSession, on_delete=models.CASCADE, related_name="notes")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    template_key = models.SlugField(max_length=40)
    template_version = models.PositiveIntegerField()
    sections = EncryptedJSONField(help_text="[{key, title, sentences: [{text, source, evidence}]}]")
    provenance = models.JSONField(help_text="Engine, model ids and versions, template version, time")
    amendment_reason = models.CharField(max_length=500, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    signed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "version"], name="one_note_version")]


class NoteTemplate(models.Model):
    """A practice's own note template (sections, guidance, evidence sources), next to the built-ins."""

    practice = models.ForeignKey("accounts.Practice", on_delete=models.CASCADE, related_name="note_templates")
    key = models.SlugField(max_length=40)
    version = models.PositiveIntegerField(default=1)
    definition = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["practice", "key", "version"], name="one_note_template_version")]


class LiveCuePreference(models.Model):
    """A clinician's opt-in to real-time cues in live sessions (off unless they turn it on)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="live_cues")
    cues_enabled = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
