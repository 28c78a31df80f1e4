from django.urls import path, re_path
from django.views.i18n import JavaScriptCatalog

from apps.patient_app.views import account, journal, lock, pages, privacy, pwa, questionnaires, settings
from apps.patient_app.web import app_view

app_name = "patient_app"

urlpatterns = [
    path("", pages.today, name="today"),
    path("join/", account.join, name="join"),
    path("signin/", account.signin, name="signin"),
    path("signout/", account.signout, name="signout"),
    path("signout/everywhere/", account.signout_everywhere, name="signout_everywhere"),
    path("consent/", account.consent, name="consent"),
    path("checkin/", pages.checkin, name="checkin"),
    path("safety-plan/", pages.safety_plan, name="safety_plan"),
    path("safety-plan/edit/", pages.safety_plan_edit, name="safety_plan_edit"),
    path("plan/", pages.my_plan, name="plan"),
    path("plan/acknowledge/", pages.my_plan_acknowledge, name="plan_acknowledge"),
    path("me/", pages.me, name="me"),
    path("me/notifications/", settings.notifications, name="notifications"),
    path("me/lock/", lock.lock_settings, name="lock_settings"),
    path("lock/", lock.lock_screen, name="lock"),
    path("lock/keepalive/", lock.keepalive, name="lock_keepalive"),
    path("lock/now/", lock.lock_now, name="lock_now"),
    re_path(r"^lock/passkey/(?P<purpose>register|unlock)/options/$", lock.passkey_options, name="passkey_options"),
    re_path(r"^lock/passkey/(?P<purpose>register|unlock)/$", lock.passkey_verify, name="passkey_verify"),
    path("me/export/", privacy.export_start, name="export_start"),
    path("me/export/<uuid:pk>/download/", privacy.export_download, name="export_download"),
    path("me/erase/", privacy.erase, name="erase"),
    path("journal/", journal.journal, name="journal"),
    path("journal/<uuid:pk>/", journal.journal_entry, name="journal_entry"),
    path("journal/<uuid:pk>/share/", journal.journal_entry_share, name="journal_entry_share"),
    path("journal/<uuid:pk>/delete/", journal.journal_entry_delete, name="journal_entry_delete"),
    path("questionnaires/", questionnaires.questionnaire_list, name="questionnaires"),
    path("questionnaires/<slug:key>/", questionnaires.questionnaire, name="questionnaire"),
    path("offline/", pwa.offline, name="offline"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="sw"),
    path(
        "jsi18n/",
        app_view(signed_in=False)(JavaScriptCatalog.as_view(domain="djangojs", packages=["apps.patient_app"])),
        name="jsi18n",
    ),
    re_path(r"^(?P<rest>.+)$", pwa.not_found, name="not_found"),  # last: every other /app/ address
]
