"""Push notifications through Firebase Cloud Messaging (firebase-admin).

Payloads never carry PHI: a generic title/body and ids the app uses to fetch details over the
audited API. Without ``FCM_CREDENTIALS_FILE`` push is disabled (one warning per process) and callers
carry on: reminders stay on the to-do list, alerts still reach websockets and the inbox.
Tokens FCM reports as unregistered are marked unregistered in the device registry.
"""

from __future__ import annotations

import logging
import threading
import warnings
from dataclasses import dataclass

import firebase_admin
from django.conf import settings
from django.utils import timezone
from firebase_admin import credentials, messaging

from apps.accounts.models import Device, TokenType, device_token_digest

logger = logging.getLogger(__name__)
APP_NAME = "interlude"
FCM_BATCH = 500  # send_each's limit

_lock = threading.Lock()
_warned = False


@dataclass(frozen=True)
class PushMessage:
    title: str
    body: str


@dataclass(frozen=True)
class TokenOutcome:
    token: str
    result: str  # sent | unregistered | transient_error | error
    detail: str = ""  # the error class, never the payload


@dataclass(frozen=True)
class PushResult:
    sent: int = 0
    failed: int = 0
    unregistered: int = 0
    disabled: bool = False
    outcomes: tuple[TokenOutcome, ...] = ()

    @property
    def transient(self) -> bool:
        return any(o.result == "transient_error" for o in self.outcomes)


# Errors worth retrying later: FCM overloaded, internal errors, quota.
TRANSIENT_ERRORS = (
    "UnavailableError",
    "InternalError",
    "QuotaExceededError",
    "DeadlineExceededError",
    "UnknownError",
    "TransportError",
)


def firebase_app() -> firebase_admin.App | None:
    """The process's Firebase app, created once; None when push is not configured."""
    global _warned
    with _lock:
        try:
            return firebase_admin.get_app(APP_NAME)
        except ValueError:
            pass
        path = settings.FCM_CREDENTIALS_FILE
        if not path:
            if not _warned:
                logger.warning("FCM_CREDENTIALS_FILE is not set: push notifications are disabled")
                _warned = True
            return None
        options = {"httpTimeout": settings.FCM_TIMEOUT_SECONDS}
        if settings.FCM_PROJECT_ID:
            options["projectId"] = settings.FCM_PROJECT_ID
        return firebase_admin.initialize_app(credentials.Certificate(path), options, name=APP_NAME)


def web_push_config() -> dict[str, str] | None:
    """What a browser needs to get an FCM token (public values), or None when the practice has not
    configured Firebase for the web: then reminders appear only on the in-app to-do list."""
    values = {
        "projectId": settings.FCM_PROJECT_ID,
        "apiKey": settings.FCM_WEB_API_KEY,
        "appId": settings.FCM_WEB_APP_ID,
        "vapidKey": settings.FCM_WEB_VAPID_KEY,
    }
    if not all(values.values()) or firebase_app() is None:
        return None
    return values


def push_to_user(*, user_id, message: PushMessage, data: dict[str, str]) -> PushResult:
    targets = list(
        Device.objects.filter(user_id=user_id, unregistered_at__isnull=True).values_list("token", "token_type")
    )
    return push_to_devices(targets=targets, message=message, data=data)


def _message(token: str, token_type: str, message: PushMessage, data: dict[str, str]) -> messaging.Message:
    target = {"fid": token} if token_type == TokenType.FID else {"token": token}
    with warnings.catch_warnings():
        # firebase-admin 7.7 marks registration tokens deprecated in favour of installation ids;
        # FCM still accepts them and phones in the field still send them.
        warnings.filterwarnings("ignore", message="Message.token is deprecated")
        return messaging.Message(
            notification=messaging.Notification(title=message.title, body=message.body),
            data={k: str(v) for k, v in data.items()},
            **target,
        )


def push_to_devices(*, targets: list[tuple[str, str]], message: PushMessage, data: dict[str, str]) -> PushResult:
    """Send to (token, token_type) pairs in batches of 500 (``send_each``'s limit)."""
    app = firebase_app()
    if app is None:
        return PushResult(disabled=True)
    sent = failed = unregistered = 0
    outcomes: list[TokenOutcome] = []
    for start in range(0, len(targets), FCM_BATCH):
        chunk = targets[start : start + FCM_BATCH]
        batch = messaging.send_each([_message(token, kind, message, data) for token, kind in chunk], app=app)
        dead = []
        for (token, _), response in zip(chunk, batch.responses, strict=True):
            if response.success:
                sent += 1
                outcomes.append(TokenOutcome(token, "sent"))
                continue
            name = type(response.exception).__name__
            if isinstance(response.exception, messaging.UnregisteredError):
                dead.append(token)
                outcomes.append(TokenOutcome(token, "unregistered", name))
            else:
                failed += 1
                outcomes.append(TokenOutcome(token, "transient_error" if name in TRANSIENT_ERRORS else "error", name))
                logger.warning("push failed: %s", name)
        if dead:
            unregistered += Device.objects.filter(token_digest__in=[device_token_digest(t) for t in dead]).update(
                unregistered_at=timezone.now()
            )
    return PushResult(sent=sent, failed=failed, unregistered=unregistered, outcomes=tuple(outcomes))
