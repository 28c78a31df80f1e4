from django.urls import path

from apps.alerts import api

urlpatterns = [
    path("alerts/", api.AlertInboxView.as_view(), name="alert-inbox"),
    path("alerts/<uuid:pk>/", api.AlertDetailView.as_view(), name="alert-detail"),
    path("alerts/<uuid:pk>/acknowledge/", api.AlertAcknowledgeView.as_view(), name="alert-acknowledge"),
    path("alerts/<uuid:pk>/resolve/", api.AlertResolveView.as_view(), name="alert-resolve"),
    path("practice/alert-policy/", api.AlertPolicyView.as_view(), name="alert-policy"),
]
