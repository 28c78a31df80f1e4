"""Encrypted audio behind Django's storage API.

File format (streaming-friendly: encrypted and decrypted chunk by chunk, never whole in memory):

    b"ILAE" | version (1 byte) | key length (2 bytes) | wrapped data key | nonce prefix (8 bytes)
    then chunks: length (4 bytes) | AES-256-GCM(chunk), nonce = prefix + chunk index,
                 associated data = chunk index + last-chunk flag (so truncation and reordering fail)

Each file has its own random data key, wrapped with the deployment's FIELD_ENCRYPTION_KEYS
(MultiFernet: first key wraps, all unwrap). ``rewrap`` re-wraps a file's key after key rotation
without touching the audio. The inner storage is a setting: local files, or S3-compatible object
storage through django-storages (``backend/storage.py``).
"""

from __future__ import annotations

import io
import os
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path

import encrypted_model_fields.fields as emf
from cryptography.fernet import InvalidToken
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage
from django.utils.deconstruct import deconstructible
from django.utils.module_loading import import_string

MAGIC = b"ILAE"
VERSION = 1
CHUNK = 64 * 1024


class AudioDecryptionError(RuntimeError):
    """The file is not ours, was tampered with, or no configured key can unwrap it."""


def _aad(index: int, last: bool) -> bytes:
    return struct.pack(">I?", index, last)


def encrypt_stream(source: io.RawIOBase | io.BufferedIOBase, sink) -> None:
    key = AESGCM.generate_key(bit_length=256)
    wrapped = emf.CRYPTER.encrypt(key)
    prefix = os.urandom(8)
    sink.write(MAGIC + bytes([VERSION]) + struct.pack(">H", len(wrapped)) + wrapped + prefix)
    aes = AESGCM(key)
    index, chunk = 0, source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        last = not following
        sealed = aes.encrypt(prefix + struct.pack(">I", index), chunk, _aad(index, last))
        sink.write(struct.pack(">I", len(sealed)) + sealed)
        if last:
            return
        index, chunk = index + 1, following


def _read_header(source) -> tuple[AESGCM, bytes, bytes]:
    head = source.read(7)
    if len(head) != 7 or head[:4] != MAGIC or head[4] != VERSION:
        raise AudioDecryptionError("not an Interlude encrypted audio file")
    (wrapped_length,) = struct.unpack(">H", head[5:7])
    wrapped = source.read(wrapped_length)
    prefix = source.read(8)
    try:
        key = emf.CRYPTER.decrypt(wrapped)
    except InvalidToken as exc:
        raise AudioDecryptionError("no key in FIELD_ENCRYPTION_KEYS unwraps this file's key") from exc
    return AESGCM(key), wrapped, prefix


def decrypt_stream(source) -> Iterator[bytes]:
    aes, _, prefix = _read_header(source)
    index = 0
    while True:
        length_bytes = source.read(4)
        if len(length_bytes) != 4:
            raise AudioDecryptionError("truncated file")
        sealed = source.read(struct.unpack(">I", length_bytes)[0])
        nonce = prefix + struct.pack(">I", index)
        peek = source.read(1)
        last = not peek
        try:
            yield aes.decrypt(nonce, sealed, _aad(index, last))
        except Exception as exc:  # noqa: BLE001 - cryptography raises InvalidTag; any failure is tampering
            raise AudioDecryptionError(f"chunk {index} failed authentication") from exc
        if last:
            return
        source = _Prepend(peek, source)
        index += 1


class _Prepend:
    def __init__(self, first: bytes, rest):
        self._first, self._rest = first, rest

    def read(self, n: int) -> bytes:
        if not self._first:
            return self._rest.read(n)
        head, self._first = self._first, b""
        return head + self._rest.read(n - len(head))


@deconstructible
class EncryptedAudioStorage(Storage):
    """Encrypts on save and decrypts on open; delegates placement to an inner storage."""

    def __init__(self, inner: Storage | dict | None = None):
        if isinstance(inner, dict):  # from settings: {"BACKEND": dotted path, "OPTIONS": {...}} (S3)
            inner = import_string(inner["BACKEND"])(**inner.get("OPTIONS", {}))
        self.inner = inner or FileSystemStorage(
            location=Path(settings.MEDIA_ROOT) / "journal-audio",
            file_permissions_mode=0o600,
            directory_permissions_mode=0o700,
        )

    def _save(self, name, content):
        with tempfile.SpooledTemporaryFile(max_size=8 * CHUNK) as sealed:
            content.seek(0)
            encrypt_stream(content, sealed)
            sealed.seek(0)
            return self.inner.save(name, File(sealed))

    def _open(self, name, mode="rb"):
        with self.inner.open(name, "rb") as source:
            return File(io.BytesIO(b"".join(decrypt_stream(source))), name=name)

    def stream(self, name) -> Iterator[bytes]:
        """Decrypted chunks, for streaming responses."""
        with self.inner.open(name, "rb") as source:
            yield from decrypt_stream(source)

    def rewrap(self, name) -> str:
        """Write a copy whose data key is wrapped with the current first key (after key rotation) and
        return its name. The caller points its row at the copy, then deletes the original: a crash in
        between leaves an orphan, never a lost recording."""
        with self.inner.open(name, "rb") as source:
            data = source.read()
        _, wrapped, prefix = _read_header(io.BytesIO(data))
        rewrapped = emf.CRYPTER.encrypt(emf.CRYPTER.decrypt(wrapped))
        body = data[7 + len(wrapped) + 8 :]
        header = MAGIC + bytes([VERSION]) + struct.pack(">H", len(rewrapped)) + rewrapped + prefix
        return self.inner.save(name, File(io.BytesIO(header + body)))

    def delete(self, name):
        self.inner.delete(name)

    def exists(self, name):
        return self.inner.exists(name)

    def size(self, name):
        return self.inner.size(name)
