"""Emotion scores and evidence spans encrypted at rest; existing rows are copied into the encrypted column before the plaintext
one is dropped (the pattern of plans 0003)."""

from django.db import migrations

import apps.core.fields


def encrypt(apps, schema_editor):
    TextAnalysis = apps.get_model("insights", "TextAnalysis")
    for row in TextAnalysis.objects.all().only("id", "emotions").iterator():
        TextAnalysis.objects.filter(pk=row.pk).update(sealed_emotions=row.emotions)


def decrypt(apps, schema_editor):
    TextAnalysis = apps.get_model("insights", "TextAnalysis")
    for row in TextAnalysis.objects.all().only("id", "sealed_emotions").iterator():
        TextAnalysis.objects.filter(pk=row.pk).update(emotions=row.sealed_emotions)


class Migration(migrations.Migration):
    dependencies = [("insights", "0002_encrypted_json")]

    operations = [
        migrations.AddField(
            model_name="textanalysis",
            name="sealed_emotions",
            field=apps.core.fields.EncryptedJSONField(default=dict),
        ),
        migrations.RunPython(encrypt, decrypt),
        migrations.RemoveField(model_name="textanalysis", name="emotions"),
        migrations.RenameField(model_name="textanalysis", old_name="sealed_emotions", new_name="emotions"),
        migrations.AlterField(
            model_name="textanalysis",
            name="emotions",
            field=apps.core.fields.EncryptedJSONField(
                default=dict, help_text="Scores 0..1 and evidence spans per emotion: PHI"
            ),
        ),
    ]
