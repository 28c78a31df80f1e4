from django.core.management.base import BaseCommand, CommandError

from apps.audit.checkpoints import checkpoint_write
from apps.audit.selectors import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Verify the audit trail's keyed hash chain against the signed checkpoints in AUDIT_CHECKPOINT_DIR; "
        "exit non-zero and name the first broken link if it is not intact."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint", action="store_true", help="after a clean check, also write a signed checkpoint now"
        )

    def handle(self, *args, checkpoint: bool = False, **options):
        report = audit_chain_verify()
        if not report.ok:
            raise CommandError(
                f"audit chain broken at seq {report.first_broken_seq}: {report.reason} "
                f"({report.checked} events verified before it)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"audit chain intact: {report.checked} events verified, {report.checkpoints} checkpoints matched"
            )
        )
        if checkpoint:
            written = checkpoint_write()
            if written is not None:
                self.stdout.write(f"checkpoint written: {written.path.name}")
