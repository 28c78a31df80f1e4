"""The voice journal: the recorder page and my entries (read, share, delete my transcript). Uploads go
through the outbox to the API (``/api/v1/me/journals/``), so they survive a lost connection."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.door import audited_read, own_patient, scoped
from apps.accounts.models import ConsentKind
from apps.accounts.selectors import consent_is_granted
from apps.journals import services as journal_services
from apps.journals.selectors import journal_entries_of
from apps.patient_app.forms import TypedJournalForm
from apps.patient_app.web import app_view

RECENT = 20


def _consents(patient) -> dict:
    return {
        "sharing_allowed": consent_is_granted(patient_id=patient.pk, kind=ConsentKind.JOURNAL_SHARING),
        "transcription_allowed": consent_is_granted(patient_id=patient.pk, kind=ConsentKind.AI_PROCESSING),
    }


@app_view()
def journal(request):
    """Without JavaScript, the typed entry posts here (same service and id rules as the API)."""
    patient = own_patient(request.user)
    form = TypedJournalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        journal_services.journal_entry_create_text(
            actor=request.user,
            patient=patient,
            id=data["id"],
            occurred_at=data["occurred_at"] or timezone.now(),
            timezone=data["timezone"],
            text=data["text"],
        )
        return redirect("patient_app:journal")
    entries = audited_read(
        request.user,
        journal_entries_of(patient=patient)[:RECENT],
        object_type="journal_entry",
        data_category="journal",
        patient=patient,
    )
    return render(
        request,
        "patient_app/journal.html",
        {"entries": entries, "form": form, **_consents(patient)},
        status=400 if form.errors else 200,
    )


def _own_entry(request, pk) -> tuple:
    patient = own_patient(request.user)
    return patient, get_object_or_404(scoped(journal_entries_of(patient=patient), request.user), pk=pk)


@app_view()
def journal_entry(request, pk):
    patient, entry = _own_entry(request, pk)
    audited_read(request.user, [entry], object_type="journal_entry", data_category="journal", patient=patient)
    return render(request, "patient_app/journal_entry.html", {"entry": entry, **_consents(patient)})


@require_POST
@app_view()
def journal_entry_share(request, pk):
    patient, entry = _own_entry(request, pk)
    shared = request.POST.get("shared") == "true"
    if shared and not consent_is_granted(patient_id=patient.pk, kind=ConsentKind.JOURNAL_SHARING):
        return render(request, "patient_app/journal_entry.html", {"entry": entry, **_consents(patient)}, status=409)
    journal_services.journal_entry_set_shared(actor=request.user, entry=entry, shared=shared)
    return redirect("patient_app:journal_entry", pk=entry.pk)


@require_POST
@app_view()
def journal_entry_delete(request, pk):
    _, entry = _own_entry(request, pk)
    journal_services.journal_entry_delete(actor=request.user, entry=entry)
    return redirect("/app/journal/?deleted=1")
