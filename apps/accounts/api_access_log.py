"""The patient's access log: who read or changed their record, and which automated processing ran."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema

from apps.accounts.door import MyRecordViewSet
from apps.accounts.models import User
from apps.audit.models import AuditAction
from apps.audit.selectors import patient_access_log
from apps.audit.serializers import AccessLogEntrySerializer


class MyAccessLogViewSet(MyRecordViewSet):
    """Who accessed my record and when, and which automated processing ran on my data."""

    serializer_class = AccessLogEntrySerializer
    paginated_actions = ("access_log",)  # documented as a page (apps/core/schema_hooks.py)
    audit_object_type = "access_log"
    audit_data_category = "audit"

    @extend_schema(
        tags=["audit"], parameters=[OpenApiParameter("page", int)], responses=AccessLogEntrySerializer(many=True)
    )
    def access_log(self, request, *args, **kwargs):
        events = patient_access_log(patient_id=self.get_patient().pk, patient_user_id=request.user.pk)
        page = self._named(self.paginate_queryset(events))
        self.audit_patient_read()
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _named(self, page: list) -> list[dict]:
        actor_ids = {e.actor_id for e in page if e.actor_id}
        names = {u.pk: (u.display_name or u.username) for u in User.objects.filter(pk__in=actor_ids)}
        automated = "Interlude (automated)"
        return [
            {
                "occurred_at": e.occurred_at,
                "who": automated if e.action == AuditAction.AI_PROCESS else names.get(e.actor_id, "System"),
                "role": e.actor_role,
                "action": e.action,
                "data_category": e.data_category,
                "detail": e.detail if e.action == AuditAction.AI_PROCESS else {},
            }
            for e in page
        ]
