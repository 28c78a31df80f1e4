"""Cross-process realtime relay for the embedded default (no Redis)."""

from django.db import models


class RealtimeEvent(models.Model):
    """An event for a user's websocket, written by any process (e.g. a Celery worker) and forwarded by
    the ASGI process's relay to its in-memory channel layer. Only used without Redis; rows are pruned
    after a minute. Payloads carry ids and states, never PHI."""

    id = models.BigAutoField(primary_key=True)
    user_id = models.UUIDField(db_index=True)
    event = models.CharField(max_length=64)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
