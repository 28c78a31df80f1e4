from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics

from apps.accounts.models import User
from apps.audit.models import AuditAction
from apps.audit.selectors import audit_events_for_practice, patient_access_log
from apps.audit.serializers import AccessLogEntrySerializer, AuditEventSerializer, AuditFilterSerializer
from apps.core.permissions import IsPracticeAdmin
from apps.door import MyRecordViewSet


class AuditEventListView(generics.ListAPIView):
    """The practice's audit trail, newest first (practice admins)."""

    serializer_class = AuditEventSerializer
    permission_classes = [IsPracticeAdmin]

    @extend_schema(tags=["audit"], parameters=[AuditFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = AuditFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return audit_events_for_practice(practice_id=self.request.user.practice_id, filters=filters.validated_data)


class MyAccessLogViewSet(MyRecordViewSet):
    """Who accessed my record and when, and which automated processing ran on my data."""

    serializer_class = AccessLogEntrySerializer
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
