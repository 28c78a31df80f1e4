"""Suggestion text ("Latest phq9 total 18…") encrypted at rest; existing rows are copied into the
encrypted column before the plaintext one is dropped."""

from django.db import migrations

import apps.core.fields


def encrypt(apps, schema_editor):
    PlanSuggestion = apps.get_model("plans", "PlanSuggestion")
    for row in PlanSuggestion.objects.all().only("id", "text"):
        PlanSuggestion.objects.filter(pk=row.pk).update(sealed_text=row.text)


def decrypt(apps, schema_editor):
    PlanSuggestion = apps.get_model("plans", "PlanSuggestion")
    for row in PlanSuggestion.objects.all().only("id", "sealed_text"):
        PlanSuggestion.objects.filter(pk=row.pk).update(text=row.sealed_text[:300])


class Migration(migrations.Migration):
    dependencies = [("plans", "0002_plansuggestion_treatmentplan")]

    operations = [
        migrations.AddField(
            model_name="plansuggestion",
            name="sealed_text",
            field=apps.core.fields.EncryptedTextField(default=""),
        ),
        migrations.RunPython(encrypt, decrypt),
        migrations.RemoveField(model_name="plansuggestion", name="text"),
        migrations.RenameField(model_name="plansuggestion", old_name="sealed_text", new_name="text"),
        migrations.AlterField(
            model_name="plansuggestion",
            name="text",
            field=apps.core.fields.EncryptedTextField(
                help_text='Names scores and bands ("Latest phq9 total 18…"): PHI, so encrypted'
            ),
        ),
    ]
