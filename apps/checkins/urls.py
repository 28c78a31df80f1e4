from django.urls import path

from apps.checkins import api_patient, api_staff

P = "patients/<uuid:patient_pk>/"
trends = api_staff.PatientTrendsViewSet
questionnaires = api_staff.PatientQuestionnairesViewSet

urlpatterns = [
    path("me/checkins/", api_patient.MyCheckinsViewSet.as_view({"get": "list", "post": "create"}), name="my-checkins"),
    path(
        "me/questionnaires/",
        api_patient.MyQuestionnairesViewSet.as_view({"get": "list", "post": "create"}),
        name="my-questionnaires",
    ),
    path("me/trends/daily/", api_patient.MyTrendsViewSet.as_view({"get": "daily"}), name="my-trends-daily"),
    path("me/trends/weekly/", api_patient.MyTrendsViewSet.as_view({"get": "weekly"}), name="my-trends-weekly"),
    path("me/todo/", api_patient.MyTodoViewSet.as_view({"get": "todo"}), name="my-todo"),
    path("checkin-tags/", api_patient.CheckinTagsView.as_view(), name="checkin-tags"),
    path("instruments/", api_patient.InstrumentsView.as_view(), name="instruments"),
    path("practice/checkin-tags/", api_staff.PracticeTagsView.as_view(), name="practice-checkin-tags"),
    path("practice/instruments/", api_staff.PracticeInstrumentsView.as_view(), name="practice-instruments"),
    path(P + "trends/daily/", trends.as_view({"get": "daily"}), name="trends-daily"),
    path(P + "trends/weekly/", trends.as_view({"get": "weekly"}), name="trends-weekly"),
    path(P + "adherence/", trends.as_view({"get": "adherence"}), name="adherence"),
    path(P + "checkins/", api_staff.PatientCheckinsViewSet.as_view({"get": "list"}), name="patient-checkins"),
    path(P + "questionnaires/", questionnaires.as_view({"get": "list"}), name="patient-questionnaires"),
    path(P + "questionnaires/<uuid:pk>/", questionnaires.as_view({"get": "retrieve"}), name="patient-questionnaire"),
    path(
        P + "questionnaires/<uuid:pk>/fhir/", questionnaires.as_view({"get": "fhir"}), name="patient-questionnaire-fhir"
    ),
    path(
        P + "schedules/",
        api_staff.PatientSchedulesViewSet.as_view({"get": "list", "post": "create"}),
        name="patient-schedules",
    ),
    path(
        P + "risk-signals/", api_staff.PatientRiskSignalsViewSet.as_view({"get": "list"}), name="patient-risk-signals"
    ),
]
