from django.urls import path

from apps.journals import api

mine = api.MyJournalViewSet
staff = api.PatientJournalsViewSet
P = "patients/<uuid:patient_pk>/"

urlpatterns = [
    path("me/journals/", mine.as_view({"get": "list", "post": "create"}), name="my-journals"),
    path(
        "me/journals/<uuid:pk>/",
        mine.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="my-journal",
    ),
    path("me/journals/<uuid:pk>/status/", mine.as_view({"get": "status"}), name="my-journal-status"),
    path("me/journals/<uuid:pk>/audio/", mine.as_view({"get": "audio"}), name="my-journal-audio"),
    path(P + "journals/", staff.as_view({"get": "list"}), name="patient-journals"),
    path(P + "journals/<uuid:pk>/", staff.as_view({"get": "retrieve"}), name="patient-journal"),
    path(P + "journals/<uuid:pk>/audio/", staff.as_view({"get": "audio"}), name="patient-journal-audio"),
]
