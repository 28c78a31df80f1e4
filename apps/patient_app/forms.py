"""Forms for the pages that also work without JavaScript (join, sign-in, check-in, typed journal,
safety plan). Field names match the API's, so service errors land next to the right field."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.plans.models import SAFETY_PLAN_SECTIONS

SCALE = [(n, str(n)) for n in range(11)]


class JoinForm(forms.Form):
    code = forms.CharField(
        label=_("Enrolment code"),
        max_length=20,
        help_text=_("The 8-letter code from your clinician, like ABCD-EFGH."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}),
    )
    username = forms.CharField(
        label=_("Choose a username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        help_text=_("At least 10 characters. Not a common password."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Type the password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords are different."))
        return data


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("Username"), widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"})
    )
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class ClientStampedForm(forms.Form):
    """The app's own id and the local time and zone of the event (the API's offline contract)."""

    id = forms.UUIDField(widget=forms.HiddenInput)
    occurred_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)
    timezone = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_timezone(self) -> str:
        value = self.cleaned_data.get("timezone") or "UTC"
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise forms.ValidationError(_("Unknown time zone.")) from exc
        return value


class CheckinForm(ClientStampedForm):
    mood = forms.TypedChoiceField(label=_("Mood"), choices=SCALE, coerce=int, widget=forms.RadioSelect)
    anxiety = forms.TypedChoiceField(label=_("Anxiety"), choices=SCALE, coerce=int, widget=forms.RadioSelect)
    energy = forms.TypedChoiceField(label=_("Energy"), choices=SCALE, coerce=int, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=5000, widget=forms.Textarea)


class TypedJournalForm(ClientStampedForm):
    text = forms.CharField(label=_("Write your entry"), max_length=20000, widget=forms.Textarea)


SECTION_LABELS = {
    "warning_signs": _("Warning signs that a crisis may be developing"),
    "internal_coping": _("Things I can do on my own to take my mind off problems"),
    "distraction_people_places": _("People and places that help me feel better"),
    "people_to_ask_for_help": _("People I can ask for help"),
    "professionals_and_crisis_lines": _("Professionals and crisis lines I can contact"),
    "making_environment_safer": _("Making my surroundings safer"),
    "reasons_for_living": _("My reasons for living"),
}


class SafetyPlanForm(forms.Form):
    """One textarea per Stanley-Brown section, one item per line."""

    def __init__(self, *args, initial_content: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for section in SAFETY_PLAN_SECTIONS:
            self.fields[section] = forms.CharField(
                label=SECTION_LABELS.get(section, section),
                required=False,
                help_text=_("One item per line."),
                widget=forms.Textarea(attrs={"rows": 3}),
                initial="\n".join((initial_content or {}).get(section, [])),
            )

    def content(self) -> dict[str, list[str]]:
        return {
            section: [line.strip()[:500] for line in self.cleaned_data.get(section, "").splitlines() if line.strip()][
                :30
            ]
            for section in SAFETY_PLAN_SECTIONS
        }


TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ReminderSettingsForm(forms.Form):
    """The time of each of the patient's reminders (their local time) and optional quiet hours."""

    quiet_start = forms.TimeField(label=_("Quiet from"), required=False, widget=TIME_INPUT)
    quiet_end = forms.TimeField(label=_("Quiet until"), required=False, widget=TIME_INPUT)

    def __init__(self, *args, schedules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.schedules = list(schedules)
        for schedule in self.schedules:
            self.fields[f"time_{schedule.kind}"] = forms.TimeField(
                label=SCHEDULE_LABELS.get(schedule.kind, schedule.kind),
                initial=schedule.time_of_day,
                widget=TIME_INPUT,
            )

    def clean(self):
        data = super().clean()
        if bool(data.get("quiet_start")) != bool(data.get("quiet_end")):
            self.add_error("quiet_end", _("Give both a start and an end, or leave both empty."))
        elif data.get("quiet_start") and data["quiet_start"] == data.get("quiet_end"):
            self.add_error("quiet_end", _("Quiet hours must start and end at different times."))
        return data


SCHEDULE_LABELS = {
    "mood": _("Daily check-in reminder"),
    "phq9": _("Mood questionnaire (PHQ-9) reminder"),
    "gad7": _("Anxiety questionnaire (GAD-7) reminder"),
    "cssrs_screener": _("Safety questions reminder"),
}


PIN_INPUT = forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]*"})


class UnlockForm(forms.Form):
    pin = forms.CharField(label=_("Your PIN"), max_length=8, widget=PIN_INPUT)


class AppLockForm(forms.Form):
    """Turn the lock on or change it; the account password confirms it is the patient."""

    pin = forms.CharField(label=_("Choose a PIN"), help_text=_("4 to 8 digits."), max_length=8, widget=PIN_INPUT)
    pin_again = forms.CharField(label=_("Type the PIN again"), max_length=8, widget=PIN_INPUT)
    idle_minutes = forms.TypedChoiceField(
        label=_("Lock after the app is unused for"),
        coerce=int,
        choices=[(1, _("1 minute")), (5, _("5 minutes")), (15, _("15 minutes")), (60, _("1 hour"))],
        initial=5,
    )
    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def clean(self):
        data = super().clean()
        if data.get("pin") and data.get("pin") != data.get("pin_again"):
            self.add_error("pin_again", _("The two PINs are different."))
        return data


class AppLockRemoveForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
