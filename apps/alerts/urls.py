from django.urls import path

from apps.alerts import api

urlpatterns = [
    path("alerts/", api.AlertViewSet.as_view({"get": "list"}), name="alert-inbox"),
    path("alerts/<uuid:pk>/", api.AlertViewSet.as_view({"get": "retrieve"}), name="alert-detail"),
    path("alerts/<uuid:pk>/acknowledge/", api.AlertViewSet.as_view({"post": "acknowledge"}), name="alert-acknowledge"),
    path("alerts/<uuid:pk>/resolve/", api.AlertViewSet.as_view({"post": "resolve"}), name="alert-resolve"),
    path("practice/alert-policy/", api.AlertPolicyView.as_view(), name="alert-policy"),
]
