"""The PHQ-9 item-9 answer (risk findings) encrypted at rest; existing rows are copied into the encrypted column before the plaintext
one is dropped (the pattern of plans 0003)."""

from django.db import migrations

import apps.core.fields


def encrypt(apps, schema_editor):
    QuestionnaireResponse = apps.get_model("checkins", "QuestionnaireResponse")
    for row in QuestionnaireResponse.objects.all().only("id", "risk").iterator():
        QuestionnaireResponse.objects.filter(pk=row.pk).update(sealed_risk=row.risk)


def decrypt(apps, schema_editor):
    QuestionnaireResponse = apps.get_model("checkins", "QuestionnaireResponse")
    for row in QuestionnaireResponse.objects.all().only("id", "sealed_risk").iterator():
        QuestionnaireResponse.objects.filter(pk=row.pk).update(risk=row.sealed_risk)


class Migration(migrations.Migration):
    dependencies = [("checkins", "0003_encrypted_json")]

    operations = [
        migrations.AddField(
            model_name="questionnaireresponse",
            name="sealed_risk",
            field=apps.core.fields.EncryptedJSONField(default=list),
        ),
        migrations.RunPython(encrypt, decrypt),
        migrations.RemoveField(model_name="questionnaireresponse", name="risk"),
        migrations.RenameField(model_name="questionnaireresponse", old_name="sealed_risk", new_name="risk"),
        migrations.AlterField(
            model_name="questionnaireresponse",
            name="risk",
            field=apps.core.fields.EncryptedJSONField(
                default=list,
                blank=True,
                help_text="Risk findings (signal, level, item evidence): the item-9 answer, PHI",
            ),
        ),
    ]
