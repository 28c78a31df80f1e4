"""Me → your data: download everything (the export job) and erase the record. Thin adapters over
``apps.privacy.services`` and ``apps.privacy.selectors``, through the door like every page."""

from __future__ import annotations

from django.contrib.auth import logout
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.door import audited_export, own_patient, scoped
from apps.accounts.models import PatientExport
from apps.core.errors import ServiceError
from apps.patient_app.views.account import clear_site_data
from apps.patient_app.web import app_view
from apps.privacy.selectors import erasure_statement, patient_export_open
from apps.privacy.services.erasure import patient_erase
from apps.privacy.services.export import patient_export_request


@require_POST
@app_view()
def export_start(request):
    patient = own_patient(request.user)
    try:
        patient_export_request(actor=request.user, patient=patient)
    except ServiceError:
        pass  # one is being prepared already: the Me page shows its progress
    return redirect("/app/me/#data-title")


@app_view()
def export_download(request, pk):
    patient = own_patient(request.user)
    export = scoped(PatientExport.objects.filter(pk=pk, patient=patient), request.user).first()
    if export is None:
        raise Http404
    try:
        chunks = patient_export_open(export=export)
    except ServiceError:
        return redirect("/app/me/?export=expired#data-title")
    audited_export(request.user, export, patient_id=patient.pk, object_type="patient_export", data_category="export")
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="interlude-export-{export.created_at:%Y-%m-%d}.zip"'
    return response


@app_view()
def erase(request):
    patient = own_patient(request.user)
    statement = erasure_statement(patient)
    if request.method == "POST":
        if request.POST.get("confirm") != "on":
            context = {"statement": statement, "error": True}
            return render(request, "patient_app/erase.html", context, status=400)
        patient_erase(actor=request.user, patient=patient)
        logout(request)
        return clear_site_data(render(request, "patient_app/erased.html", {"statement": statement}))
    return render(request, "patient_app/erase.html", {"statement": statement, "error": False})
