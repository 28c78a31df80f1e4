"""Sessions for the patient app: a long-lived, sliding session per device, and "sign out everywhere".

Invariants: the session cookie is HttpOnly and the only credential the app holds (no token in a URL,
localStorage or IndexedDB). Every session the app starts is recorded in ``DeviceSession`` so that
``device_sessions_end_all`` can delete each of them from the session store; it also blacklists the user's
outstanding API refresh tokens, so a native client signed in with JWT is signed out too.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import login
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.services import AuditAction, audit_log
from apps.core.jwt import refresh_tokens_revoke_all
from apps.patient_app.models import DeviceSession

REFRESHED_KEY = "patient_app_refreshed"
REFRESH_EVERY = timedelta(hours=12)


def _session_seconds() -> int:
    return settings.PATIENT_SESSION_DAYS * 86400


def device_session_start(*, request, user: User) -> None:
    """Sign ``user`` in on this device (Django's login rotates the session key) for the long lifetime."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.set_expiry(_session_seconds())
    now = timezone.now()
    request.session[REFRESHED_KEY] = now.isoformat()
    request.session.save()
    DeviceSession.objects.update_or_create(
        session_key=request.session.session_key, defaults={"user": user, "refreshed_at": now}
    )


def device_session_refresh(*, request) -> None:
    """Slide the expiry forward at most every ``REFRESH_EVERY`` (one write, not one per page)."""
    raw = request.session.get(REFRESHED_KEY)
    now = timezone.now()
    if raw and now - datetime.fromisoformat(raw) < REFRESH_EVERY:
        return
    request.session.set_expiry(_session_seconds())
    request.session[REFRESHED_KEY] = now.isoformat()
    request.session.save()
    DeviceSession.objects.update_or_create(
        session_key=request.session.session_key, defaults={"user": request.user, "refreshed_at": now}
    )


def device_sessions_end_all(*, user: User) -> int:
    """End every app session and API refresh token of ``user``; returns the number of sessions ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    with transaction.atomic():
        keys = list(DeviceSession.objects.filter(user=user).values_list("session_key", flat=True))
        for key in keys:
            store(session_key=key).delete()
        DeviceSession.objects.filter(user=user).delete()
        refresh_tokens_revoke_all(user_id=user.pk)
        audit_log(
            actor=user,
            action=AuditAction.LOGOUT,
            object_type="user",
            object_id=user.pk,
            detail={"method": "everywhere", "sessions": len(keys)},
        )
    return len(keys)


def device_session_end(*, request) -> None:
    DeviceSession.objects.filter(session_key=request.session.session_key).delete()
