from django.urls import path

from apps.notes import api

S = "patients/<uuid:patient_pk>/sessions/"
v = api.SessionViewSet

urlpatterns = [
    path("practice/note-templates/", api.PracticeNoteTemplatesView.as_view(), name="note-templates"),
    path(S, v.as_view({"get": "list", "post": "create"}), name="sessions"),
    path(S + "<uuid:pk>/", v.as_view({"get": "retrieve"}), name="session"),
    path(S + "<uuid:pk>/inputs/", v.as_view({"post": "add_input"}), name="session-inputs"),
    path(S + "<uuid:pk>/inputs/<uuid:input_pk>/", v.as_view({"get": "input_status"}), name="session-input"),
    path(S + "<uuid:pk>/inputs/<uuid:input_pk>/dropped/", v.as_view({"get": "dropped"}), name="session-input-dropped"),
    path(
        S + "<uuid:pk>/inputs/<uuid:input_pk>/transcript/",
        v.as_view({"get": "transcript"}),
        name="session-input-transcript",
    ),
    path(
        S + "<uuid:pk>/inputs/<uuid:input_pk>/speakers/", v.as_view({"post": "relabel"}), name="session-input-speakers"
    ),
    path(S + "<uuid:pk>/analytics/", v.as_view({"get": "analytics"}), name="session-analytics"),
    path(S + "<uuid:pk>/note/", v.as_view({"get": "note", "patch": "edit"}), name="session-note"),
    path(S + "<uuid:pk>/note/versions/", v.as_view({"get": "versions"}), name="session-note-versions"),
    path(
        S + "<uuid:pk>/note/versions/<int:version>/choose/",
        v.as_view({"post": "choose"}),
        name="session-note-version-choose",
    ),
    path(S + "<uuid:pk>/note/draft/", v.as_view({"post": "redraft"}), name="session-note-draft"),
    path(S + "<uuid:pk>/note/sign/", v.as_view({"post": "sign"}), name="session-note-sign"),
    path(S + "<uuid:pk>/note/risk-review/", v.as_view({"post": "risk_review"}), name="session-note-risk-review"),
    path(S + "<uuid:pk>/note/amend/", v.as_view({"post": "amend"}), name="session-note-amend"),
    path(S + "<uuid:pk>/note/fhir/", v.as_view({"get": "fhir"}), name="session-note-fhir"),
    path(S + "<uuid:pk>/note/pdf/", v.as_view({"get": "pdf"}), name="session-note-pdf"),
]
