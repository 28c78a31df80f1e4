"""Typed refusals raised by services. Plain exceptions: services never import DRF or pick status codes.

Each class is one kind of refusal; ``apps.core.http_errors`` maps them to HTTP in one place (and to
the single error body ``{"error": {"code", "message", "fields"}}``). ``code`` is the stable machine-
readable reason (``"signed"``, ``"id_conflict"``); ``field`` names the input at fault, if any.
"""

from __future__ import annotations


class ServiceError(Exception):
    """The request is invalid for a business reason (HTTP 400)."""

    default_code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.error_code = code or self.default_code
        self.field = field


class Invalid(ServiceError):
    """Input that passed the serializer but breaks a rule only the service knows (400), with the
    messages per field path, e.g. ``Invalid({"answers": {"phq9_3": ["Choose 0-3."]}})``."""

    default_code = "validation_error"

    def __init__(self, fields: dict, message: str = "Some fields are invalid."):
        super().__init__(message)
        self.fields = fields


class Unauthenticated(ServiceError):
    """Credentials are missing or wrong (401)."""

    default_code = "not_authenticated"


class Forbidden(ServiceError):
    """The caller is in scope but their role may not do this (403; outside scope is a 404 instead)."""

    default_code = "permission_denied"


class NotFound(ServiceError):
    """Nothing to act on (404), e.g. no signed plan yet."""

    default_code = "not_found"


class Conflict(ServiceError):
    """The target's state forbids it (409): already signed, already decided, id already used."""

    default_code = "conflict"


class Gone(ServiceError):
    """It existed and no longer does (410): an expired code, a deleted recording."""

    default_code = "gone"


class TooLarge(ServiceError):
    """The upload is over the size limit (413)."""

    default_code = "too_large"


class UnsupportedMedia(ServiceError):
    """The upload is not a kind we accept (415)."""

    default_code = "unsupported_media_type"


class Locked(ServiceError):
    """The account is locked for a while (423)."""

    default_code = "locked"


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
