from django.urls import path

from apps.audit import api

urlpatterns = [
    path("audit/events/", api.AuditEventListView.as_view(), name="audit-events"),
]
