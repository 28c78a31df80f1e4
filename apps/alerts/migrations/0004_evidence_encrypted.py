"""Risk-signal and alert evidence encrypted at rest; existing rows are copied into the encrypted column before the plaintext one is dropped
(``apps.core.migration_ops.seal_column``)."""

from django.db import migrations

from apps.core.fields import EncryptedJSONField
from apps.core.migration_ops import seal_column


class Migration(migrations.Migration):
    dependencies = [("alerts", "0003_risksignal_alert")]

    operations = [
        *seal_column(
            "alerts",
            "risksignal",
            "evidence",
            EncryptedJSONField(
                default=list,
                help_text="Item ids and answers, or text spans with the detector version; PHI, so encrypted",
            ),
        ),
        *seal_column(
            "alerts",
            "alert",
            "evidence",
            EncryptedJSONField(
                default=list,
                help_text="The signals behind it: item and answer, or spans and detector; PHI, so encrypted",
            ),
        ),
    ]
