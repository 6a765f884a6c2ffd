"""The filter of the supplier's payment registry (реестр платежей): which supplier and which days."""


from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.panel.metering_forms import _tree_label

MAX_DAYS = 366  # a registry covers at most a year: longer ranges are exported month by month

DATE_INPUT = {"input_formats": ["%Y-%m-%d", "%d.%m.%Y"],
              "error_messages": {"invalid": _("Enter a date as DD.MM.YYYY, e.g. 25.11.2026.")}}


class RegistryFilterForm(forms.Form):
    """Supplier (the staff member's organisations), from and to (inclusive; the current month so far
    unless given; a range typed backwards is turned round)."""

    supplier = forms.ModelChoiceField(queryset=None, label=_("Supplier"), empty_label=None)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(
        format="%Y-%m-%d", attrs={"type": "date"}), **DATE_INPUT)
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(
        format="%Y-%m-%d", attrs={"type": "date"}), **DATE_INPUT)

    def __init__(self, data, *, suppliers, initial_supplier=None, initial_range=None):
        start, end = initial_range or (None, None)
        super().__init__(data, initial={"date_from": start, "date_to": end})
        field = self.fields["supplier"]
        field.queryset = suppliers
        field.label_from_instance = _tree_label
        field.error_messages["invalid_choice"] = _("Choose one of your organisations.")
        if initial_supplier is not None:
            field.initial = initial_supplier.pk

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            cleaned["date_from"], cleaned["date_to"] = end, start
            start, end = end, start
        if start and end and (end - start).days >= MAX_DAYS:
            self.add_error("date_to", _("Choose at most a year at a time."))
        return cleaned

    def filters(self, default_supplier) -> dict:
        """The supplier and the range to show: what was chosen, else the defaults."""
        data = self.cleaned_data if self.is_valid() else {}
        today = timezone.localdate()
        end = data.get("date_to") or today
        start = data.get("date_from") or min(end, today).replace(day=1)
        if start > end:
            start = end
        return {"supplier": data.get("supplier") or default_supplier, "date_from": start, "date_to": end}


