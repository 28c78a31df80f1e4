"""Join (enrolment code, password), sign-in, consent, sign-out: thin adapters over the accounts services."""

from __future__ import annotations

from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.api_consent import consent_state
from apps.accounts.door import audited_patient_read, own_patient
from apps.accounts.models import ConsentDecision, ConsentDocument, ConsentKind
from apps.accounts.services.auth import auth_login, auth_logout_audit
from apps.accounts.services.consent import consent_decide
from apps.accounts.services.enrolment import invitation_redeem
from apps.core.errors import ServiceError
from apps.patient_app import services
from apps.patient_app.forms import JoinForm, SignInForm
from apps.patient_app.lock import session_unlocked_now
from apps.patient_app.web import app_view


def add_service_error(form, exc: ServiceError, default_field: str | None = None) -> None:
    """A service's refusal shown next to the field it names (the API's field paths), else on the form."""
    for field, messages in (getattr(exc, "fields", None) or {exc.field: [exc.message]}).items():
        target = field if field in form.fields else default_field
        for message in messages if isinstance(messages, list) else [messages]:
            form.add_error(target if target in form.fields else None, str(message))


@app_view(signed_in=False)
def join(request):
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = invitation_redeem(code=data["code"], username=data["username"], password=data["password"])
        except ServiceError as exc:
            add_service_error(form, exc, "code")
        else:
            services.device_session_start(request=request, user=user)
            return redirect(reverse("patient_app:consent") + "?welcome=1")
    return render(request, "patient_app/join.html", {"form": form}, status=400 if form.errors else 200)


@app_view(signed_in=False)
def signin(request):
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = auth_login(request=request, **form.cleaned_data)
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            if not user.is_patient:
                form.add_error(None, _("This app is for patients. Staff sign in to the clinician app."))
                return render(request, "patient_app/signin.html", {"form": form}, status=400)
            services.device_session_start(request=request, user=user)
            session_unlocked_now(request)
            return redirect("patient_app:today")
    return render(request, "patient_app/signin.html", {"form": form}, status=400 if form.errors else 200)


def clear_site_data(response: HttpResponse) -> HttpResponse:
    # The offline copies (cached pages, queued entries) belong to this person: a shared phone must not keep them.
    response["Clear-Site-Data"] = '"cache", "storage"'
    return response


@require_POST
@app_view()
def signout(request):
    auth_logout_audit(user=request.user, method="session")
    services.device_session_end(request=request)
    logout(request)
    return clear_site_data(redirect("patient_app:signin"))


@require_POST
@app_view()
def signout_everywhere(request):
    services.device_sessions_end_all(user=request.user)
    logout(request)
    return clear_site_data(redirect("patient_app:signin"))


EXPLANATIONS = {
    ConsentKind.AI_PROCESSING: (
        _(
            "If you accept: your entries are transcribed and analysed on your practice's server, and your care "
            "team sees patterns and early signs that you may need support."
        ),
        _(
            "If you decline: your recordings are kept but not transcribed, and no patterns are found. Your care "
            "does not change."
        ),
    ),
    ConsentKind.JOURNAL_SHARING: (
        _("If you accept: new entries are shared with your care team unless you say otherwise for an entry."),
        _("If you decline: your entries stay private to you and you cannot share them."),
    ),
    ConsentKind.SESSION_RECORDING: (
        _("If you accept: your clinician may record sessions to help write notes."),
        _("If you decline: sessions are not recorded. Your care does not change."),
    ),
}


def consent_rows(patient) -> list[dict]:
    documents = {}
    for doc in ConsentDocument.objects.filter(practice_id=patient.practice_id).order_by("kind", "-version"):
        documents.setdefault(doc.kind, doc)
    rows = []
    for state in consent_state(patient):
        document = documents.get(state["kind"])
        if document is None:
            continue
        current = state["current"]
        accept, decline = EXPLANATIONS.get(state["kind"], ("", ""))
        rows.append(
            {
                "kind": state["kind"],
                "document": document,
                "decided": current is not None and not state["needs_review"],
                "granted": state["granted"],
                "accept_means": accept,
                "decline_means": decline,
            }
        )
    return rows


@app_view()
def consent(request):
    patient = own_patient(request.user)
    if request.method == "POST":
        try:
            if request.POST.get("decision") not in ConsentDecision.values:
                raise ValueError("decision")
            consent_decide(
                actor=request.user,
                patient=patient,
                kind=request.POST.get("kind", ""),
                version=int(request.POST.get("version", "0") or 0),
                decision=request.POST.get("decision", ""),
            )
        except (ServiceError, ValueError):
            return render(
                request,
                "patient_app/consent.html",
                {"rows": consent_rows(patient), "error": _("That choice could not be saved. Please choose again.")},
                status=400,
            )
        return redirect(reverse("patient_app:consent") + ("?welcome=1" if request.GET.get("welcome") else ""))
    audited_patient_read(request.user, patient, object_type="consent", data_category="consent")
    rows = consent_rows(patient)
    return render(
        request,
        "patient_app/consent.html",
        {"rows": rows, "welcome": bool(request.GET.get("welcome")), "all_decided": all(r["decided"] for r in rows)},
    )
