"""Push-token registry. A token moves to whoever registered it last (a shared or re-used phone)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Device, TokenType, User


def device_register(
    *, user: User, token: str, platform: str, app_version: str = "", token_type: str = TokenType.REGISTRATION_TOKEN
) -> Device:
    now = timezone.now()
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(token=token).first()
        if device is None:
            return Device.objects.create(
                user=user,
                token=token,
                token_type=token_type,
                platform=platform,
                app_version=app_version,
                last_seen_at=now,
            )
        device.user = user
        device.platform = platform
        device.token_type = token_type
        device.app_version = app_version or device.app_version
        device.last_seen_at = now
        device.unregistered_at = None
        device.save()
    return device


def device_refresh(*, device: Device, token: str | None = None, app_version: str | None = None) -> Device:
    """The app reports a rotated FCM token or just checks in."""
    with transaction.atomic():
        if token and token != device.token:
            Device.objects.filter(token=token).exclude(pk=device.pk).delete()
            device.token = token
        if app_version is not None:
            device.app_version = app_version
        device.last_seen_at = timezone.now()
        device.unregistered_at = None
        device.save()
    return device


def device_unregister(*, device: Device) -> Device:
    if device.unregistered_at is None:
        device.unregistered_at = timezone.now()
        device.save(update_fields=["unregistered_at"])
    return device
