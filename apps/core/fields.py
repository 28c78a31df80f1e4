"""Encrypted PHI columns built on django-encrypted-model-fields, with its silent failure guarded.

The library's ``to_python`` swallows ``InvalidToken`` and hands back the ciphertext when a row
was written with a key that is no longer configured. For PHI that is the worst kind of bug: a
note would display garbage, or be re-encrypted as garbage on the next save. These fields
decrypt on the way out of the database themselves and raise ``UndecryptableValueError``.

Keys: ``settings.FIELD_ENCRYPTION_KEY`` is a list; the first key encrypts, all keys decrypt
(MultiFernet). ``manage.py rotate_encryption_keys`` re-encrypts every row with the first key.
"""

from __future__ import annotations

import json

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


class EncryptedJSONField(_GuardedMixin, emf.EncryptedTextField):
    """A list or dict stored as encrypted JSON text: the very bytes ``json.dumps`` into an
    ``EncryptedTextField`` wrote, so a column switches to this field without a data migration. An
    empty stored string (a row from before the column held JSON) reads as the field's default.

    A ``str`` is refused on save: it would be stored as a JSON string, which is always a call site
    still encoding by hand."""

    def from_db_value(self, value, expression, connection):
        text = _decrypt_from_db(self, value)
        if text is None:
            return None
        return json.loads(text) if text else self.get_default()

    def to_python(self, value):
        if isinstance(value, str):  # a fixture or a serialized form: JSON text
            return json.loads(value) if value else self.get_default()
        return value

    def get_db_prep_save(self, value, connection):
        if value is None:
            return None
        if isinstance(value, str):
            raise TypeError(f"{self.model._meta.label}.{self.name} holds a list or dict, not JSON text")
        return emf.encrypt_str(json.dumps(value)).decode("utf-8")

    def value_to_string(self, obj) -> str:
        return json.dumps(self.value_from_object(obj))


ENCRYPTED_FIELD_TYPES = (emf.EncryptedMixin,)


def rebuild_crypter() -> None:
    emf.CRYPTER = emf.get_crypter()


@receiver(setting_changed)
def _on_key_change(*, setting: str, **kwargs) -> None:
    if setting == "FIELD_ENCRYPTION_KEY":
        rebuild_crypter()
