"""Session participants encrypted at rest; existing rows are copied into the encrypted column before the plaintext
one is dropped (the pattern of plans 0003)."""

from django.db import migrations

import apps.core.fields


def encrypt(apps, schema_editor):
    ClinicalSession = apps.get_model("notes", "ClinicalSession")
    for row in ClinicalSession.objects.all().only("id", "participants").iterator():
        ClinicalSession.objects.filter(pk=row.pk).update(sealed_participants=row.participants)


def decrypt(apps, schema_editor):
    ClinicalSession = apps.get_model("notes", "ClinicalSession")
    for row in ClinicalSession.objects.all().only("id", "sealed_participants").iterator():
        ClinicalSession.objects.filter(pk=row.pk).update(participants=row.sealed_participants)


class Migration(migrations.Migration):
    dependencies = [("notes", "0006_encrypted_json")]

    operations = [
        migrations.AddField(
            model_name="clinicalsession",
            name="sealed_participants",
            field=apps.core.fields.EncryptedJSONField(default=list),
        ),
        migrations.RunPython(encrypt, decrypt),
        migrations.RemoveField(model_name="clinicalsession", name="participants"),
        migrations.RenameField(model_name="clinicalsession", old_name="sealed_participants", new_name="participants"),
        migrations.AlterField(
            model_name="clinicalsession",
            name="participants",
            field=apps.core.fields.EncryptedJSONField(
                default=list, blank=True, help_text="Roles of others present, no names; PHI, so encrypted"
            ),
        ),
    ]
