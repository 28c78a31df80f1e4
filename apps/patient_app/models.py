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


class AppLock(models.Model):
    """A patient's optional app lock: a short PIN, hashed with Django's password hashers (never stored
    or logged in clear), asked for after the app was idle or in the background for ``idle_minutes``.
    ``failures`` counts wrong PINs in a row for the account (not the session, so a new session does not
    reset it)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="app_lock")
    pin_hash = models.CharField(max_length=256)
    idle_minutes = models.PositiveSmallIntegerField()
    failures = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)


class LockPasskey(models.Model):
    """A WebAuthn credential of this phone's platform authenticator (fingerprint, face, device PIN) that
    can open the app lock instead of the PIN. Public key material only: nothing secret, nothing PHI."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lock_passkeys")
    credential_id = models.CharField(max_length=1024, unique=True, help_text="base64url")
    public_key = models.BinaryField()
    sign_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
