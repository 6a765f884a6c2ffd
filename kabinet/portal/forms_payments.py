"""Forms of the payment centre: what the consumer picks and types, checked for shape only.

The amounts, the commission and who may pay what are the payments domain's business
(`kabinet.payments.services.quote` / `create_order`); here an amount is a positive number of roubles
with at most two decimals, and at least one line is ticked.
"""

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kabinet.core.money import format_money, period_start
from kabinet.payments.services import MAX_LINE

# A line of one payment is at most this much (the domain's limit, checked here too so that the message
# stands next to the field): a typo with three extra zeros stops before the bank's page.
MAX_LINE_AMOUNT = MAX_LINE

_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009_")
_AMOUNT = re.compile(r"^[0-9]+(?:[.,][0-9]*)?$")


def parse_amount(text: str) -> Decimal:
    """`1 234,56` / `1234.56` / `1234,5 ₽` → Decimal("1234.56"); a ValidationError in plain words otherwise."""
    text = (text or "").translate(_SPACES).removesuffix("₽").removesuffix("руб.")
    if not text:
        raise forms.ValidationError(_("Enter the amount to pay, for example 1 500,00."), code="required")
    if text.startswith(("-", "−")):
        raise forms.ValidationError(_("The amount must be greater than zero."), code="not_positive")
    if not _AMOUNT.match(text):
        raise forms.ValidationError(_("Enter the amount as a number, for example 1 500,00."), code="invalid")
    _whole, _sep, kopecks = text.replace(",", ".").partition(".")
    if len(kopecks) > 2:
        raise forms.ValidationError(_("Enter roubles and kopecks: at most two digits after the comma."),
                                    code="kopecks")
    try:
        amount = Decimal(text.replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise forms.ValidationError(_("Enter the amount as a number, for example 1 500,00."), code="invalid") from exc
    if amount <= 0:
        raise forms.ValidationError(_("The amount must be greater than zero."), code="not_positive")
    if amount > MAX_LINE_AMOUNT:
        raise forms.ValidationError(_("At most %(max)s can be paid at once for one line.") % {
            "max": format_money(MAX_LINE_AMOUNT)}, code="too_large")
    return amount


def amount_text(amount: Decimal | None) -> str:
    """An amount as the input shows it: `1234,56` (no thousands separators, so it is typed over easily)."""
    if amount is None or amount <= 0:
        return ""
    return f"{amount:.2f}".replace(".", ",")


def line_key(account_id: int, supplier_id: int | None) -> str:
    return f"{account_id}-{supplier_id or 0}"


class PayForm(forms.Form):
    """One checkbox and one amount per payable line (account × supplier), and an optional month.

    `items` are `payments.services.payable_items(user)`; `preselect` is an account id: only its lines
    start ticked (the «Оплатить» button of an account), else every line with a debt does. `initial_lines`
    ({key: amount text}) refill the form from the confirmation page's «Изменить».
    """

    named_period = forms.DateField(
        label=_("Period you are paying for (optional)"), required=False, input_formats=["%Y-%m"],
        help_text=_("Leave it empty to pay the oldest debt first. Name a month to pay that month's bill."),
        widget=forms.DateInput(format="%Y-%m", attrs={"type": "month", "placeholder": "2026-10"}),
        error_messages={"invalid": _("Enter a month as year-month, e.g. 2026-10.")},
    )

    def __init__(self, *args, items=(), preselect=None, initial_lines=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.lines = []
        for item in self.items:
            key = line_key(item.account.pk, getattr(item.supplier, "pk", None))
            if initial_lines is not None:
                ticked, text = key in initial_lines, initial_lines.get(key, amount_text(item.debt))
            else:
                ticked = item.debt > 0 and (preselect is None or item.account.pk == preselect)
                text = amount_text(item.debt)
            self.fields[f"pay-{key}"] = forms.BooleanField(
                label=pgettext_lazy("button", "Pay"), required=False, initial=ticked,
            )
            self.fields[f"amount-{key}"] = forms.CharField(
                label=_("Amount, ₽"), required=False, max_length=30, initial=text,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false",
                                              "class": "amount-input"}),
            )
            self.lines.append({"key": key, "item": item})

    def clean_named_period(self):
        period = self.cleaned_data["named_period"]
        if period is not None and period > period_start(timezone.localdate()):
            raise forms.ValidationError(_("Choose the current month or an earlier one."), code="future")
        return period

    def clean(self):
        cleaned = super().clean()
        chosen = []
        for line in self.lines:
            key = line["key"]
            if not cleaned.get(f"pay-{key}"):
                continue
            try:
                amount = parse_amount(cleaned.get(f"amount-{key}", ""))
            except forms.ValidationError as error:
                self.add_error(f"amount-{key}", error)
                continue
            chosen.append((line["item"], amount))
        if not chosen and not self.errors:
            raise forms.ValidationError(_("Tick at least one line to pay, and enter its amount."), code="empty")
        self.chosen = chosen
        return cleaned

    def bound_lines(self):
        """The lines with their bound fields, grouped by account, in the order of `items`."""
        groups: dict[int, dict] = {}
        for line in self.lines:
            account = line["item"].account
            group = groups.setdefault(account.pk, {"account": account, "lines": []})
            group["lines"].append({
                **line, "pay": self[f"pay-{line['key']}"], "amount": self[f"amount-{line['key']}"],
            })
        return list(groups.values())

    def selection(self) -> list[tuple]:
        """[(item, amount)] of the ticked lines, once the form is valid."""
        return list(self.chosen)


def named_period_text(period: dt.date | None) -> str:
    return f"{period:%Y-%m}" if period else ""
