"""The app lock: the lock screen (PIN, with the crisis lines and the safety plan one tap away) and
Me → app lock (turn on, change, turn off; the password confirms). Rules in ``apps.patient_app.lock``."""

from __future__ import annotations

import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.door import own_patient
from apps.alerts.support import support_for
from apps.core.errors import Forbidden, ServiceError
from apps.patient_app import lock
from apps.patient_app import lock_passkeys as passkeys
from apps.patient_app.forms import AppLockForm, AppLockRemoveForm, UnlockForm
from apps.patient_app.selectors import app_lock_get, lock_passkey_exists, lock_passkeys_count
from apps.patient_app.views.account import add_service_error, clear_site_data
from apps.patient_app.web import app_view


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False)
    return target if safe and target.startswith("/app/") and not target.startswith("/app/lock/") else "/app/"


@app_view()
def lock_screen(request):
    if not request.session.get(lock.LOCKED_KEY):
        return redirect(_next(request))
    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = lock.app_lock_unlock(request=request, pin=form.cleaned_data["pin"])
        if result.unlocked:
            return redirect(_next(request))
        if result.signed_out:
            response = redirect(reverse("patient_app:signin") + "?reason=pin")
            return clear_site_data(response)
        form.add_error(
            "pin",
            _("That PIN is not right. %(left)d more wrong tries and you will need to sign in with your password.")
            % {"left": result.attempts_left},
        )
    context = {
        "form": form,
        "next": _next(request),
        "support": support_for(own_patient(request.user)),
        "has_passkey": lock_passkey_exists(user=request.user),
    }
    return render(request, "patient_app/lock.html", context, status=400 if form.errors else 200)


def _json_error(exc: ServiceError) -> JsonResponse:
    fields = getattr(exc, "fields", None) or ({exc.field: [exc.message]} if exc.field else {})
    status = 403 if isinstance(exc, Forbidden) else 400
    return JsonResponse({"error": {"code": exc.error_code, "message": exc.message, "fields": fields}}, status=status)


def _body(request) -> dict:
    try:
        value = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


@require_POST
@app_view()
def passkey_options(request, purpose: str):
    """Options for navigator.credentials.create (``register``) or .get (``unlock``)."""
    try:
        if purpose == "register":
            if request.session.get(lock.LOCKED_KEY):
                raise Forbidden("Unlock first.")
            body = passkeys.passkey_registration_options(request=request)
        else:
            body = passkeys.passkey_unlock_options(request=request)
    except ServiceError as exc:
        return _json_error(exc)
    return HttpResponse(body, content_type="application/json")


@require_POST
@app_view()
def passkey_verify(request, purpose: str):
    credential = _body(request)
    try:
        if purpose == "register":
            if request.session.get(lock.LOCKED_KEY):
                raise Forbidden("Unlock first.")
            passkeys.passkey_register(request=request, credential=credential)
            return JsonResponse({"ok": True}, status=201)
        passkeys.passkey_unlock(request=request, credential=credential)
    except ServiceError as exc:
        return _json_error(exc)
    return JsonResponse({"ok": True, "next": _next(request)})


@require_POST
@app_view()
def lock_now(request):
    lock.app_lock_now(request=request)
    return redirect(reverse("patient_app:lock") + "?next=/app/")


@require_POST
@app_view()
def keepalive(request):
    """The page says the patient is using it (typing a long entry without navigating)."""
    return HttpResponse(status=204)


@app_view()
def lock_settings(request):
    current = app_lock_get(user=request.user)
    removing = request.method == "POST" and request.POST.get("action") == "remove"
    form = AppLockForm(None if removing else request.POST or None, initial={"idle_minutes": 5})
    remove_form = AppLockRemoveForm(request.POST if removing else None)
    if request.method == "POST":
        chosen = remove_form if removing else form
        if chosen.is_valid():
            if not request.user.check_password(chosen.cleaned_data["password"]):
                chosen.add_error("password", _("That password is not right."))
            elif removing:
                lock.app_lock_remove(user=request.user)
                return redirect(reverse("patient_app:lock_settings") + "?saved=off")
            else:
                try:
                    lock.app_lock_set(
                        user=request.user,
                        pin=form.cleaned_data["pin"],
                        idle_minutes=form.cleaned_data["idle_minutes"],
                    )
                except ServiceError as exc:
                    add_service_error(form, exc)
                else:
                    lock.session_unlocked_now(request)
                    return redirect(reverse("patient_app:lock_settings") + "?saved=on")
    failed = form.errors or remove_form.errors
    context = {
        "form": form,
        "remove_form": remove_form,
        "current": current,
        "saved": request.GET.get("saved"),
        "passkeys": lock_passkeys_count(user=request.user),
    }
    return render(request, "patient_app/lock_settings.html", context, status=400 if failed else 200)
