"""Hashing for the audit chain (pure functions, shared by the writer and the verifier).

An event's hash is ``HMAC-SHA256(key, prev_hash + canonical(event))`` with a key that lives in the
environment (``AUDIT_HMAC_KEYS``), never in the database: someone who can rewrite the table can edit an
event, but cannot recompute the hashes after it. Each event records the id of the key that signed it, so
keys rotate (the first configured key signs, every configured key verifies). Events written before the
chain was keyed (``key_id`` empty) carry a plain SHA-256 and are accepted only among the first
``AUDIT_UNKEYED_EVENTS`` (a count the operator sets in the environment after upgrading).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

GENESIS_HASH = "0" * 64

HASHED_FIELDS = (
    "seq",
    "event_id",
    "occurred_at",
    "practice_id",
    "actor_id",
    "actor_label",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "data_category",
    "request_id",
    "ip",
    "via",
    "detail",
)


def _normalise(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool, dict, list)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def canonical(fields: dict[str, Any], names: tuple[str, ...] = HASHED_FIELDS) -> str:
    return json.dumps(
        {name: _normalise(fields[name]) for name in names},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )


def key_id_for(key: bytes) -> str:
    """A short public name for a key (stored on each event); reveals nothing usable about the key."""
    return hmac.new(key, b"interlude-audit-key-id", hashlib.sha256).hexdigest()[:16]


def event_hash(prev_hash: str, fields: dict[str, Any], *, key: bytes | None) -> str:
    """The keyed hash of an event (``key=None`` only for legacy, unkeyed events)."""
    if key is None:
        return hashlib.sha256((prev_hash + canonical(fields)).encode("ascii")).hexdigest()
    message = (prev_hash + canonical({**fields, "key_id": key_id_for(key)}, (*HASHED_FIELDS, "key_id"))).encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def sign(key: bytes, payload: dict[str, Any]) -> str:
    """HMAC of a JSON-able payload (checkpoints)."""
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return hmac.new(key, body, hashlib.sha256).hexdigest()
