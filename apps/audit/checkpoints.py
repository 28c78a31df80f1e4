"""Signed checkpoints of the audit chain, kept outside the database.

A checkpoint is a small JSON file ``{seq, hash, count, written_at, key_id, signature}``: the chain's head
at that moment, signed with the audit HMAC key. The database holds no copy, so someone able to rewrite
the audit table (even with the triggers off) cannot make a truncated chain agree with it: the verifier
requires every checkpoint's event to still be there with the hash it had. Files are created exclusively
and read-only (0400); ``AUDIT_CHECKPOINT_DIR`` should name storage the database's users cannot write.
"""

from __future__ import annotations

import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from apps.audit.chain import sign
from apps.audit.keys import signing_key, verification_keys
from apps.audit.models import AuditEvent


@dataclass(frozen=True)
class Checkpoint:
    path: Path
    seq: int
    hash: str
    count: int
    written_at: str


class CheckpointError(ValueError):
    """A checkpoint file that is unreadable, unsigned, or signed with an unknown or wrong key."""


def _directory() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def checkpoint_write() -> Checkpoint | None:
    """Record the current head (None while the chain is empty). Never overwrites a file."""
    head = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    if head is None:
        return None
    count = AuditEvent.objects.count()
    key_id, key = signing_key()
    now = timezone.now()
    payload = {"seq": head["seq"], "hash": head["hash"], "count": count, "written_at": now.isoformat()}
    document = {**payload, "key_id": key_id, "signature": sign(key, payload)}
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = directory / f"checkpoint-{head['seq']:012d}-{now:%Y%m%dT%H%M%S%f}.json"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
    with os.fdopen(fd, "w") as handle:
        json.dump(document, handle, sort_keys=True)
    return Checkpoint(path, head["seq"], head["hash"], count, payload["written_at"])


def checkpoints_load() -> list[Checkpoint]:
    """Every checkpoint, oldest first, each with its signature checked (``CheckpointError`` otherwise)."""
    directory = _directory()
    if not directory.is_dir():
        return []
    keys = verification_keys()
    found = []
    for path in sorted(directory.glob("checkpoint-*.json")):
        try:
            document = json.loads(path.read_text())
            payload = {name: document[name] for name in ("seq", "hash", "count", "written_at")}
            key = keys.get(document["key_id"])
            signature = document["signature"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(f"{path.name} is unreadable ({exc.__class__.__name__})") from exc
        if key is None:
            raise CheckpointError(f"{path.name} is signed with key {document['key_id']}, which is not configured")
        if not hmac.compare_digest(sign(key, payload), str(signature)):
            raise CheckpointError(f"{path.name} has a wrong signature")
        found.append(
            Checkpoint(path, int(payload["seq"]), str(payload["hash"]), int(payload["count"]), payload["written_at"])
        )
    return sorted(found, key=lambda c: c.seq)
