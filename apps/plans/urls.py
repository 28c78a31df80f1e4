from django.urls import path

from apps.plans import api_safety, api_treatment

P = "patients/<uuid:patient_pk>/"

urlpatterns = [
    path(
        P + "safety-plan/",
        api_safety.PatientSafetyPlanViewSet.as_view({"get": "list", "post": "create"}),
        name="patient-safety-plan",
    ),
    path(P + "brief/", api_safety.PatientBriefViewSet.as_view({"get": "json"}), name="patient-brief"),
    path(P + "brief.html", api_safety.PatientBriefViewSet.as_view({"get": "html"}), name="patient-brief-html"),
    path(P + "brief.pdf", api_safety.PatientBriefViewSet.as_view({"get": "pdf"}), name="patient-brief-pdf"),
    path(P + "coping/", api_safety.PatientCopingViewSet.as_view({"get": "list"}), name="patient-coping"),
    path(
        "me/safety-plan/",
        api_safety.MySafetyPlanViewSet.as_view({"get": "current", "post": "create"}),
        name="my-safety-plan",
    ),
    path(
        "me/safety-plan/acknowledge/",
        api_safety.MySafetyPlanViewSet.as_view({"post": "acknowledge"}),
        name="my-safety-plan-ack",
    ),
    path("me/coping/", api_safety.MyCopingViewSet.as_view({"get": "list", "post": "create"}), name="my-coping"),
    path(
        P + "treatment-plan/",
        api_treatment.PatientTreatmentPlanViewSet.as_view({"get": "list", "post": "create"}),
        name="patient-treatment-plan",
    ),
    path(
        P + "treatment-plan/sign/",
        api_treatment.PatientTreatmentPlanViewSet.as_view({"post": "sign"}),
        name="patient-treatment-plan-sign",
    ),
    path(
        P + "suggestions/",
        api_treatment.PatientSuggestionViewSet.as_view({"get": "pending"}),
        name="patient-suggestions",
    ),
    path(
        P + "suggestions/<uuid:pk>/decide/",
        api_treatment.PatientSuggestionViewSet.as_view({"post": "decide"}),
        name="patient-suggestion-decide",
    ),
    path(
        "me/treatment-plan/", api_treatment.MyTreatmentPlanViewSet.as_view({"get": "current"}), name="my-treatment-plan"
    ),
    path(
        "me/treatment-plan/acknowledge/",
        api_treatment.MyTreatmentPlanViewSet.as_view({"post": "acknowledge"}),
        name="my-treatment-plan-ack",
    ),
]
