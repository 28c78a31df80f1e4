from django.urls import path

from apps.privacy import api

urlpatterns = [
    path("me/export/", api.MyExportViewSet.as_view({"get": "exports", "post": "start"}), name="my-export"),
    path(
        "me/export/<uuid:pk>/download/",
        api.MyExportViewSet.as_view({"get": "download"}),
        name="my-export-download",
    ),
    path("me/erasure/", api.MyErasureViewSet.as_view({"get": "statement", "post": "erase"}), name="my-erasure"),
    path(
        "patients/<uuid:patient_pk>/erasure/",
        api.PatientErasureViewSet.as_view({"get": "statement", "post": "erase"}),
        name="patient-erasure",
    ),
]
