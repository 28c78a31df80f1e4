"""Re-encrypt every PHI column with the first key in FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first (keep the old ones after it), restart, run this command, then
remove the old keys. Stored journal recordings keep their audio and get their data key re-wrapped.
Rows that no configured key can decrypt stop the command (nothing is
re-encrypted as garbage) and are named by model and primary key.
"""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.audit.services import AuditAction, audit_log
from apps.core import context
from apps.core.audio import audio_storage
from apps.core.audio.storage import AudioDecryptionError
from apps.core.fields import ENCRYPTED_FIELD_TYPES, UndecryptableValueError
from apps.journals.models import JournalEntry


def encrypted_fields_by_model():
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, ENCRYPTED_FIELD_TYPES)]
        if names:
            yield model, names


class Command(BaseCommand):
    help = "Re-encrypt all encrypted columns with the first configured key."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options):
        totals: dict[str, int] = {}
        with context.bind(context.RequestContext(request_id=context.new_request_id(), via="command")):
            for model, names in encrypted_fields_by_model():
                count, last_pk = 0, None
                while True:
                    qs = model._default_manager.order_by("pk").only("pk", *names)
                    if last_pk is not None:
                        qs = qs.filter(pk__gt=last_pk)
                    try:
                        with transaction.atomic():
                            rows = list(qs.select_for_update()[:batch_size])
                            if not rows:
                                break
                            # Row by row: bulk_update builds CASE expressions that the encrypted
                            # fields would encrypt as text instead of the values.
                            for row in rows:
                                model._default_manager.filter(pk=row.pk).update(
                                    **{name: getattr(row, name) for name in names}
                                )
                    except UndecryptableValueError as exc:
                        raise CommandError(f"{exc} (after pk {last_pk}); add the missing key and retry") from exc
                    count += len(rows)
                    last_pk = rows[-1].pk
                totals[model._meta.label] = count
            totals["journal audio files"] = self._rewrap_audio()
            audit_log(
                actor=None, action=AuditAction.KEY_ROTATION, object_type="encryption_key", detail={"rows": totals}
            )
        for label, count in totals.items():
            self.stdout.write(f"{label}: {count} re-encrypted")
        self.stdout.write(self.style.SUCCESS("done"))

    def _rewrap_audio(self) -> int:
        """Re-wrap each stored recording's data key with the new first key (the audio is not re-encrypted)."""
        storage, count = audio_storage(), 0
        for entry in JournalEntry.objects.exclude(audio_name="").only("pk", "audio_name").iterator():
            try:
                new_name = storage.rewrap(entry.audio_name)
            except AudioDecryptionError as exc:
                raise CommandError(f"journal entry {entry.pk}: {exc}; add the missing key and retry") from exc
            JournalEntry.objects.filter(pk=entry.pk, audio_name=entry.audio_name).update(audio_name=new_name)
            storage.delete(entry.audio_name)
            count += 1
        return count
