"""Sessions and notes: create, add inputs (typed summary, dictation, recording upload or the browser
recorder), transcript with speaker relabelling, the note editor with evidence, sign, amend, versions.

Thin adapters over apps.notes.services.* / processing / selectors and the API's serializers for
validation, so errors name the API's field paths. Reads are audited like the API's.
"""

from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View

from apps.accounts.models import ConsentKind
from apps.accounts.selectors import consent_is_granted
from apps.core.errors import Conflict, ServiceError
from apps.core.http_errors import status_for
from apps.notes import processing
from apps.notes.models import ClinicalSession, Modality, NoteStatus
from apps.notes.selectors import (
    not_screened_inputs,
    note_templates_list,
    session_transcripts,
    sign_check,
    versions_diff,
)
from apps.notes.serializers import AmendSerializer, InputCreateSerializer, NoteEditSerializer, SessionSerializer
from apps.notes.services.drafts import note_draft_generate
from apps.notes.services.risk_review import note_risk_review_decide, review_items_with_text
from apps.notes.services.sessions import (
    CATEGORY,
    clinical_session_create,
    session_input_add_audio,
    session_input_add_typed,
)
from apps.notes.services.versions import note_amend, note_edit, note_sign, note_version_choose
from apps.web.access import audited_read, scoped
from apps.web.views.patients import PatientPageMixin


def _errors(serializer) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, messages in serializer.errors.items():
        if isinstance(messages, dict):
            for sub, inner in messages.items():
                out[f"{key}.{sub}"] = [str(m) for m in inner]
        else:
            out[key] = [str(m) for m in messages]
    return out


def _json_refusal(exc: ServiceError) -> JsonResponse:
    body = {"error": {"code": exc.error_code, "message": exc.message, "fields": {}}}
    return JsonResponse(body, status=status_for(exc))


def _live_mode(user, session: ClinicalSession, note) -> dict | None:
    """Live mode is offered to the care staff who can open the session (the page's scope is the socket's)
    until its note is signed; the cue panel only to those who opted in to cues."""
    if not user.is_care_staff or (note is not None and note.status == NoteStatus.SIGNED):
        return None
    return {
        "socket_path": f"/ws/sessions/{session.pk}/live/",
        # The opt-in the live socket reads at start (the clinician's LiveCuePreference, set on their
        # settings page): cues go only to a clinician who turned them on. Absent means off.
        "cues_enabled": bool(getattr(getattr(user, "live_cues", None), "cues_enabled", False)),
    }


