"""Browser-session rules for the web app: idle timeout, and a 404 page instead of JSON.

Idle timeout (``WEB_IDLE_TIMEOUT_MINUTES``): a staff session that has made no request for that long
is signed out on its next request (audited as a logout with ``method: idle``). Requests marked
``X-Interlude-Background`` (live refreshes the page makes on its own) do not count as activity;
the page's idle script (static/web/js/idle.js) pings ``session/keepalive/`` while the person is
typing or clicking, warns two minutes before the end, and signs out when time runs out.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.accounts.services.auth import auth_logout_audit
from apps.core import http_errors

SESSION_KEY = "web_last_activity"
BACKGROUND_HEADER = "X-Interlude-Background"


def idle_seconds() -> int:
    return settings.WEB_IDLE_TIMEOUT_MINUTES * 60


def _is_web_path(path: str) -> bool:
    return not path.startswith(("/api/", "/health/", "/static/", "/ws/"))


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and hasattr(request, "session") and (user.is_care_staff or user.is_practice_admin):
            now = time.time()
            last = request.session.get(SESSION_KEY)
            if last is not None and now - last > idle_seconds():
                auth_logout_audit(user=user, method="idle")
                logout(request)
                login_url = f"{reverse('web:login')}?reason=idle"
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=401)
                    response["HX-Redirect"] = login_url
                    return response
                if not _is_web_path(request.path):
                    return self.get_response(request)  # the API answers 401/403 itself
                return redirect(login_url)
            if not request.headers.get(BACKGROUND_HEADER):
                request.session[SESSION_KEY] = now
        return self.get_response(request)


class NotFoundPageMiddleware:
    """Out-of-scope and missing things answer the web app's 404 page (in DEBUG too: the technical
    404 page would list the URL patterns); the API keeps its JSON error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and _is_web_path(request.path):
            return not_found_page(request)
        return None


def not_found_page(request):
    return render(request, "web/404.html", status=404)


def handler404(request, exception=None):
    """Unknown addresses: the web app's 404 page, except under /api/ where the API's JSON error stays."""
    if _is_web_path(request.path):
        return not_found_page(request)
    return http_errors.handler404(request, exception)
