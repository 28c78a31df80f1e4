"""Per-checkout secrets for the embedded (development) default.

Development must work on a fresh clone with no configuration, but a secret key or an
encryption key committed to the repository would end up protecting real data one day.
So the first start writes random keys to ``var/dev-secrets.json`` (git-ignored, mode 600)
and later starts reuse them; deleting that file makes the local database unreadable.
Production never reaches this module: settings refuse to start without real keys.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet


def load_or_create(path: Path) -> dict[str, str]:
    if path.exists():
        return json.loads(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    }
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process of the stack won the race
        return json.loads(path.read_text())
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle)
    return data


def derived(data: dict[str, str], purpose: str) -> str:
    """A further per-checkout key, derived from the stored secret key so that files written by older
    checkouts need no new entry (and two processes starting together cannot write different ones)."""
    return hmac.new(data["SECRET_KEY"].encode(), purpose.encode(), hashlib.sha256).hexdigest()
