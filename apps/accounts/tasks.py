from celery import shared_task
from django.core.management import call_command


@shared_task(name="accounts.housekeeping")
def housekeeping() -> None:
    """Drop expired browser sessions and expired JWT refresh tokens from the blacklist tables."""
    call_command("clearsessions")
    call_command("flushexpiredtokens")
