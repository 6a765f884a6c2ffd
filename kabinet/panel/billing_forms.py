"""Forms of the turnover sheet and the billing module: input checks and wording only; the writes are
`kabinet.billing.services` and `kabinet.billing.tasks`."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import BillingSchedule
from kabinet.core.money import add_months, period_start
from kabinet.panel.forms import PanelForm
from kabinet.panel.metering_forms import PeriodField, _tree_label

FORMATS = [("csv", "CSV"), ("xlsx", "Excel (XLSX)")]


def last_month():
    return add_months(period_start(timezone.localdate()), -1)


class TurnoverFilterForm(forms.Form):
    period_from = PeriodField(label=_("From period"), required=False)
    period_to = PeriodField(label=_("To period"), required=False)
    building = forms.ModelChoiceField(queryset=None, label=_("Building"), required=False, empty_label=_("All"))

    def __init__(self, data, *, buildings):
        super().__init__(data)
        self.fields["building"].queryset = buildings

    def filters(self) -> dict:
        """The range (last month unless given; a range given backwards is turned round) and the building."""
        data = self.cleaned_data if self.is_valid() else {}
        default = last_month()
        start = data.get("period_from") or data.get("period_to") or default
        end = data.get("period_to") or data.get("period_from") or default
        if start > end:
            start, end = end, start
        return {"period_from": start, "period_to": end, "building": data.get("building")}


class CommonHouseFilterForm(forms.Form):
    period = PeriodField(label=_("Period"), required=False)
    building = forms.ModelChoiceField(queryset=None, label=_("Building"), required=False, empty_label=_("All"))

    def __init__(self, data, *, buildings):
        super().__init__(data)
        self.fields["building"].queryset = buildings

    def filters(self) -> dict:
        """The period (last month unless given) and the building."""
        data = self.cleaned_data if self.is_valid() else {}
        return {"period": data.get("period") or last_month(), "building": data.get("building")}


class _OrganizationForm(PanelForm):
    organization = forms.ModelChoiceField(queryset=None, label=_("Organisation"), empty_label=None)

    def __init__(self, *args, organizations, initial_organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        field.queryset = organizations
        field.label_from_instance = _tree_label
        if initial_organization is not None:
            field.initial = initial_organization.pk


class BillingRunForm(_OrganizationForm):
    period = PeriodField(label=_("Period"), error_messages={"required": _("Choose the month to bill.")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].initial = f"{period_start(timezone.localdate()):%Y-%m}"


class ClosePeriodForm(_OrganizationForm):
    period = PeriodField(label=_("Period"), error_messages={"required": _("Choose the month to close.")})
    confirm = forms.BooleanField(
        label=_("I understand: nothing in this period can be changed afterwards, corrections go into a later "
                "period as recalculations."),
        error_messages={"required": _("Tick the box to confirm closing the period.")})


class ScheduleForm(_OrganizationForm):
    close_day = forms.IntegerField(
        label=_("Close day"), required=False, min_value=1, max_value=28,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("Day of the month (1–28) the monthly billing run starts on; empty for no automatic run."))
    month = forms.ChoiceField(label=_("The run bills"), choices=BillingSchedule.Month.choices,
                              initial=BillingSchedule.Month.CURRENT)
