"""Forms of tariffs, normatives and building groups: the choices are limited to the organisation's own
services and the buildings it serves; the rules are the models' (`clean`), the writes
`kabinet.billing.rate_editing`."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models import BuildingGroup, Normative, Tariff
from kabinet.panel.metering_forms import DATE

ZONES = [("", _("Every zone")), ("T1", "T1"), ("T2", "T2"), ("T3", "T3")]


class _RateForm(forms.ModelForm):
    """A tariff or a normative of `instance.organization`."""

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services
        self.fields["service"].empty_label = None


class TariffForm(_RateForm):
    zone = forms.ChoiceField(label=_("zone"), choices=ZONES, required=False,
                             help_text=_("A zone of multi-zone meters, or every zone."))

    class Meta:
        model = Tariff
        fields = ("service", "zone", "price", "valid_from", "valid_to", "building", "building_group")
        widgets = {"valid_from": DATE, "valid_to": DATE}
        help_texts = {
            "price": _("Per unit of the service; per m² for services by area; the monthly amount for fixed ones."),
            "valid_to": _("Empty: until a later tariff starts. Within a month the price is prorated by days."),
        }

    def __init__(self, *args, buildings, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings
        self.fields["building_group"].queryset = groups
        self.fields["building"].empty_label = self.fields["building_group"].empty_label = _("—")


class NormativeForm(_RateForm):
    class Meta:
        model = Normative
        fields = ("service", "value", "basis", "valid_from", "valid_to")
        widgets = {"valid_from": DATE, "valid_to": DATE}
        help_texts = {"valid_from": _("Applies from the first whole month on or after this day.")}


class BuildingGroupForm(forms.ModelForm):
    buildings = forms.ModelMultipleChoiceField(queryset=None, label=_("buildings"), required=False,
                                               widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = BuildingGroup
        fields = ("name", "buildings")

    def __init__(self, *args, buildings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buildings"].queryset = buildings
