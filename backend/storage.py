"""Where journal and session audio is stored: local files (the default) or S3-compatible object
storage, always behind the same encryption (``apps.core.audio.storage.EncryptedAudioStorage``).

Read from the environment by ``settings.py``; a function of a getter so tests can build the setting
from a dict. Credentials left unset fall back to boto3's own chain (instance role, ``AWS_*``).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

ENCRYPTED = "apps.core.audio.storage.EncryptedAudioStorage"


def audio_storage_settings(getenv: Callable[[str], str | None] = os.environ.get) -> dict:
    kind = (getenv("AUDIO_STORAGE") or "filesystem").strip().lower()
    if kind == "filesystem":
        return {"BACKEND": ENCRYPTED}
    if kind != "s3":
        raise ImproperlyConfigured(f"AUDIO_STORAGE must be 'filesystem' or 's3', not {kind!r}")
    bucket = (getenv("S3_BUCKET") or "").strip()
    if not bucket:
        raise ImproperlyConfigured("AUDIO_STORAGE=s3 needs S3_BUCKET")
    options = {
        "bucket_name": bucket,
        "location": (getenv("S3_PREFIX") or "journal-audio").strip("/"),
        "endpoint_url": getenv("S3_ENDPOINT_URL") or None,
        "region_name": getenv("S3_REGION") or None,
        "access_key": getenv("S3_ACCESS_KEY_ID") or None,
        "secret_key": getenv("S3_SECRET_ACCESS_KEY") or None,
        "default_acl": None,  # no per-object ACL: the bucket's own (private) policy applies
        "file_overwrite": False,  # a name collision gets a new name, never replaces a recording
        "querystring_auth": True,
    }
    return {
        "BACKEND": ENCRYPTED,
        "OPTIONS": {"inner": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}},
    }
