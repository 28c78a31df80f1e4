from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.accounts import api_access_log, api_admin, api_auth, api_break_glass, api_consent, api_patients

router = SimpleRouter()
router.register("patients", api_patients.PatientViewSet, basename="patient")
router.register("devices", api_admin.DeviceViewSet, basename="device")
router.register("staff", api_admin.StaffViewSet, basename="staff")
router.register("break-glass", api_break_glass.BreakGlassGrantViewSet, basename="break-glass")
router.register("consent-documents", api_consent.ConsentDocumentViewSet, basename="consent-document")

care_team = api_patients.CareTeamViewSet
invitations = api_patients.InvitationViewSet

urlpatterns = [
    path("auth/token/", api_auth.TokenObtainView.as_view(), name="token-obtain"),
    path("auth/token/mfa/", api_auth.TokenMfaView.as_view(), name="token-mfa"),
    path("auth/token/refresh/", api_auth.TokenRotateView.as_view(), name="token-refresh"),
    path("auth/logout/", api_auth.LogoutView.as_view(), name="logout"),
    path("auth/csrf/", api_auth.CsrfView.as_view(), name="csrf"),
    path("auth/session/", api_auth.SessionView.as_view(), name="session"),
    path("auth/session/mfa/", api_auth.SessionMfaView.as_view(), name="session-mfa"),
    path("me/", api_auth.MeView.as_view(), name="me"),
    path(
        "me/profile/",
        api_patients.MyProfileViewSet.as_view({"get": "profile", "patch": "update_profile"}),
        name="my-profile",
    ),
    path("me/consents/", api_consent.MyConsentViewSet.as_view({"get": "state", "post": "decide"}), name="my-consents"),
    path("me/access-log/", api_access_log.MyAccessLogViewSet.as_view({"get": "access_log"}), name="my-access-log"),
    path("practice/", api_admin.PracticeView.as_view(), name="practice"),
    path(
        "patients/<uuid:patient_pk>/care-team/",
        care_team.as_view({"get": "list", "post": "create"}),
        name="care-team-list",
    ),
    path(
        "patients/<uuid:patient_pk>/care-team/<uuid:pk>/",
        care_team.as_view({"delete": "destroy"}),
        name="care-team-detail",
    ),
    path(
        "patients/<uuid:patient_pk>/invitations/",
        invitations.as_view({"get": "list", "post": "create"}),
        name="invitation-list",
    ),
    path(
        "patients/<uuid:patient_pk>/invitations/<uuid:pk>/",
        invitations.as_view({"delete": "destroy"}),
        name="invitation-detail",
    ),
    path(
        "patients/<uuid:patient_pk>/consents/",
        api_consent.PatientConsentViewSet.as_view({"get": "state"}),
        name="patient-consents",
    ),
    *router.urls,
]
