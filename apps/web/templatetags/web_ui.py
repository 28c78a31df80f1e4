"""Display labels for the web app's templates (wording only; no rules)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

register = template.Library()

SOURCE_LABELS = {
    "phq9": _("PHQ-9 item 9"),
    "cssrs_screener": _("C-SSRS screener"),
    "risk_language": _("Risk language"),
    "reliable_deterioration": _("Reliable deterioration"),
    "missed_checkins": _("Missed check-ins"),
}
SEVERITY_ICONS = {"urgent": "\u25b2", "high": "\u25c6", "routine": "\u25cf"}  # ▲ ◆ ●
INSTRUMENT_LABELS = {"phq9": "PHQ-9", "gad7": "GAD-7", "cssrs_screener": "C-SSRS"}


@register.filter
def source_label(source: str) -> str:
    return SOURCE_LABELS.get(source, source.replace("_", " "))


@register.filter
def severity_icon(severity: str) -> str:
    return SEVERITY_ICONS.get(severity, "\u25cf")


@register.filter
def instrument_label(key: str) -> str:
    return INSTRUMENT_LABELS.get(key, key.upper())


@register.filter
def humanize_key(key: str) -> str:
    return str(key).replace("_", " ").capitalize()


@register.filter
def percent(value) -> str:
    return "" if value is None else f"{round(float(value) * 100)}%"


@register.filter
def minutes_until(when: dt.datetime | None) -> str:
    """'in 12 min' / '3 min ago' — the escalation timer's server-rendered text."""
    if when is None:
        return ""
    seconds = (when - timezone.now()).total_seconds()
    minutes = max(0, round(abs(seconds) / 60))
    if seconds >= 0:
        return ngettext("in %(n)d minute", "in %(n)d minutes", minutes) % {"n": minutes}
    return ngettext("%(n)d minute overdue", "%(n)d minutes overdue", minutes) % {"n": minutes}


@register.filter
def get_item(mapping, key):
    """Field errors by the API's field path (``goals``, ``goals.0.text``…): the first that starts with ``key``."""
    if not mapping:
        return None
    if key in mapping:
        return mapping[key]
    nested = [m for path, messages in mapping.items() if path.startswith(f"{key}.") for m in messages]
    return nested or None


# The session page's long lists (every sentence of the note with its evidence chips, every utterance of
# the transcripts) are built here with format_html rather than with template loops: at a few hundred
# utterances the template engine's per-node cost was most of the page's server time.


def _seconds(value) -> str:
    return floatformat(value, 1)


def _sentence(s: dict) -> SafeString:
    clinician = s.get("source") == "clinician"
    parts = [format_html('<span class="sentence{}">{}', " mark-clinician" if clinician else "", s["text"])]
    if clinician:
        parts.append(format_html('<span class="visually-hidden"> ({})</span>', _("written by the clinician")))
    if s.get("source") == "llm_unsupported":
        parts.append(format_html(' <span class="flag">{}</span>', _("not supported by the evidence")))
    elif s.get("source") == "llm":
        parts.append(format_html(' <span class="flag flag-info">{}</span>', _("LLM")))
    evidence = s.get("evidence") or []
    for e in evidence:
        if e["kind"] == "utterance":
            span = ""
            if e.get("start") is not None:
                span = f" {_seconds(e['start'])}–{_seconds(e['end'])} s"
            parts.append(
                format_html(
                    ' <a class="chip" href="#utt-{}" title="{} {}{}">#{}<span class="visually-hidden"> {}</span></a>',
                    e["ref"],
                    _("Utterance"),
                    e["ref"],
                    span,
                    e["ref"],
                    _("evidence"),
                )
            )
        else:
            parts.append(format_html(' <span class="chip chip-record" title="{}">{}</span>', e["ref"], _("record")))
    if not evidence and not clinician:
        parts.append(format_html(' <span class="flag">{}</span>', _("no evidence")))
    parts.append(mark_safe("</span> "))  # noqa: S308 - a literal closing tag
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped by format_html


@register.simple_tag
def note_sentences(sentences: list[dict]) -> SafeString:
    """One section's sentences: the text, who wrote it, its flags and its evidence chips."""
    return mark_safe("".join(_sentence(s) for s in sentences))  # noqa: S308 - built with format_html


SPEAKERS = (("clinician", _("Clinician")), ("patient", _("Patient")), ("other", _("Other")))


@register.simple_tag
def utterance_items(transcript) -> SafeString:
    """A transcript's utterances as list items; a recording's speakers are selectable for relabelling."""
    item = transcript.input
    recording = item.kind == "recording"
    label = _("Speaker of utterance")
    out = []
    for u in transcript.utterances:
        meta = f"#{u['ref']}" if u.get("ref") is not None else ""
        if u.get("start") is not None:
            meta += f" {_seconds(u['start'])}–{_seconds(u.get('end'))} s"
        if recording:
            options = format_html_join(
                "\n          ",
                '<option value="{}"{}>{}</option>',
                ((key, mark_safe(" selected") if u.get("speaker") == key else "", text) for key, text in SPEAKERS),  # noqa: S308
            )
            speaker = format_html(
                '<label class="visually-hidden" for="spk-{0}-{1}">{2} {1}</label>\n'
                '        <select id="spk-{0}-{1}" name="speaker-{1}">\n          {3}\n        </select>',
                item.pk,
                u.get("index"),
                label,
                options,
            )
        else:
            speaker = format_html("<strong>{}</strong>", capfirst(u.get("speaker", "")))
        out.append(
            format_html(
                '<li{} tabindex="-1"><span class="small muted">{}</span>\n        {}\n        {}</li>',
                format_html(' id="utt-{}"', u["ref"]) if u.get("ref") is not None else "",
                meta,
                speaker,
                u.get("text", ""),
            )
        )
    return mark_safe("\n    ".join(out))  # noqa: S308 - every item is built with format_html


