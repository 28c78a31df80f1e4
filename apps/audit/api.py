from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics

from apps.audit.selectors import audit_events_for_practice
from apps.audit.serializers import AuditEventSerializer, AuditFilterSerializer
from apps.core.permissions import IsPracticeAdmin


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
