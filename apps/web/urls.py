from django.urls import path

from apps.web.views import account, admin, alerts, auth, break_glass, mfa, patients, plans, roster, sessions

app_name = "web"

urlpatterns = [
    path("", roster.HomeView.as_view(), name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("login/code/", mfa.MfaVerifyView.as_view(), name="mfa-verify"),
    path("account/", account.AccountView.as_view(), name="account"),
    path("account/authenticator/", mfa.MfaEnrolView.as_view(), name="mfa-enrol"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("session/keepalive/", auth.KeepaliveView.as_view(), name="keepalive"),
    path("patient-app/", auth.PatientElsewhereView.as_view(), name="patient-elsewhere"),
    path("patients/", roster.RosterView.as_view(), name="roster"),
    path("patients/<uuid:patient_pk>/", patients.OverviewView.as_view(), name="patient"),
    path("patients/<uuid:patient_pk>/timeline/", patients.TimelineView.as_view(), name="patient-timeline"),
    path("patients/<uuid:patient_pk>/journals/", patients.JournalsView.as_view(), name="patient-journals"),
    path(
        "patients/<uuid:patient_pk>/questionnaires/",
        patients.QuestionnairesView.as_view(),
        name="patient-questionnaires",
    ),
    path("patients/<uuid:patient_pk>/care/", patients.CareView.as_view(), name="patient-care"),
    path("patients/<uuid:patient_pk>/safety-plan/", plans.SafetyPlanView.as_view(), name="safety-plan"),
    path("patients/<uuid:patient_pk>/treatment-plan/", plans.TreatmentPlanView.as_view(), name="treatment-plan"),
    path(
        "patients/<uuid:patient_pk>/treatment-plan/measures/",
        plans.GoalMeasuresView.as_view(),
        name="treatment-plan-measures",
    ),
    path(
        "patients/<uuid:patient_pk>/treatment-plan/sign/",
        plans.TreatmentPlanSignView.as_view(),
        name="treatment-plan-sign",
    ),
    path(
        "patients/<uuid:patient_pk>/suggestions/<uuid:pk>/decide/",
        plans.SuggestionDecideView.as_view(),
        name="suggestion-decide",
    ),
    path("patients/<uuid:patient_pk>/sessions/", sessions.SessionListView.as_view(), name="sessions"),
    path("patients/<uuid:patient_pk>/sessions/<uuid:pk>/", sessions.SessionView.as_view(), name="session"),
    path(
        "patients/<uuid:patient_pk>/sessions/<uuid:pk>/inputs/",
        sessions.SessionInputView.as_view(),
        name="session-input",
    ),
    path(
        "patients/<uuid:patient_pk>/sessions/<uuid:pk>/inputs/<uuid:input_pk>/speakers/",
        sessions.RelabelView.as_view(),
        name="session-relabel",
    ),
    path("patients/<uuid:patient_pk>/sessions/<uuid:pk>/note/", sessions.NoteEditView.as_view(), name="note-edit"),
    path("patients/<uuid:patient_pk>/sessions/<uuid:pk>/note/sign/", sessions.NoteSignView.as_view(), name="note-sign"),
    path(
        "patients/<uuid:patient_pk>/sessions/<uuid:pk>/note/risk-review/",
        sessions.NoteRiskReviewView.as_view(),
        name="note-risk-review",
    ),
    path(
        "patients/<uuid:patient_pk>/sessions/<uuid:pk>/note/versions/<int:version>/use/",
        sessions.NoteVersionChooseView.as_view(),
        name="note-version-choose",
    ),
    path(
        "patients/<uuid:patient_pk>/sessions/<uuid:pk>/note/draft/",
        sessions.NoteRedraftView.as_view(),
        name="note-redraft",
    ),
    path("practice/", admin.PracticeSettingsView.as_view(), name="practice"),
    path("practice/staff/", admin.StaffView.as_view(), name="practice-staff"),
    path("practice/staff/<uuid:pk>/mfa-reset/", admin.StaffMfaResetView.as_view(), name="practice-staff-mfa-reset"),
    path("practice/staff/<uuid:pk>/", admin.StaffMemberView.as_view(), name="practice-staff-member"),
    path("practice/instruments/", admin.InstrumentsView.as_view(), name="practice-instruments"),
    path("practice/alert-policy/", admin.AlertPolicyView.as_view(), name="practice-alert-policy"),
    path("practice/note-templates/", admin.NoteTemplatesView.as_view(), name="practice-templates"),
    path("practice/audit/", admin.AuditTrailView.as_view(), name="practice-audit"),
    path("practice/break-glass/", break_glass.BreakGlassQueueView.as_view(), name="practice-break-glass"),
    path(
        "practice/break-glass/<uuid:pk>/review/",
        break_glass.BreakGlassReviewView.as_view(),
        name="practice-break-glass-review",
    ),
    path("alerts/", alerts.InboxView.as_view(), name="alerts"),
    path("alerts/<uuid:pk>/", alerts.AlertDetailView.as_view(), name="alert"),
    path("alerts/<uuid:pk>/acknowledge/", alerts.AlertAcknowledgeView.as_view(), name="alert-acknowledge"),
    path("alerts/<uuid:pk>/resolve/", alerts.AlertResolveView.as_view(), name="alert-resolve"),
]
