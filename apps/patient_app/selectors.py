"""Reads for the patient app's own pages: the app lock and the passkeys that open it."""

from __future__ import annotations

from apps.accounts.models import User
from apps.patient_app.models import AppLock, LockPasskey


def app_lock_get(*, user: User) -> AppLock | None:
    return AppLock.objects.filter(user=user).first()


def lock_passkeys_count(*, user: User) -> int:
    return LockPasskey.objects.filter(user=user).count()


def lock_passkey_exists(*, user: User) -> bool:
    return LockPasskey.objects.filter(user=user).exists()
