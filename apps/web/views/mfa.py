"""Two-step sign-in for staff in the web app: the code after the password, and setting up the
authenticator (QR code, the key to type, a code to confirm, recovery codes shown once).

Between the password and the code the session holds only the signed, short-lived challenge
(``apps.accounts.services.mfa``), never a signed-in user: the person is signed in after the code.
"""

from __future__ import annotations

import time

import segno
from django import forms
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from apps.accounts.models import User
from apps.accounts.selectors import mfa_recovery_codes_left
from apps.accounts.services.auth import AccountLocked
from apps.accounts.services.mfa import (
    ChallengeInvalid,
    MfaFailed,
    mfa_applies,
    mfa_challenge_user,
    mfa_enrol_confirm,
    mfa_enrol_start,
    mfa_verify,
)
from apps.core.errors import ServiceError
from apps.web.middleware import SESSION_KEY
from apps.web.views.auth import PENDING_KEY, home_for, throttled_response


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=32)

    def __init__(self, *args, recovery: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = (
            _("The 6 digits your authenticator app shows, or one of your recovery codes.")
            if recovery
            else _("The 6 digits your authenticator app shows now.")
        )
        self.fields["code"].widget.attrs.update({"autocomplete": "one-time-code", "autocapitalize": "none"})


def _pending_user(request) -> User | None:
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None
    try:
        return mfa_challenge_user(pending["challenge"])
    except ChallengeInvalid:
        request.session.pop(PENDING_KEY, None)
        return None


def _finish(request, user: User):
    pending = request.session.pop(PENDING_KEY, {})
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_KEY] = time.time()
    return pending.get("next") or home_for(user)


def _expired():
    return redirect(f"{reverse('web:login')}?reason=mfa_expired")


class MfaVerifyView(View):
    template_name = "web/mfa_verify.html"

    def _render(self, request, form, *, error: str = "", status: int = 200):
        return render(request, self.template_name, {"form": form, "error": error}, status=status)

    def get(self, request):
        if _pending_user(request) is None:
            return _expired()
        return self._render(request, CodeForm())

    def post(self, request):
        user = _pending_user(request)
        if user is None:
            return _expired()
        form = CodeForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        wait = throttled_response(request, lambda message: self._render(request, form, error=message, status=429))
        if wait is not None:
            return wait
        try:
            mfa_verify(user=user, code=form.cleaned_data["code"])
        except AccountLocked as exc:
            request.session.pop(PENDING_KEY, None)
            return self._render(request, CodeForm(), error=exc.message, status=423)
        except MfaFailed as exc:
            return self._render(request, CodeForm(), error=exc.message, status=401)
        return redirect(_finish(request, user))


class MfaEnrolView(View):
    """Set up the authenticator: during sign-in (the practice requires it) or when signed in."""

    template_name = "web/mfa_enrol.html"

    def _who(self, request) -> tuple[User | None, bool]:
        if request.user.is_authenticated:
            return (request.user if mfa_applies(request.user) else None), False
        return _pending_user(request), True

    def _render(self, request, user: User, form, *, status: int = 200):
        try:
            enrolment = mfa_enrol_start(user=user)
        except ServiceError:
            context = {"enrolled": True, "codes_left": mfa_recovery_codes_left(user)}
            return render(request, self.template_name, context, status=status)
        qr = segno.make(enrolment.uri, error="m").svg_inline(scale=4, title=_("Authenticator QR code"))
        key = " ".join(enrolment.secret[i : i + 4] for i in range(0, len(enrolment.secret), 4))
        context = {"form": form, "qr": qr, "key": key, "enrolled": False}
        response = render(request, self.template_name, context, status=status)
        response["Cache-Control"] = "no-store"
        return response

    def get(self, request):
        user, signing_in = self._who(request)
        if user is None:
            return _expired() if signing_in else redirect("web:home")
        return self._render(request, user, CodeForm(recovery=False))

    def post(self, request):
        user, signing_in = self._who(request)
        if user is None:
            return _expired() if signing_in else redirect("web:home")
        form = CodeForm(request.POST, recovery=False)
        if not form.is_valid():
            return self._render(request, user, form, status=400)
        try:
            codes = mfa_enrol_confirm(user=user, code=form.cleaned_data["code"])
        except ServiceError as exc:
            form.add_error("code", exc.message)
            return self._render(request, user, form, status=400)
        next_url = _finish(request, user) if signing_in else reverse("web:home")
        response = render(request, "web/mfa_recovery_codes.html", {"codes": codes, "next": next_url})
        response["Cache-Control"] = "no-store"  # shown once: not kept by the browser either
        return response
