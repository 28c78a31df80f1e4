import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from apps.accounts.models import PatientProfile
from apps.core.fields import UndecryptableValueError

SEEDED_PHI = ["Robin Quill", "Morgan Quill", "+44 7700 900123", "Other Person"]


def raw_database_text() -> str:
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            chunks.extend(str(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_no_seeded_phi_appears_in_plaintext_in_the_database(personas):
    dump = raw_database_text()
    assert "riverside" in dump  # the dump really contains the data
    for value in SEEDED_PHI:
        assert value not in dump


def test_a_row_no_configured_key_can_decrypt_raises(personas, settings):
    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    with pytest.raises(UndecryptableValueError, match="PatientProfile.full_name"):
        PatientProfile.objects.get(pk=personas.patient_profile.pk)


def test_rotation_re_encrypts_with_the_new_key(personas, settings):
    old = settings.FIELD_ENCRYPTION_KEY
    new = Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = [new, *old]
    call_command("rotate_encryption_keys", batch_size=1)
    settings.FIELD_ENCRYPTION_KEY = [new]  # old key removed
    profile = PatientProfile.objects.get(pk=personas.patient_profile.pk)
    assert profile.full_name == "Robin Quill" and profile.emergency_contact_phone == "+44 7700 900123"
    assert PatientProfile.objects.get(pk=personas.outsider_patient_profile.pk).full_name == "Other Person"


def test_rotation_stops_on_undecryptable_rows(personas, settings):
    from django.core.management.base import CommandError

    settings.FIELD_ENCRYPTION_KEY = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_encryption_keys")
