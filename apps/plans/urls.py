from django.urls import path

from apps.plans import api

P = "patients/<uuid:patient_pk>/"

urlpatterns = [
    path(
        P + "safety-plan/",
        api.PatientSafetyPlanViewSet.as_view({"get": "list", "post": "create"}),
        name="patient-safety-plan",
    ),
    path(P + "brief/", api.PatientBriefViewSet.as_view({"get": "json"}), name="patient-brief"),
    path(P + "brief.html", api.PatientBriefViewSet.as_view({"get": "html"}), name="patient-brief-html"),
    path(P + "brief.pdf", api.PatientBriefViewSet.as_view({"get": "pdf"}), name="patient-brief-pdf"),
    path(P + "coping/", api.PatientCopingViewSet.as_view({"get": "list"}), name="patient-coping"),
    path(
        "me/safety-plan/", api.MySafetyPlanViewSet.as_view({"get": "current", "post": "create"}), name="my-safety-plan"
    ),
    path(
        "me/safety-plan/acknowledge/",
        api.MySafetyPlanViewSet.as_view({"post": "acknowledge"}),
        name="my-safety-plan-ack",
    ),
    path("me/coping/", api.MyCopingViewSet.as_view({"get": "list", "post": "create"}), name="my-coping"),
    path(
        P + "treatment-plan/",
        api.PatientTreatmentPlanViewSet.as_view({"get": "list", "post": "create"}),
        name="patient-treatment-plan",
    ),
    path(
        P + "treatment-plan/sign/",
        api.PatientTreatmentPlanViewSet.as_view({"post": "sign"}),
        name="patient-treatment-plan-sign",
    ),
    path(P + "suggestions/", api.PatientSuggestionViewSet.as_view({"get": "pending"}), name="patient-suggestions"),
    path(
        P + "suggestions/<uuid:pk>/decide/",
        api.PatientSuggestionViewSet.as_view({"post": "decide"}),
        name="patient-suggestion-decide",
    ),
    path("me/treatment-plan/", api.MyTreatmentPlanViewSet.as_view({"get": "current"}), name="my-treatment-plan"),
    path(
        "me/treatment-plan/acknowledge/",
        api.MyTreatmentPlanViewSet.as_view({"post": "acknowledge"}),
        name="my-treatment-plan-ack",
    ),
]
