"""Schema post-processing: document the error answers every operation can give.

Every 4xx has one body (``apps/core/http_errors.py``), and every operation can answer some of them
whatever its own code does: 400 (bad input, including hostile JSON), 401 (no or a revoked token), 403
(a role the operation is not for), 404 (outside the caller's scope), 413 (a body over its cap,
``apps/core/body_limit.py``) and 429 (a rate limit). Without them a generated client treats those
answers as undefined, and schemathesis reported them as undocumented status codes.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    """Documents a list as paginated only where the view pages it: a viewset's ``list``, a generic list
    view, and actions a view names in ``paginated_actions``. drf-spectacular wrapped every ``many=True``
    answer of a view with a pagination class, so bounded lists that come back as plain arrays (trends,
    consents, versions) were documented as pages (schemathesis: "[] is not of type object")."""

    def _get_paginator(self):
        action = getattr(self.view, "action", None)
        if action is None:
            paged = hasattr(self.view, "list")
        else:
            paged = action == "list" or action in getattr(self.view, "paginated_actions", ())
        return super()._get_paginator() if paged else None


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}
COMMON = {
    "400": "Invalid input; `fields` names what is wrong.",
    "401": "Not signed in, or the token was revoked or has expired.",
    "403": "The caller's role may not use this operation.",
    "404": "Not found, or outside the caller's scope (never a 403 for someone else's record).",
    "413": "The request body is over this endpoint's cap.",
    "429": "Too many requests; retry later.",
}
METHODS = ("get", "post", "put", "patch", "delete")


def document_error_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in result.get("paths", {}).values():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for code, description in COMMON.items():
                responses.setdefault(code, {"description": description, "content": reference})
    return result
