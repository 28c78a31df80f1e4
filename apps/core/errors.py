"""Typed refusals raised by services. Plain exceptions: services never import DRF or pick status codes.

Each class is one kind of refusal; ``apps.core.http_errors`` maps them to HTTP in one place (and to
the single error body ``{"error": {"code", "message", "fields"}}``). ``code`` is the stable machine-
readable reason (``"signed"``, ``"id_conflict"``); ``field`` names the input at fault, if any.
"""

from __future__ import annotations


class ServiceError(Exception):
    """The request is invalid for a business reason (HTTP 400).

    A kind of refusal names its stable code in its class line: ``class Gone(ServiceError, code="gone")``.
    """

    default_code = "invalid"

    def __init_subclass__(cls, code: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.default_code = code

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.error_code = code or self.default_code
        self.field = field


class Invalid(ServiceError, code="validation_error"):
    """Input that passed the serializer but breaks a rule only the service knows (400), with the
    messages per field path, e.g. ``Invalid({"answers": {"phq9_3": ["Choose 0-3."]}})``."""

    def __init__(self, fields: dict, message: str = "Some fields are invalid."):
        super().__init__(message)
        self.fields = fields


class Unauthenticated(ServiceError, code="not_authenticated"):
    """Credentials are missing or wrong (401)."""


class Forbidden(ServiceError, code="permission_denied"):
    """The caller is in scope but their role may not do this (403; outside scope is a 404 instead)."""


class NotFound(ServiceError, code="not_found"):
    """Nothing to act on (404), e.g. no signed plan yet."""


class Conflict(ServiceError, code="conflict"):
    """The target's state forbids it (409): already signed, already decided, id already used."""


class Gone(ServiceError, code="gone"):
    """It existed and no longer does (410): an expired code, a deleted recording."""


class TooLarge(ServiceError, code="too_large"):
    """The upload is over the size limit (413)."""


class UnsupportedMedia(ServiceError, code="unsupported_media_type"):
    """The upload is not a kind we accept (415)."""


class Locked(ServiceError, code="locked"):
    """The account is locked for a while (423)."""


__all__ = [
    "Conflict",
    "Forbidden",
    "Gone",
    "Invalid",
    "Locked",
    "NotFound",
    "ServiceError",
    "TooLarge",
    "Unauthenticated",
    "UnsupportedMedia",
]
