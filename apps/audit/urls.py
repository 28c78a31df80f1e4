from django.urls import path

from apps.audit import api

urlpatterns = [
    path("audit/events/", api.AuditEventListView.as_view(), name="audit-events"),
    path("me/access-log/", api.MyAccessLogViewSet.as_view({"get": "access_log"}), name="my-access-log"),
]
