from django.core.management import call_command

from apps.accounts import push
from apps.accounts.models import BreakGlassGrant
from apps.accounts.selectors import break_glass_recipients_list
from apps.core.jobs import job
from apps.core.realtime import notify_user


@job("accounts.housekeeping")
def housekeeping() -> None:
    """Drop expired browser sessions and expired JWT refresh tokens from the blacklist tables."""
    call_command("clearsessions")
    call_command("flushexpiredtokens")


@job("accounts.break_glass_alert", max_retries=10, backoff=2, backoff_max=300)
def break_glass_alert(grant_id: str) -> int:
    """Tell the practice admins and the primary clinician that a record was opened in an emergency:
    a websocket event and a push each, carrying ids only (no name, no reason). Returns how many."""
    grant = BreakGlassGrant.objects.filter(pk=grant_id).first()
    if grant is None:
        return 0
    recipients = break_glass_recipients_list(grant)
    data = {
        "grant_id": str(grant.pk),
        "patient_id": str(grant.patient_id),
        "expires_at": grant.expires_at.isoformat(),
    }
    message = push.PushMessage(title="Interlude", body="Emergency access to a record was opened \u2014 open Interlude")
    for user_id in recipients:
        notify_user(user_id, "break_glass.opened", data)
        push.push_to_user(user_id=user_id, message=message, data={"kind": "break_glass", "grant_id": data["grant_id"]})
    return len(recipients)
