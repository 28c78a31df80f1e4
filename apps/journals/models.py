"""Journal entries: spoken (audio, transcribed in the background) or typed."""

from __future__ import annotations

from django.db import models

from apps.accounts.models import PatientProfile, validate_timezone
from apps.core.fields import EncryptedJSONField, EncryptedTextField


class EntryKind(models.TextChoices):
    AUDIO = "audio"
    TEXT = "text"


class EntryStatus(models.TextChoices):
    QUEUED = "queued"
    TRANSCRIBING = "transcribing"
    TRANSCRIBED = "transcribed"
    ANALYSING = "analysing"
    DONE = "done"
    FAILED = "failed"
    # Terminal: the speech is in a language the installed models cannot transcribe. No transcript, no risk
    # screening (``transcription["risk_screened"]`` is False); the recording is kept for a person to hear.
    LANGUAGE_UNSUPPORTED = "language_unsupported"


TERMINAL_STATUSES = (EntryStatus.DONE, EntryStatus.FAILED, EntryStatus.LANGUAGE_UNSUPPORTED)


class JournalEntry(models.Model):
    """``id`` comes from the phone (idempotent retries). ``text`` is the typed text or the transcript;
    ``segments`` holds the timed transcript segments, both encrypted."""

    id = models.UUIDField(primary_key=True)
    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="journal_entries")
    kind = models.CharField(max_length=8, choices=EntryKind.choices)
    occurred_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    local_date = models.DateField()
    shared_with_care_team = models.BooleanField()
    status = models.CharField(max_length=24, choices=EntryStatus.choices, db_index=True)
    failed_at_state = models.CharField(max_length=16, blank=True)
    error = models.CharField(max_length=200, blank=True, help_text="Why it failed (never PHI)")
    attempts = models.PositiveSmallIntegerField(default=0)
    text = EncryptedTextField(blank=True, default="")
    segments = EncryptedJSONField(blank=True, default=list, help_text="List of {start, end, text}")
    audio_name = models.CharField(max_length=255, blank=True, help_text="Encrypted file in journal audio storage")
    audio_format = models.CharField(max_length=40, blank=True)
    audio_codec = models.CharField(max_length=40, blank=True)
    audio_seconds = models.FloatField(null=True, blank=True)
    audio_bytes = models.PositiveIntegerField(null=True, blank=True)
    audio_deleted_at = models.DateTimeField(null=True, blank=True)
    transcription = models.JSONField(
        default=dict,
        blank=True,
        help_text="Model id/version, settings, language (detected, probability, per-language seconds), dropped "
        "segments (reason and times, no text); or why it was not transcribed",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "occurred_at"])]