def _day(value, fmt: str) -> str:
    return dateformat.format(timezone.localtime(value) if isinstance(value, dt.datetime) else value, fmt)


def _one_decimal(value) -> str:
    return "" if value is None else floatformat(value, 1)


def _timeline_body(item, journals_url: str) -> SafeString:
    s = item.summary
    if item.kind == "checkin":
        text = _("mood %(m)s, anxiety %(a)s, energy %(e)s") % {"m": s["mood"], "a": s["anxiety"], "e": s["energy"]}
        if s["sleep_hours"] is not None:
            text += ", " + _("slept %(s)s h") % {"s": s["sleep_hours"]}
        return format_html("<strong>{}</strong>: {}", _("Check-in"), text)
    if item.kind == "checkin_week":
        week = s["week"].isoformat()
        text = _("mood %(m)s on average (lowest %(low)s), anxiety %(a)s, energy %(e)s") % {
            "m": _one_decimal(s["mood"]),
            "low": s["lowest_mood"],
            "a": _one_decimal(s["anxiety"]),
            "e": _one_decimal(s["energy"]),
        }
        if s["sleep_hours"] is not None:
            text += ", " + _("slept %(s)s h") % {"s": _one_decimal(s["sleep_hours"])}
        count = ngettext("%(n)d check-in", "%(n)d check-ins", s["count"]) % {"n": s["count"]}
        return format_html(
            '<strong>{}</strong>, {}–{}: {}\n      <a href="?week={}" hx-get="?week={}" hx-select="#week-items > li" '
            'hx-target="#week-{}" hx-swap="innerHTML">{}<span class="visually-hidden"> ({})</span></a>\n'
            '      <ol class="timeline week-detail" id="week-{}" aria-live="polite"></ol>',
            count,
            _day(s["first"], "j M"),
            _day(s["last"], "j M Y"),
            text,
            week,
            week,
            week,
            _("Show each day"),
            _("week of %(d)s") % {"d": _day(s["week"], "j M Y")},
            week,
        )
    if item.kind == "questionnaire":
        change = format_html(" — {} {}", _("reliable"), s["reliable_change"]) if s.get("reliable_change") else ""
        risk = ""
        if s.get("risk"):
            risk = format_html(
                ' <span class="severity severity-urgent"><span aria-hidden="true">▲</span> {}</span>',
                ", ".join(s["risk"]),
            )
        total = "" if s["total"] is None else s["total"]
        return format_html(
            "<strong>{}</strong>: {} {}{}{}", instrument_label(s["instrument"]), total, s["band"], change, risk
        )
    if item.kind == "journal":
        seconds = f", {floatformat(s['audio_seconds'], 0)} s" if s.get("audio_seconds") else ""
        return format_html(
            '<strong>{}</strong> ({}{}) <a href="{}">{}</a>',
            _("Shared journal entry"),
            s["entry_kind"],
            seconds,
            journals_url,
            _("Read"),
        )
    if item.kind == "alert":
        outcome = f" ({humanize_key(s['outcome'])})" if s.get("outcome") else ""
        return format_html(
            '<span class="severity severity-{}"><span aria-hidden="true">{}</span> {}</span> '
            '<a href="{}">{} {}</a> — {}{}',
            s["severity"],
            severity_icon(s["severity"]),
            capfirst(s["severity"]),
            reverse("web:alert", args=[s["id"]]),
            source_label(s["source"]),
            _("alert"),
            s["state"],
            outcome,
        )
    if item.kind == "safety_plan":
        return format_html("<strong>{}</strong> {}", _("Safety plan"), _("version %(v)s") % {"v": s["version"]})
    if item.kind == "treatment_plan":
        version = _("version %(v)s") % {"v": s["version"]}
        return format_html("<strong>{}</strong> {} ({})", _("Treatment plan"), version, s["status"])
    if item.kind == "session":
        return format_html("<strong>{}</strong> ({})", _("Session"), s["modality"])
    return SafeString("")


@register.simple_tag
def timeline_items(items, patient) -> SafeString:
    """The timeline's list items (built here rather than in a template loop: a year's timeline has
    well over a hundred items and the template engine's per-node cost dominated the page)."""
    journals_url = reverse("web:patient-journals", args=[patient.pk])
    return mark_safe(  # noqa: S308 - every item is built with format_html
        "\n".join(
            format_html(
                '<li class="tl-{}">\n    <time datetime="{}">{}</time>\n    {}\n  </li>',
                item.kind,
                timezone.localtime(item.at).isoformat(),
                _day(item.at, "D j M, H:i"),
                _timeline_body(item, journals_url),
            )
            for item in items
        )
    )
