"""The patient app's device sessions: which browser sessions a patient holds, so "sign out everywhere"
can end all of them. No PHI: a user id, the session key and times."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DeviceSession(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_sessions")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user"])]
