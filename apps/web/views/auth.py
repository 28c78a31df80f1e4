"""Sign-in and sign-out for the web app: the same service (lockout, audit) and the same per-IP rate
limit bucket as the API's session and token endpoints."""

from __future__ import annotations

import time

from django import forms
from django.contrib.auth import login, logout
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from rest_framework.throttling import ScopedRateThrottle

from apps.accounts.services.auth import (
    AccountLocked,
    LoginFailed,
    auth_login,
    auth_logout_audit,
    mfa_step_after_password,
)
from apps.accounts.services.mfa import mfa_challenge_issue
from apps.web.access import is_staff_user
from apps.web.middleware import SESSION_KEY

PATIENT_APP_PATH = "/app/"
PENDING_KEY = "web_mfa_pending"  # the signed challenge between the password and the code (views/mfa.py)


class LoginForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    password = forms.CharField(label=gettext_lazy("Password"), strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class _LoginThrottleScope:
    throttle_scope = "login"  # shares LOGIN_RATE's per-IP bucket with /api/v1/auth/…


def throttled_response(request, render_error):
    """Counts this attempt against ``LOGIN_RATE``; over it, the page ``render_error(message)`` with 429
    and Retry-After, else None."""
    throttle = ScopedRateThrottle()
    if throttle.allow_request(request, _LoginThrottleScope()):
        return None
    wait = max(1, int(throttle.wait() or 1))
    message = _("Too many sign-in attempts from this network. Try again in %(seconds)d seconds.") % {"seconds": wait}
    response = render_error(message)
    response["Retry-After"] = str(wait)
    return response


def home_for(user) -> str:
    if is_staff_user(user):
        return reverse("web:roster") if user.is_care_staff else reverse("web:practice")
    try:
        resolve(PATIENT_APP_PATH)
    except Resolver404:
        return reverse("web:patient-elsewhere")
    return PATIENT_APP_PATH


def _next_url(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return None


class LoginView(View):
    template_name = "web/login.html"

    def _render(self, request, form, *, error: str = "", status: int = 200):
        reason = request.GET.get("reason")
        notice = ""
        if reason == "idle":
            notice = _("You were signed out after a period of inactivity. Sign in again to continue.")
        elif reason == "signed_out":
            notice = _("You are signed out.")
        elif reason == "mfa_expired":
            notice = _("The sign-in step expired. Sign in again.")
        context = {"form": form, "error": error, "notice": notice, "next": _next_url(request) or ""}
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        if request.user.is_authenticated:
            return redirect(home_for(request.user))
        return self._render(request, LoginForm())

    def post(self, request):
        form = LoginForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        throttled = throttled_response(request, lambda message: self._render(request, form, error=message, status=429))
        if throttled is not None:
            return throttled
        try:
            user = auth_login(request=request, **form.cleaned_data)
        except AccountLocked as exc:
            return self._render(request, form, error=exc.message, status=423)
        except LoginFailed as exc:
            return self._render(request, form, error=exc.message, status=401)
        step = mfa_step_after_password(user)
        if step:
            request.session.cycle_key()
            request.session[PENDING_KEY] = {"challenge": mfa_challenge_issue(user), "next": _next_url(request) or ""}
            return redirect("web:mfa-verify" if step == "verify" else "web:mfa-enrol")
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[SESSION_KEY] = time.time()
        return redirect(_next_url(request) or home_for(user))


class LogoutView(View):
    def post(self, request):
        reason = "idle" if request.POST.get("reason") == "idle" else "signed_out"
        if request.user.is_authenticated:
            auth_logout_audit(user=request.user, method="idle" if reason == "idle" else "session")
            logout(request)
        return redirect(f"{reverse('web:login')}?reason={reason}")


class KeepaliveView(View):
    """The idle script calls this while the person is active; the middleware records the activity."""

    def post(self, request):
        return HttpResponse(status=204 if request.user.is_authenticated else 401)


class PatientElsewhereView(View):
    def get(self, request):
        return render(request, "web/patient_elsewhere.html")
