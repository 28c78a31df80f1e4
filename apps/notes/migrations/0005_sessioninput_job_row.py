import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """Session inputs become job rows like journal entries: claim attempts, the state a failed job
    stopped in, and a heartbeat column (existing rows get the migration time)."""

    dependencies = [("notes", "0004_sessioninput_dropped")]

    operations = [
        migrations.AddField(
            model_name="sessioninput",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="sessioninput",
            name="failed_at_state",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.AddField(
            model_name="sessioninput",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="sessioninput",
            name="error",
            field=models.CharField(blank=True, help_text="Why it failed (never PHI)", max_length=200),
        ),
        migrations.AlterField(
            model_name="sessioninput",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("transcribing", "Transcribing"),
                    ("drafting", "Drafting"),
                    ("done", "Done"),
                    ("failed", "Failed"),
                ],
                db_index=True,
                max_length=16,
            ),
        ),
    ]