class SessionListView(PatientPageMixin, View):
    tab = "sessions"

    def get(self, request, patient_pk, errors=None, status=200):
        patient = self.get_patient(request, patient_pk)
        sessions = audited_read(
            request.user,
            scoped(ClinicalSession.objects.filter(patient=patient), request.user).order_by("-started_at")[:100],
            object_type="clinical_session",
            data_category=CATEGORY,
            patient=patient,
        )
        context = {
            "sessions": sessions,
            "modalities": Modality.choices,
            "templates": note_templates_list(request.user.practice_id),
            "default_template": ClinicalSession._meta.get_field("template_key").default,
            "errors": errors or {},
            "posted": request.POST if errors else {},
            "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        }
        return self.page(request, patient, "web/sessions/list.html", context, status=status)

    def post(self, request, patient_pk):
        patient = self.get_patient(request, patient_pk)
        posted = {k: request.POST[k] for k in ("started_at", "modality", "template_key") if request.POST.get(k)}
        data = SessionSerializer(data=posted)
        if not data.is_valid():
            return self.get(request, patient_pk, errors=_errors(data), status=400)
        try:
            session = clinical_session_create(actor=request.user, patient=patient, **data.validated_data)
        except ServiceError as exc:
            field = exc.field or "non_field_errors"
            return self.get(request, patient_pk, errors={field: [exc.message]}, status=status_for(exc))
        return redirect("web:session", patient_pk=patient.pk, pk=session.pk)


class SessionMixin(PatientPageMixin):
    tab = "sessions"

    def get_session(self, request, patient_pk, pk) -> ClinicalSession:
        patient = self.get_patient(request, patient_pk)
        sessions = scoped(ClinicalSession.objects.select_related("patient", "clinician"), request.user)
        return get_object_or_404(sessions, pk=pk, patient=patient)

    @staticmethod
    def latest_note(session: ClinicalSession):
        """The session's current note (its latest version); a session without one is a 404."""
        note = session.notes.order_by("-version").first()
        if note is None:
            raise Http404
        return note

    def render_session(self, request, session, *, errors=None, message="", status=200, show_sign=False):
        notes = list(session.notes.order_by("version"))
        note = notes[-1] if notes else None
        transcripts = session_transcripts(session=session)
        if note is not None:
            audited_read(request.user, notes, object_type="note", data_category=CATEGORY, patient=session.patient)
        audited_read(
            request.user,
            [t.input for t in transcripts],
            object_type="session_input",
            data_category=CATEGORY,
            patient=session.patient,
        )
        utterances = {u["ref"]: u for t in transcripts for u in t.utterances if u["ref"] is not None}
        sections = []
        for section in note.sections if note else []:
            sentences = [
                {**s, "cited": [utterances.get(e["ref"]) for e in s.get("evidence", []) if e["kind"] == "utterance"]}
                for s in section["sentences"]
            ]
            text = " ".join(s["text"] for s in section["sentences"])
            sections.append({**section, "sentences": sentences, "text": text})
        diffs = [
            (older, newer, versions_diff(older=older, newer=newer))
            for older, newer in zip(notes, notes[1:], strict=False)
        ]
        context = {
            "session": session,
            "note": note,
            "notes": notes,
            "sections": sections,
            "transcripts": transcripts,
            "recording_allowed": consent_is_granted(patient_id=session.patient_id, kind=ConsentKind.SESSION_RECORDING),
            "processing": any(t.input.status not in ("done", "failed") for t in transcripts),
            "check": sign_check(note=note) if note and note.status == NoteStatus.DRAFT else None,
            "risk_review": review_items_with_text(note) if note else [],
            "show_sign": show_sign,
            "diffs": diffs,
            "errors": errors or {},
            "posted": request.POST if errors else {},
            "message": message,
            "is_session_clinician": request.user.pk == session.clinician_id,
            "live_mode": _live_mode(request.user, session, note),
            "not_screened": sorted({n["language"] for n in not_screened_inputs(session=session)}),
        }
        return self.page(request, session.patient, "web/sessions/detail.html", context, status=status)

    def done(self, request, session, message: str):
        request.session["web_session_message"] = message
        return redirect("web:session", patient_pk=session.patient_id, pk=session.pk)

    def refused(self, request, session, exc: ServiceError):
        field = exc.field or "non_field_errors"
        return self.render_session(request, session, errors={field: [exc.message]}, status=status_for(exc))


class SessionView(SessionMixin, View):
    def get(self, request, patient_pk, pk):
        session = self.get_session(request, patient_pk, pk)
        message = request.session.pop("web_session_message", "")
        if request.GET.get("live") == "done":  # live_session.js opens the page so when the live draft is written
            message = message or "live_done"
        return self.render_session(request, session, message=message, show_sign=request.GET.get("sign") == "1")


class SessionInputView(SessionMixin, View):
    """Typed summary, dictation or recording (file upload, or the browser recorder posting the same form)."""

    def post(self, request, patient_pk, pk):
        session = self.get_session(request, patient_pk, pk)
        posted = {"kind": request.POST.get("kind", "")}
        if request.POST.get("text"):
            posted["text"] = request.POST["text"]
        if request.FILES.get("audio"):
            posted["audio"] = request.FILES["audio"]
        data = InputCreateSerializer(data=posted)
        wants_json = request.headers.get("Accept") == "application/json"
        if not data.is_valid():
            if wants_json:
                return JsonResponse({"error": {"code": "validation_error", "fields": _errors(data)}}, status=400)
            return self.render_session(request, session, errors=_errors(data), status=400)
        try:
            if data.validated_data["kind"] == "typed":
                session_input_add_typed(actor=request.user, session=session, text=data.validated_data["text"])
            else:
                session_input_add_audio(
                    actor=request.user,
                    session=session,
                    kind=data.validated_data["kind"],
                    audio_file=data.validated_data["audio"],
                )
        except ServiceError as exc:  # audio rejections are typed service errors too (field "audio")
            return _json_refusal(exc) if wants_json else self.refused(request, session, exc)
        if wants_json:
            url = reverse("web:session", kwargs={"patient_pk": session.patient_id, "pk": session.pk})
            return JsonResponse({"ok": True, "url": url}, status=202)
        return self.done(request, session, "input_added")


class RelabelView(SessionMixin, View):
    def post(self, request, patient_pk, pk, input_pk):
        session = self.get_session(request, patient_pk, pk)
        item = get_object_or_404(session.inputs, pk=input_pk)
        labels = {}
        for key, value in request.POST.items():
            if key.startswith("speaker-") and value in ("clinician", "patient", "other"):
                try:
                    labels[int(key.removeprefix("speaker-"))] = value
                except ValueError:
                    continue
        try:
            processing.session_input_speakers_relabel(actor=request.user, item=item, labels=labels)
        except ServiceError as exc:
            return self.refused(request, session, exc)
        return self.done(request, session, "relabelled")


class NoteEditView(SessionMixin, View):
    def post(self, request, patient_pk, pk):
        session = self.get_session(request, patient_pk, pk)
        note = self.latest_note(session)
        sections = {k.removeprefix("section-"): v for k, v in request.POST.items() if k.startswith("section-")}
        serializer = AmendSerializer if note.status == NoteStatus.SIGNED else NoteEditSerializer
        payload = {"sections": sections}
        if note.status == NoteStatus.SIGNED:
            payload["reason"] = request.POST.get("reason", "")
        data = serializer(data=payload)
        if not data.is_valid():
            return self.render_session(request, session, errors=_errors(data), status=400)
        try:
            if note.status == NoteStatus.SIGNED:
                note_amend(actor=request.user, note=note, reason=data.validated_data["reason"], sections=sections)
                message = "amended"
            else:
                note_edit(actor=request.user, note=note, sections=sections)
                message = "saved"
        except ServiceError as exc:
            return self.refused(request, session, exc)
        return self.done(request, session, message)


class NoteSignView(SessionMixin, View):
    def post(self, request, patient_pk, pk):
        session = self.get_session(request, patient_pk, pk)
        note = self.latest_note(session)
        if request.POST.get("confirm") != "yes":
            url = reverse("web:session", kwargs={"patient_pk": session.patient_id, "pk": session.pk})
            return redirect(f"{url}?sign=1#sign-dialog")
        try:
            note_sign(actor=request.user, note=note)
        except ServiceError as exc:
            return self.refused(request, session, exc)
        return self.done(request, session, "signed")


class NoteRiskReviewView(SessionMixin, View):
    """Confirm (raises the alert) or dismiss one possible risk item held for the clinician's review."""

    def post(self, request, patient_pk, pk):
        session = self.get_session(request, patient_pk, pk)
        note = self.latest_note(session)
        try:
            item_id = int(request.POST.get("item", ""))
        except ValueError:
            raise Http404 from None
        try:
            note_risk_review_decide(
                actor=request.user,
                note=note,
                item_id=item_id,
                decision=request.POST.get("decision", ""),
                reason=request.POST.get("reason", ""),
            )
        except ServiceError as exc:
            return self.refused(request, session, exc)
        return self.done(request, session, "risk_reviewed")


class NoteRedraftView(SessionMixin, View):
    def post(self, request, patient_pk, pk):
        session = self.get_session(request, patient_pk, pk)
        note = note_draft_generate(session=session)
        if note is None:
            return self.refused(request, session, Conflict("The note is signed; amend it instead.", code="signed"))
        return self.done(request, session, "redrafted")


class NoteVersionChooseView(SessionMixin, View):
    """ "Use this version" beside a draft of another pass: it becomes the current draft (audited)."""

    def post(self, request, patient_pk, pk, version):
        session = self.get_session(request, patient_pk, pk)
        note = get_object_or_404(session.notes, version=version)
        try:
            note_version_choose(actor=request.user, note=note)
        except ServiceError as exc:
            return self.refused(request, session, exc)
        return self.done(request, session, "chosen")
