"""Portal forms: validation of what people type; the actions themselves are accounts services."""

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from kabinet.accounts.rules import normalize_phone
from kabinet.core.money import format_money


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Login"),
        max_length=254,
        help_text=_("Email, mobile phone or personal account number"),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}),
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class AddressPasswordForm(forms.Form):
    premises = forms.IntegerField(widget=forms.HiddenInput)
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class PhoneField(forms.CharField):
    default_error_messages = {
        "invalid": _("Enter a mobile phone number, for example +7 912 345-67-89."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        super().__init__(**kwargs)
        self.widget.input_type = "tel"
        self.widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        phone = normalize_phone(value)
        if phone is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return phone


class AccountProofForm(forms.Form):
    """An account number and the receipt code printed on the bill."""

    number = forms.CharField(
        label=_("Personal account number"),
        max_length=30,
        help_text=_("As printed on your bill"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    receipt_code = forms.CharField(
        label=_("Receipt code"),
        max_length=20,
        help_text=_("A secret code printed on your latest bill next to the account number"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class RegistrationForm(AccountProofForm):
    phone = PhoneField(label=_("Mobile phone"), help_text=_("We will send a confirmation code by SMS"))
    full_name = forms.CharField(
        label=_("Your name"), max_length=255, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Email (optional)"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}),
    )


class SetPasswordForm(forms.Form):
    """A new password, typed twice, checked by AUTH_PASSWORD_VALIDATORS (against `user` if known)."""

    new_password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 8 characters; not only digits and not a common word."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password2 = forms.CharField(
        label=_("Repeat the password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_new_password2(self):
        first = self.cleaned_data.get("new_password1")
        second = self.cleaned_data.get("new_password2")
        if first and second and first != second:
            raise forms.ValidationError(_("The passwords do not match. Type the same password twice."))
        if second:
            password_validation.validate_password(second, self.user)
        return second


class PasswordResetCodeForm(CodeForm, SetPasswordForm):
    code = forms.CharField(
        label=_("Confirmation code"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}),
    )

    field_order = ["code", "new_password1", "new_password2"]


class PasswordResetRequestForm(forms.Form):
    contact = forms.CharField(
        label=_("Email or mobile phone"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )


class GrantAccessForm(forms.Form):
    contact = forms.CharField(
        label=_("Email or phone of the person"),
        max_length=254,
        help_text=_("They must already be registered in Kabinet."),
    )
    rights = forms.MultipleChoiceField(
        label=_("What they may do besides viewing"),
        required=False,
        choices=[
            ("readings", _("Submit meter readings")),
            ("payments", _("Pay")),
            ("appeals", _("Write appeals")),
        ],
        widget=forms.CheckboxSelectMultiple,
    )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, remove this account from my Kabinet"),
        error_messages={"required": _("Tick the box to confirm.")},
    )


# --- Meter readings ------------------------------------------------------------------------------------


READING_MODES = [
    ("reading", _("Reading")),  # the number on the display (seed 001: blue)
    ("consumption", _("Consumption")),  # the amount used since the last reading (green)
]


def value_field_name(meter_id: int, zone: str) -> str:
    return f"value-{meter_id}-{zone}"


def mode_field_name(meter_id: int) -> str:
    return f"mode-{meter_id}"


class ReadingsForm(forms.Form):
    """The readings entry form: per meter a mode (reading or consumption), per zone a value.

    Only shape is checked here; the numbers are checked by `metering.services.preview_readings`,
    whose messages the view puts next to the fields. `meters` are the meters the user may submit for.
    """

    def __init__(self, *args, meters=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.meters = list(meters)
        for meter in self.meters:
            self.fields[mode_field_name(meter.pk)] = forms.ChoiceField(
                label=_("Input mode"), choices=READING_MODES, initial="reading", widget=forms.RadioSelect,
                required=False,  # a form sent without it (an old page, a script) means the reading
                error_messages={"invalid_choice": _("Choose whether you enter the reading or the consumption.")},
            )
            for zone in meter.zones:
                self.fields[value_field_name(meter.pk, zone)] = forms.CharField(
                    label=meter.zone_label(zone), required=False, max_length=30, strip=True,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off",
                                                  "spellcheck": "false", "class": "reading-input"}),
                )

    def entries(self) -> list[dict]:
        """Entries for the metering services: every zone of each meter where anything was typed."""
        entries = []
        for meter in self.meters:
            values = {z: self.cleaned_data.get(value_field_name(meter.pk, z), "") for z in meter.zones}
            if not any(values.values()):
                continue
            mode = self.cleaned_data.get(mode_field_name(meter.pk)) or "reading"
            entries += [{"meter": meter.pk, "zone": z, "value": v, "mode": mode} for z, v in values.items()]
        return entries

    @staticmethod
    def data_from_entries(entries) -> dict:
        """Form data that shows `entries` again (the "change" button of the confirmation step)."""
        data = {}
        for entry in entries:
            data[value_field_name(entry["meter"], entry["zone"])] = entry["value"]
            data[mode_field_name(entry["meter"])] = entry["mode"]
        return data


class ReadingHistoryFilterForm(forms.Form):
    """The period filter of a meter's reading history (months, YYYY-MM)."""

    period_from = forms.DateField(
        label=_("From month"), required=False, input_formats=["%Y-%m"],
        widget=forms.DateInput(format="%Y-%m", attrs={"type": "month", "placeholder": "2026-01"}),
        error_messages={"invalid": _("Enter a month as year-month, e.g. 2026-01.")},
    )
    period_to = forms.DateField(
        label=_("To month"), required=False, input_formats=["%Y-%m"],
        widget=forms.DateInput(format="%Y-%m", attrs={"type": "month", "placeholder": "2026-12"}),
        error_messages={"invalid": _("Enter a month as year-month, e.g. 2026-01.")},
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_from"), cleaned.get("period_to")
        if start and end and start > end:
            self.add_error("period_to", _("The end month must not be before the start month."))
        return cleaned


# --- Account statement and penalty calculator ----------------------------------------------------------


class StatementFilterForm(ReadingHistoryFilterForm):
    """The period range of an account statement (months, YYYY-MM); empty means the full history."""


_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009_")
_AMOUNT = re.compile(r"^[0-9]+(?:[.,][0-9]*)?$")
MAX_DEBT = Decimal("999999999.99")
FUTURE_DAYS = 365  # how far ahead a payment date may be: the key rate further on is not known


class PenaltyCalculatorForm(forms.Form):
    """Debt, due date and payment date of the public penalty calculator (ЖК РФ 155.14).

    `table` is the rate table the penalty will be computed with: dates before its first key rate are
    refused; `today` replaces an empty payment date and bounds a future one.
    """

    debt = forms.CharField(
        label=_("Debt, ₽"), max_length=30,
        help_text=_("The amount not paid on time, for example 10 000,00"),
        error_messages={"required": _("Enter the debt, for example 10 000,00.")},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false"}),
    )
    due = forms.DateField(
        label=_("Due date"), input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        help_text=_("The last day to pay without delay: usually the 10th of the following month, from "
                    "March 2026 the 15th, unless your organisation set another day."),
        error_messages={"required": _("Enter the due date."),
                        "invalid": _("Enter a date as DD.MM.YYYY, for example 10.02.2024.")},
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    paid_on = forms.DateField(
        label=_("Payment date"), required=False, input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        help_text=_("Leave it empty if the debt is not paid yet: the penalty is calculated for today."),
        error_messages={"invalid": _("Enter a date as DD.MM.YYYY, for example 31.03.2024.")},
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def __init__(self, *args, table, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.table, self.today = table, today
        self.first_day = table.key_rates[0][0]
        self.last_day = today + dt.timedelta(days=FUTURE_DAYS)

    def clean_debt(self):
        text = self.cleaned_data["debt"].translate(_SPACES).removesuffix("₽")
        if text.startswith(("-", "−")):
            raise forms.ValidationError(_("The debt cannot be negative: enter the amount you owe."), code="negative")
        if not _AMOUNT.match(text):
            raise forms.ValidationError(_("Enter the debt as a number, for example 10 000,00."), code="invalid")
        whole, _sep, kopecks = text.replace(",", ".").partition(".")
        if len(kopecks) > 2:
            raise forms.ValidationError(_("Enter roubles and kopecks: at most two digits after the comma."),
                                        code="kopecks")
        debt = Decimal(text.replace(",", "."))
        if debt <= 0:
            raise forms.ValidationError(_("Enter a debt greater than zero."), code="zero")
        if debt > MAX_DEBT:
            raise forms.ValidationError(_("The calculator takes debts up to %(max)s.") % {
                "max": format_money(MAX_DEBT)}, code="too_large")
        return debt

    def clean_due(self):
        due = self.cleaned_data["due"]
        if due < self.first_day:
            raise forms.ValidationError(
                _("The calculator covers debts due from %(date)s: the rate table starts then, with the current "
                  "rules of ЖК РФ 155.14.") % {"date": self.first_day.strftime("%d.%m.%Y")}, code="too_early")
        if due > self.last_day:
            raise forms.ValidationError(_("Enter a due date no later than %(date)s.") % {
                "date": self.last_day.strftime("%d.%m.%Y")}, code="too_late")
        return due

    def clean_paid_on(self):
        paid_on = self.cleaned_data["paid_on"]
        if paid_on is not None and paid_on > self.last_day:
            raise forms.ValidationError(
                _("The key rate that far ahead is not known: choose a payment date no later than %(date)s.") % {
                    "date": self.last_day.strftime("%d.%m.%Y")}, code="too_late")
        return paid_on

    def clean(self):
        cleaned = super().clean()
        due, paid_on = cleaned.get("due"), cleaned.get("paid_on")
        if due is None or "paid_on" in self.errors:
            return cleaned
        if paid_on is None:
            if due > self.today:
                self.add_error("due", _("The due date has not come yet, so there is no delay. Enter a payment "
                                        "date to see the penalty for a later payment."))
            cleaned["paid_on"] = self.today
            cleaned["paid_today"] = True
        elif paid_on < due:
            self.add_error("paid_on", _("The payment date is before the due date (%(due)s): a payment on time has "
                                        "no penalty. Check the dates.") % {"due": due.strftime("%d.%m.%Y")})
        return cleaned
