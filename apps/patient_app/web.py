"""What every patient-app response carries: the patient's language, a strict CSP, and the long-lived
device session kept fresh.

No page has an inline script or style, so the policy needs neither ``unsafe-inline`` nor
``unsafe-eval``. The camera (QR codes on the join screen) and microphone (voice journal) are allowed
for this origin only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation

from apps.patient_app.services import device_session_refresh

# Only with web push configured: the two Firebase endpoints a browser calls to turn its push
# subscription into an FCM token (static/patient_app/js/push.js).
FCM_WEB_HOSTS = "https://firebaseinstallations.googleapis.com https://fcmregistrations.googleapis.com"


def policy(*, web_push: bool) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            f"connect-src 'self' {FCM_WEB_HOSTS}" if web_push else "connect-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


PERMISSIONS = "camera=(self), microphone=(self), geolocation=()"


def secure_headers(response):
    response["Content-Security-Policy"] = policy(web_push=bool(settings.FCM_WEB_API_KEY))
    response["Permissions-Policy"] = PERMISSIONS
    response["Referrer-Policy"] = "same-origin"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def app_language(request) -> str:
    """A signed-in patient's preferred language (when the app has it); before sign-in, the browser's
    (Accept-Language, or the language cookie)."""
    profile = getattr(request.user, "patient_profile", None) if request.user.is_authenticated else None
    if profile is not None and profile.preferred_language:
        try:
            return translation.get_supported_language_variant(profile.preferred_language)
        except LookupError:
            pass
    return translation.get_language_from_request(request)


def not_found_page(request):
    """The patient app's own 404 (the crisis link in its usual place, a way home), never the
    clinician app's: also for things outside the patient's scope, which answer 404 like missing ones."""
    return render(request, "patient_app/404.html", status=404)


def app_view(*, signed_in: bool = True) -> Callable:
    """Wrap a patient-app view: language, headers, and (``signed_in``) a redirect to sign-in."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            language = app_language(request)
            with translation.override(language):
                request.LANGUAGE_CODE = language
                if signed_in and not request.user.is_authenticated:
                    response = redirect(f"{reverse('patient_app:signin')}")
                else:
                    if request.user.is_authenticated:
                        device_session_refresh(request=request)
                    try:
                        response = view(request, *args, **kwargs)
                    except Http404:
                        response = not_found_page(request)
                    if hasattr(response, "render") and not response.is_rendered:
                        response.render()
            response.setdefault("Content-Language", language)
            response["Vary"] = "Cookie, Accept-Language"
            if signed_in:
                # The service worker keeps its own copy for offline use; intermediaries keep nothing.
                response["Cache-Control"] = "private, no-cache"
            return secure_headers(response)

        return wrapped

    return decorate
