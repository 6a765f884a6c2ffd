"""Forms of the meters, readings, export and reading settings modules: input checks and wording only;
the writes are `kabinet.metering.services`."""

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kabinet.core.money import parse_period
from kabinet.metering.models import Meter, Reading, ReadingSettings
from kabinet.metering.services import (
    METER_EDITABLE_FIELDS,
    MODE_CONSUMPTION,
    MODE_READING,
    SETTINGS_EDITABLE_FIELDS,
)
from kabinet.panel.forms import PanelForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DECIMAL = {"inputmode": "decimal", "autocomplete": "off"}


def _tree_label(org):
    return "— " * (org.path.count("/") - 1) + str(org)


class PeriodField(forms.CharField):
    """A billing month as YYYY-MM (the browser's month picker) → the first day of the month."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_period(value)
        except ValueError:
            raise forms.ValidationError(_("Enter the month as YYYY-MM, e.g. 2026-11.")) from None


def zone_fields(form, meter: Meter, prefix: str, *, required: bool, label: str, help_text: str = ""):
    """Add one value field per zone of `meter` (`<prefix>_T1` …) and return their names."""
    names = []
    for zone in meter.zones:
        name = f"{prefix}_{zone}"
        zone_name = meter.zone_label(zone)
        form.fields[name] = forms.CharField(
            label=f"{label}: {zone_name}" if meter.zone_count > 1 else label, required=required, max_length=30,
            widget=forms.TextInput(attrs=DECIMAL), help_text=help_text,
            error_messages={"required": _("Enter the value shown on the meter.")},
        )
        names.append(name)
    return names


def zone_values(form, prefix: str, meter: Meter) -> dict:
    return {zone: form.cleaned_data.get(f"{prefix}_{zone}", "") for zone in meter.zones}


# --- Readings review -------------------------------------------------------------------------------------------

FLAGGED_CHOICES = [("", _("Any")), ("yes", _("Flagged for review")), ("no", _("Not flagged"))]


class ReadingFilterForm(forms.Form):
    period = PeriodField(label=_("Period"), required=False)
    building = forms.ModelChoiceField(queryset=None, label=_("Building"), required=False, empty_label=_("All"))
    service = forms.ModelChoiceField(queryset=None, label=_("Service"), required=False, empty_label=_("All"))
    source = forms.ChoiceField(label=_("Source"), required=False,
                               choices=[("", _("All"))] + list(Reading.Source.choices))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("all", _("All"))] + list(Reading.Status.choices))
    flagged = forms.ChoiceField(label=_("Flags"), required=False, choices=FLAGGED_CHOICES)

    def __init__(self, data, *, buildings, services):
        data = data.copy()
        data.setdefault("status", Reading.Status.NEW)  # the review list opens on what awaits review
        super().__init__(data)
        self.fields["building"].queryset = buildings
        self.fields["service"].queryset = services

    def filters(self) -> dict:
        if not self.is_valid():
            return {"status": Reading.Status.NEW, "period": None}
        data = self.cleaned_data
        flagged = {"yes": True, "no": False}.get(data["flagged"])
        return {
            "period": data["period"], "building": data["building"], "service": data["service"],
            "source": data["source"] or None, "flagged": flagged,
            "status": None if data["status"] == "all" else (data["status"] or Reading.Status.NEW),
        }


class RejectForm(PanelForm):
    reason = forms.CharField(
        label=_("Reason for rejection"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The consumer sees this text next to the reading."),
        error_messages={"required": _("Give the reason: the consumer will see it.")},
    )


class EnterReadingForm(PanelForm):
    """A reading entered by staff for the consumer (at the office, by phone)."""

    mode = forms.ChoiceField(label=_("The values are"), initial=MODE_READING, widget=forms.RadioSelect, choices=[
        (MODE_READING, _("readings on the meter's display")),
        (MODE_CONSUMPTION, _("consumption since the last accepted reading")),
    ])
    confirm_rollover = forms.BooleanField(
        label=_("The meter went past zero (confirm a value below the previous one)"), required=False)

    def __init__(self, *args, meter: Meter, **kwargs):
        super().__init__(*args, **kwargs)
        self.meter = meter
        self.zone_names = zone_fields(self, meter, "value", required=True, label=_("Value"))
        self.order_fields(self.zone_names + ["mode", "confirm_rollover"])

    def values(self) -> dict:
        return zone_values(self, "value", self.meter)


# --- Meters ----------------------------------------------------------------------------------------------------

KIND_CHOICES = [("individual", _("Individual (on a personal account)")),
                ("collective", _("Collective (house meter, on a building)"))]


class MeterFilterForm(forms.Form):
    q = forms.CharField(label=pgettext_lazy("search field label", "Search"), required=False)
    service = forms.ModelChoiceField(queryset=None, label=_("Service"), required=False, empty_label=_("All"))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All"))] + list(Meter.Status.choices))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All"))] + KIND_CHOICES)

    def __init__(self, data, *, services):
        super().__init__(data)
        self.fields["service"].queryset = services

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"service": data["service"], "status": data["status"] or None, "kind": data["kind"] or None}


class MeterEditForm(forms.ModelForm):
    class Meta:
        model = Meter
        fields = METER_EDITABLE_FIELDS
        widgets = {"installed_on": DATE, "verification_due": DATE,
                   "serial_number": forms.TextInput(attrs={"autocomplete": "off"})}
        labels = {"is_registered": _("Registered (the consumer sees it and submits readings)")}


class MeterCreateForm(MeterEditForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES, initial="individual", widget=forms.RadioSelect)
    account_number = forms.CharField(label=_("Account number"), max_length=30, required=False,
                                     help_text=_("For an individual meter: an account of your organisation."),
                                     widget=forms.TextInput(attrs={"autocomplete": "off"}))
    building = forms.ModelChoiceField(queryset=None, label=_("Building"), required=False,
                                      help_text=_("For a house meter."))
    organization = forms.ModelChoiceField(queryset=None, label=_("Organisation"), required=False,
                                          help_text=_("For a house meter: whose meter it is."))
    service = forms.ModelChoiceField(queryset=None, label=_("Service"))
    seal_number = forms.CharField(label=_("Seal number"), max_length=50, required=False)

    class Meta(MeterEditForm.Meta):
        pass

    def __init__(self, *args, buildings, organizations, services, initial_organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings
        self.fields["organization"].queryset = organizations
        self.fields["organization"].label_from_instance = _tree_label
        if initial_organization is not None:
            self.fields["organization"].initial = initial_organization.pk
        self.fields["service"].queryset = services
        self.order_fields(["kind", "account_number", "building", "organization", "service", "serial_number",
                           "resource", "zone_count", "digits", "decimals", "installed_on", "verification_due",
                           "seal_number", "is_registered"])

    def clean(self):
        data = super().clean()
        if data.get("kind") == "individual" and not data.get("account_number"):
            self.add_error("account_number", _("Enter the account number."))
        if data.get("kind") == "collective":
            if not data.get("building"):
                self.add_error("building", _("Choose the building."))
            if not data.get("organization"):
                self.add_error("organization", _("Choose the organisation of the house meter."))
        return data

    def meter_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in METER_EDITABLE_FIELDS if name != "serial_number"}


class ReplaceMeterForm(PanelForm):
    replaced_on = forms.DateField(label=_("Replaced on"), widget=DATE, initial=dt.date.today)
    serial_number = forms.CharField(label=_("Serial number of the new meter"), max_length=50,
                                    widget=forms.TextInput(attrs={"autocomplete": "off"}))
    zone_count = forms.TypedChoiceField(label=_("Tariff zones of the new meter"), choices=Meter.Zones.choices,
                                        coerce=int)
    digits = forms.IntegerField(label=_("Integer digits of the new meter"), min_value=1, max_value=9)
    decimals = forms.IntegerField(label=_("Decimal digits of the new meter"), min_value=0, max_value=4)
    verification_due = forms.DateField(label=_("Verification due"), required=False, widget=DATE)
    seal_number = forms.CharField(label=_("Seal number"), max_length=50, required=False)
    confirm_rollover = forms.BooleanField(
        label=_("The old meter went past zero (confirm a final value below the previous one)"), required=False)

    def __init__(self, *args, meter: Meter, **kwargs):
        kwargs.setdefault("initial", {}).update(zone_count=meter.zone_count, digits=meter.digits,
                                                decimals=meter.decimals)
        super().__init__(*args, **kwargs)
        self.meter = meter
        self.final_names = zone_fields(self, meter, "final", required=True, label=_("Final reading of the old meter"))
        self.initial_names = zone_fields(self, meter, "initial", required=False,
                                         label=_("Initial reading of the new meter"), help_text=_("Empty: 0."))

    def initial_values(self):
        values = {zone: self.cleaned_data.get(f"initial_{zone}") for zone in self.meter.zones}
        if self.cleaned_data.get("zone_count") != self.meter.zone_count or not any(values.values()):
            return None  # the service starts every zone of the new meter at zero
        return {zone: value or "0" for zone, value in values.items()}


class RetireMeterForm(PanelForm):
    retired_on = forms.DateField(label=_("Out of use since"), widget=DATE, initial=dt.date.today)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, meter: Meter, **kwargs):
        super().__init__(*args, **kwargs)
        self.meter = meter
        self.final_names = zone_fields(self, meter, "final", required=False, label=_("Final reading"),
                                       help_text=_("Optional."))

    def final_values(self):
        values = zone_values(self, "final", self.meter)
        return values if any(values.values()) else None


class SealForm(PanelForm):
    seal_number = forms.CharField(label=_("Seal number"), max_length=50,
                                  widget=forms.TextInput(attrs={"autocomplete": "off"}))
    sealed_on = forms.DateField(label=_("Sealed on"), widget=DATE, initial=dt.date.today)
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


# --- Export and settings ---------------------------------------------------------------------------------------

class ExportForm(PanelForm):
    organization = forms.ModelChoiceField(queryset=None, label=_("Organisation"), empty_label=None,
                                          help_text=_("Its sub-organisations are included."))
    period = PeriodField(label=_("Period"))
    only_new = forms.BooleanField(label=_("Only readings not exported before"), required=False, initial=True)
    file_format = forms.ChoiceField(label=_("Format"), choices=[("xlsx", "Excel (XLSX)"), ("csv", "CSV")],
                                    initial="xlsx", widget=forms.RadioSelect)

    def __init__(self, *args, organizations, initial_organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].label_from_instance = _tree_label
        if initial_organization is not None:
            self.fields["organization"].initial = initial_organization.pk


class ReadingSettingsForm(forms.ModelForm):
    class Meta:
        model = ReadingSettings
        fields = SETTINGS_EDITABLE_FIELDS
        widgets = {name: forms.NumberInput(attrs={"inputmode": "numeric"})
                   for name in ("window_start_day", "window_end_day", "cutoff_day")}
        widgets.update({name: forms.TextInput(attrs=DECIMAL)
                        for name in ("water_limit", "electricity_limit", "high_factor")})

    DECIMALS = ("water_limit", "electricity_limit", "high_factor")

    def __init__(self, *args, services=(), limits=None, **kwargs):
        super().__init__(*args, **kwargs)
        limits = limits or {}
        self.services = list(services)
        if self.is_bound:  # a decimal comma, as people in Russia type it
            data = self.data.copy()
            for name in [*self.DECIMALS, *(f"limit_{s.pk}" for s in self.services)]:
                if isinstance(data.get(name), str):
                    data[name] = data[name].replace(",", ".").replace(" ", "")
            self.data = data
        for service in self.services:
            self.fields[f"limit_{service.pk}"] = forms.DecimalField(
                label=f"{service.name}{', ' + service.unit if service.unit else ''}", required=False,
                max_digits=10, decimal_places=3, min_value=0, initial=limits.get(service.pk),
                widget=forms.TextInput(attrs=DECIMAL),
                help_text=_("Per resident per month. Empty: the water or electricity limit above, if any."),
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("window_start_day"), data.get("window_end_day")
        if (start is None) != (end is None) and "window_start_day" not in self.errors \
                and "window_end_day" not in self.errors:
            self.add_error("window_end_day", _("Give both days of the submission window, or neither."))
        return data

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in SETTINGS_EDITABLE_FIELDS}

    def service_limits(self) -> dict:
        return {service: self.cleaned_data.get(f"limit_{service.pk}") for service in self.services}

    def main_fields(self):
        return [self[name] for name in SETTINGS_EDITABLE_FIELDS]

    def limit_fields(self):
        return [self[f"limit_{service.pk}"] for service in self.services]
