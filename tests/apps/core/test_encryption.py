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


def _raw(model, pk, column: str):
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk.hex if connection.vendor == "sqlite" else pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_a_json_column_stores_what_the_hand_encoded_text_column_stored(personas):
    """EncryptedJSONField writes the encrypted ``json.dumps`` text the earlier code wrote by hand, so
    existing rows read without a data migration, and new rows read in an older release too."""
    import json

    import encrypted_model_fields.fields as emf

    from apps.plans.models import SafetyPlan
    from apps.plans.services import safety_plan_save

    content = {"warning_signs": ["Not sleeping", "Skipping meals"], "contacts": []}
    plan = safety_plan_save(actor=personas.clinician, patient=personas.patient_profile, content=content)
    stored = _raw(SafetyPlan, plan.pk, "content")
    assert "Not sleeping" not in stored
    read = SafetyPlan.objects.get(pk=plan.pk).content
    assert read["warning_signs"] == content["warning_signs"] and emf.decrypt_str(stored) == json.dumps(read)
    old_style = emf.encrypt_str(json.dumps({"warning_signs": ["Written by hand"]})).decode()
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(SafetyPlan._meta.db_table)
        cursor.execute(f"UPDATE {table} SET content = %s", [old_style])  # noqa: S608
    assert SafetyPlan.objects.get(pk=plan.pk).content == {"warning_signs": ["Written by hand"]}


def test_an_empty_json_column_reads_as_its_default_and_text_is_refused(personas):
    from django.utils import timezone

    from apps.notes.models import ClinicalSession, SessionInput

    session = ClinicalSession.objects.create(
        patient=personas.patient_profile, clinician=personas.clinician, started_at=timezone.now(), modality="video"
    )
    item = SessionInput.objects.create(session=session, kind="typed", status="queued")
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(SessionInput._meta.db_table)
        cursor.execute(f"UPDATE {table} SET utterances = ''")  # noqa: S608 - a row from before the column held JSON
    assert SessionInput.objects.get(pk=item.pk).utterances == []
    with pytest.raises(TypeError, match="SessionInput.utterances"):
        SessionInput.objects.filter(pk=item.pk).update(utterances='[{"text": "encoded by hand"}]')
