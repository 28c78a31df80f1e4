"""Migration operations shared by the apps' hand-written migrations."""

from __future__ import annotations

from django.db import migrations


def _copy(app_label: str, model_name: str, source: str, target: str):
    def run(apps, schema_editor):
        Model = apps.get_model(app_label, model_name)
        pk = Model._meta.pk.name
        for row in Model.objects.only(pk, source).iterator():
            Model.objects.filter(pk=row.pk).update(**{target: getattr(row, source)})

    return run


def seal_column(app_label: str, model_name: str, name: str, field) -> list:
    """Move a plaintext column into ``field`` (an encrypted type) keeping every row: add the encrypted
    column beside it, copy each row across, drop the plaintext one and take its name. Reversible (the
    copy runs back before the plaintext column is dropped again)."""
    sealed = f"sealed_{name}"
    return [
        migrations.AddField(model_name=model_name, name=sealed, field=field.clone()),
        migrations.RunPython(_copy(app_label, model_name, name, sealed), _copy(app_label, model_name, sealed, name)),
        migrations.RemoveField(model_name=model_name, name=name),
        migrations.RenameField(model_name=model_name, old_name=sealed, new_name=name),
    ]
