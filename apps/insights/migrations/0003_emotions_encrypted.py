"""Emotions encrypted at rest; existing rows are copied into the encrypted column before the plaintext one is dropped
(``apps.core.migration_ops.seal_column``)."""

from django.db import migrations

from apps.core.fields import EncryptedJSONField
from apps.core.migration_ops import seal_column


class Migration(migrations.Migration):
    dependencies = [("insights", "0002_encrypted_json")]

    operations = [
        *seal_column(
            "insights",
            "textanalysis",
            "emotions",
            EncryptedJSONField(default=dict, help_text="Scores 0..1 and evidence spans per emotion: PHI"),
        ),
    ]
