from django.urls import path

from apps.insights import api

P = "patients/<uuid:patient_pk>/"
insights = api.PatientInsightsViewSet
triggers = api.PatientTriggersViewSet

urlpatterns = [
    path(P + "insights/findings/", insights.as_view({"get": "list"}), name="insight-findings"),
    path(P + "insights/triggers/", insights.as_view({"get": "triggers"}), name="insight-triggers"),
    path(P + "insights/patterns/", insights.as_view({"get": "patterns"}), name="insight-patterns"),
    path(
        P + "insights/patterns/refresh/",
        insights.as_view({"post": "refresh_patterns"}),
        name="insight-patterns-refresh",
    ),
    path(P + "custom-triggers/", triggers.as_view({"get": "list", "post": "create"}), name="custom-triggers"),
    path(P + "custom-triggers/<uuid:pk>/", triggers.as_view({"delete": "destroy"}), name="custom-trigger"),
    path("me/themes/", api.MyThemesViewSet.as_view({"get": "themes"}), name="my-themes"),
]
