"""One error shape for every 4xx: ``{"error": {"code", "message", "fields"}}``, and the one place that
maps a service's typed refusal (``apps.core.errors``) to its HTTP status.

``fields`` maps a field path (``emergency_contact.phone``, ``answers.3``, or
``non_field_errors``) to a list of messages; it is ``{}`` when no field is at fault.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from apps.core.errors import (
    Conflict,
    Forbidden,
    Gone,
    Invalid,
    Locked,
    NotFound,
    ServiceError,
    TooLarge,
    Unauthenticated,
    UnsupportedMedia,
)

# The one place where a service's refusal becomes an HTTP status (most specific class first).
HTTP_STATUS: dict[type[ServiceError], int] = {
    Unauthenticated: status.HTTP_401_UNAUTHORIZED,
    Forbidden: status.HTTP_403_FORBIDDEN,
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    Gone: status.HTTP_410_GONE,
    TooLarge: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    UnsupportedMedia: status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    Locked: status.HTTP_423_LOCKED,
    ServiceError: status.HTTP_400_BAD_REQUEST,
}


def status_for(exc: ServiceError) -> int:
    return next(code for klass, code in HTTP_STATUS.items() if isinstance(exc, klass))


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            fields.update(_flatten(value, path))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            fields[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    fields.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return fields


def _code_of(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "validation_error"
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


logger = logging.getLogger(__name__)
# How long a client is asked to wait before sending the same request again when the database is
# unavailable or every pooled connection is busy.
RETRY_AFTER_SECONDS = 2


def exception_handler(exc, context):
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database is restarting, or every pooled connection stayed busy past the pool's timeout
        # (overload): answer 503 with Retry-After, which a client may resend with the same id (writes are
        # idempotent), instead of a 500 that says the request itself was wrong. The class only is logged.
        set_rollback()
        logger.warning("database unavailable, answered 503: %s", type(exc.__cause__ or exc).__name__)
        body = error_body("unavailable", "The service is busy. Send the same request again shortly.")
        return Response(body, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    if isinstance(exc, ServiceError):
        set_rollback()  # as DRF does for its own exceptions: a refused request changes nothing
        fields = _flatten(exc.fields) if isinstance(exc, Invalid) else {exc.field: [exc.message]} if exc.field else {}
        return Response(error_body(exc.error_code, exc.message, fields), status=status_for(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        message = "Some fields are invalid." if fields else "Invalid input."
    else:
        fields = {}
        message = str(exc.detail) if not isinstance(exc.detail, (dict, list)) else "Request refused."
    response.data = error_body(_code_of(exc), message, fields)
    return response


def json_error(request, code: str, message: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)


def handler404(request, exception=None):
    return json_error(request, "not_found", "Not found.", status.HTTP_404_NOT_FOUND)


def handler500(request):
    return json_error(request, "server_error", "Internal server error.", status.HTTP_500_INTERNAL_SERVER_ERROR)


def handler403(request, exception=None):
    return json_error(request, "permission_denied", "Permission denied.", status.HTTP_403_FORBIDDEN)


def handler400(request, exception=None):
    return json_error(request, "bad_request", "Bad request.", status.HTTP_400_BAD_REQUEST)


def csrf_failure(request, reason=""):
    return json_error(request, "csrf_failed", "CSRF verification failed.", status.HTTP_403_FORBIDDEN)


__all__ = ["HTTP_STATUS", "error_body", "exception_handler", "json_error", "status_for"]
