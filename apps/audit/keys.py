"""The audit chain's HMAC keys, from settings (``AUDIT_HMAC_KEYS``: first signs, all verify)."""

from __future__ import annotations

from django.conf import settings

from apps.audit.chain import key_id_for


def _keys() -> list[bytes]:
    keys = [key.encode() for key in settings.AUDIT_HMAC_KEYS]
    if not keys:
        raise RuntimeError("AUDIT_HMAC_KEYS is empty: the audit chain cannot be signed")
    return keys


def signing_key() -> tuple[str, bytes]:
    key = _keys()[0]
    return key_id_for(key), key


def verification_keys() -> dict[str, bytes]:
    return {key_id_for(key): key for key in _keys()}
