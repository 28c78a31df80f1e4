"""Encrypted PHI columns built on django-encrypted-model-fields, with its silent failure guarded.

The library's ``to_python`` swallows ``InvalidToken`` and hands back the ciphertext when a row
was written with a key that is no longer configured. For PHI that is the worst kind of bug: a
note would display garbage, or be re-encrypted as garbage on the next save. These fields
decrypt on the way out of the database themselves and raise ``UndecryptableValueError``.

Keys: ``settings.FIELD_ENCRYPTION_KEY`` is a list; the first key encrypts, all keys decrypt
(MultiFernet). ``manage.py rotate_encryption_keys`` re-encrypts every row with the first key.
"""

from __future__ import annotations

import cryptography.fernet
import encrypted_model_fields.fields as emf
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver


class UndecryptableValueError(RuntimeError):
    """A PHI value could not be decrypted with any configured key."""


def _decrypt_from_db(field: models.Field, value):
    if value is None or value == "":
        return value if value is None else ""
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    try:
        plaintext = emf.CRYPTER.decrypt(value.encode("utf-8")).decode("utf-8")
    except cryptography.fernet.InvalidToken as exc:
        owner = f"{field.model._meta.label}.{field.name}" if hasattr(field, "model") else field.name
        raise UndecryptableValueError(
            f"{owner}: stored value cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS"
        ) from exc
    # Skip the library's to_python (it would try to decrypt the plaintext again).
    return super(emf.EncryptedMixin, field).to_python(plaintext)


class _GuardedMixin:
    def from_db_value(self, value, expression, connection):
        return _decrypt_from_db(self, value)


class EncryptedCharField(_GuardedMixin, emf.EncryptedCharField):
    pass


class EncryptedTextField(_GuardedMixin, emf.EncryptedTextField):
    pass


class EncryptedDateField(_GuardedMixin, emf.EncryptedDateField):
    pass


class EncryptedEmailField(_GuardedMixin, emf.EncryptedEmailField):
    pass


ENCRYPTED_FIELD_TYPES = (emf.EncryptedMixin,)


def rebuild_crypter() -> None:
    emf.CRYPTER = emf.get_crypter()


@receiver(setting_changed)
def _on_key_change(*, setting: str, **kwargs) -> None:
    if setting == "FIELD_ENCRYPTION_KEY":
        rebuild_crypter()
