"""Push-token registry.

Invariant (security-relevant; tests in tests/apps/accounts/test_devices_and_staff.py): a push token
registered to one account never moves silently to another -- whoever held it would receive the other
person's reminders and alerts. Registering (or refreshing to) a token that another account still has
registered is a 409; once that account signs out on the phone (``DELETE /devices/{id}/``, which marks
it unregistered) the token may move, and the move is audited.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import Device, TokenType, User, device_token_digest
from apps.audit.services import AuditAction, audit_log
from apps.core.errors import Conflict


class TokenHeldElsewhere(Conflict, code="device_token_in_use"):
    pass


def _claim(device: Device, user: User) -> None:
    """``device``'s token is about to serve ``user``: refused while another account holds it."""
    if device.user_id == user.pk:
        return
    if device.unregistered_at is None:
        raise TokenHeldElsewhere(
            "This phone's push token is registered to another account. Sign out of that account on this phone first.",
            field="token",
        )
    audit_log(
        actor=user,
        action=AuditAction.ASSIGN,
        object_type="device",
        object_id=device.pk,
        detail={"released_by_other_account": True},
    )


def device_register(
    *, user: User, token: str, platform: str, app_version: str = "", token_type: str = TokenType.REGISTRATION_TOKEN
) -> Device:
    now = timezone.now()
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(token_digest=device_token_digest(token)).first()
        if device is None:
            return Device.objects.create(
                user=user,
                token=token,
                token_type=token_type,
                platform=platform,
                app_version=app_version,
                last_seen_at=now,
            )
        _claim(device, user)
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
            others = Device.objects.select_for_update().filter(token_digest=device_token_digest(token))
            for other in others.exclude(pk=device.pk):
                _claim(other, device.user)
                other.delete()
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
