from django.urls import path

from apps.web.views import alerts, auth, plans, roster

app_name = "web"

urlpatterns = [
    path("", roster.HomeView.as_view(), name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("session/keepalive/", auth.KeepaliveView.as_view(), name="keepalive"),
    path("patient-app/", auth.PatientElsewhereView.as_view(), name="patient-elsewhere"),
    path("patients/", roster.RosterView.as_view(), name="roster"),
    path("patients/<uuid:patient_pk>/safety-plan/", plans.SafetyPlanView.as_view(), name="safety-plan"),
    path("alerts/", alerts.InboxView.as_view(), name="alerts"),
    path("alerts/<uuid:pk>/", alerts.AlertDetailView.as_view(), name="alert"),
    path("alerts/<uuid:pk>/acknowledge/", alerts.AlertAcknowledgeView.as_view(), name="alert-acknowledge"),
    path("alerts/<uuid:pk>/resolve/", alerts.AlertResolveView.as_view(), name="alert-resolve"),
]
