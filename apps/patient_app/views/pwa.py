"""What makes the patient app installable and usable offline: the web app manifest, the service worker
(served from /app/ so its scope is the whole app) and the page shown when a screen was never cached."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from apps.patient_app.web import app_view, not_found_page, secure_headers

STATIC_DIR = Path(__file__).resolve().parents[1] / "static" / "patient_app"
# The shell: every file a screen needs, cached when the service worker installs.
SHELL_FILES = [
    "patient_app/css/app.css",
    "patient_app/js/app.js",
    "patient_app/js/outbox.js",
    "patient_app/js/checkin.js",
    "patient_app/js/questionnaire.js",
    "patient_app/js/recorder.js",
    "patient_app/js/journal.js",
    "patient_app/js/join.js",
    "patient_app/js/live.js",
    "patient_app/js/plan.js",
    "patient_app/js/push.js",
    "patient_app/js/lock.js",
    "patient_app/js/passkey.js",
    "patient_app/icons/icon-192.png",
    "patient_app/icons/icon-512.png",
    "patient_app/icons/icon-maskable-512.png",
]
# Pages that must open offline after one online visit (forms and the safety plan). They hold the
# patient's own data, so they are cached per browser profile and cleared on sign-out (Clear-Site-Data).
OFFLINE_PAGES = [
    "/app/",
    "/app/checkin/",
    "/app/safety-plan/",
    "/app/journal/",
    "/app/questionnaires/",
    "/app/questionnaires/phq9/",
    "/app/questionnaires/gad7/",
    "/app/questionnaires/cssrs_screener/",
    "/app/offline/",
]


@cache
def shell_version() -> str:
    """Changes whenever a shell file changes, so a new service worker replaces the old caches."""
    digest = hashlib.sha256()
    for name in SHELL_FILES:
        path = finders.find(name)
        digest.update(name.encode())
        if path:
            digest.update(Path(path).read_bytes())
    digest.update((Path(__file__).parents[1] / "templates" / "patient_app" / "sw.js").read_bytes())
    return digest.hexdigest()[:12]


def manifest(request):
    body = {
        "name": "Interlude",
        "short_name": "Interlude",
        "description": _("Check-ins, voice journal and your safety plan, between sessions."),
        "id": "/app/",
        "start_url": "/app/",
        "scope": "/app/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#1f4e79",
        "lang": getattr(request, "LANGUAGE_CODE", "en"),
        "icons": [
            {"src": static("patient_app/icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("patient_app/icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("patient_app/icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = HttpResponse(json.dumps(body), content_type="application/manifest+json")
    response["Cache-Control"] = "public, max-age=3600"
    return response


manifest = app_view(signed_in=False)(manifest)


def service_worker(request):
    response = render(
        request,
        "patient_app/sw.js",
        {
            "version": shell_version(),
            "shell": json.dumps([static(name) for name in SHELL_FILES] + [reverse("patient_app:jsi18n")]),
            "pages": json.dumps(OFFLINE_PAGES),
        },
        content_type="text/javascript",
    )
    # Browsers check for a new worker at least daily; never let a cache pin an old one.
    response["Cache-Control"] = "no-cache"
    return secure_headers(response)


@app_view(signed_in=False)
def offline(request):
    return render(request, "patient_app/offline.html")


@app_view(signed_in=False)
def not_found(request, rest: str = ""):
    """Any other address under /app/. A known page typed without its final slash still gets the
    redirect APPEND_SLASH would give (this catch-all resolves first, so CommonMiddleware cannot)."""
    if not request.path.endswith("/"):
        match = resolve_or_none(request.path + "/")
        if match is not None and match.url_name != "not_found":
            query = request.META.get("QUERY_STRING", "")
            return redirect(request.path + "/" + (f"?{query}" if query else ""))
    return not_found_page(request)


def resolve_or_none(path: str):
    try:
        return resolve(path)
    except Resolver404:
        return None
