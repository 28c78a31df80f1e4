from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.core import health

urlpatterns = [
    path("health/live", health.LiveView.as_view(), name="health-live"),
    path("health/ready", health.ReadyView.as_view(), name="health-ready"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/v1/", include("apps.accounts.urls")),
    path("api/v1/", include("apps.audit.urls")),
    path("api/v1/", include("apps.checkins.urls")),
    path("api/v1/", include("apps.journals.urls")),
    path("api/v1/", include("apps.insights.urls")),
    path("api/v1/", include("apps.alerts.urls")),
    path("api/v1/", include("apps.notes.urls")),
    path("api/v1/", include("apps.plans.urls")),
    path("api/v1/", include("apps.privacy.urls")),
    path("api/v1/", include("apps.practice.urls")),
    path("app/", include("apps.patient_app.urls")),
    path("", include("apps.web.urls")),
]

handler400 = "apps.core.http_errors.handler400"
handler403 = "apps.core.http_errors.handler403"
handler404 = "apps.web.middleware.handler404"  # the web 404 page; JSON under /api/
handler500 = "apps.core.http_errors.handler500"
