"""What every web page's layout needs: who is signed in, their open-alert count (lazily: only pages
that show the navigation pay for the query), and the idle timeout."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from apps.web.access import is_staff_user
from apps.web.middleware import idle_seconds


def web(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not is_staff_user(user):
        return {}

    def count() -> int:
        from apps.web.views.alerts import open_alert_count

        return open_alert_count(user)

    return {
        "nav_open_alerts": SimpleLazyObject(count),
        "idle_timeout_seconds": idle_seconds(),
        "is_clinical_staff": user.is_care_staff,
        "is_practice_admin": user.is_practice_admin,
    }
