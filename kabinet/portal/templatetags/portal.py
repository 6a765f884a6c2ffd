"""Template helpers for the portal: money and balances in words and colour."""

from decimal import Decimal

from django import template
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kabinet.billing.rules import formatting as billing_format
from kabinet.core.money import NBSP, format_money
from kabinet.metering.rules import format_volume

register = template.Library()


@register.filter
def money(value):
    """`12 345,67 ₽` with thin spaces and a comma (UI.md)."""
    if value in (None, ""):
        return ""
    return format_money(Decimal(value))


@register.filter
def volume(value, unit=""):
    """A reading or consumption as `12 345,6` (thin spaces, a comma, no trailing zeros), with a unit if given."""
    if value in (None, ""):
        return ""
    return format_volume(Decimal(value), unit=unit or "")


@register.filter
def price(value, unit=""):
    """A tariff as `50,93 ₽` or `1,7425 ₽/кВт·ч` (at least two decimals, up to four)."""
    if value in (None, ""):
        return ""
    text = f"{billing_format.number(value, max_decimals=4, min_decimals=2)}{NBSP}₽"
    return f"{text}/{unit}" if unit else text


@register.filter
def billed_volume(value, unit=""):
    """A billed volume as in the protocols: `5,23333 м³` (up to five decimals, no trailing zeros)."""
    if value in (None, ""):
        return ""
    text = billing_format.number(value)
    return f"{text}{NBSP}{unit}" if unit else text


@register.filter
def percent(value):
    """A rate as `9,5 %`."""
    if value in (None, ""):
        return ""
    return billing_format.percent(value)


@register.filter
def plain_number(value):
    """A Decimal as plain digits with a point (`12345.6`), for data attributes read by scripts."""
    if value in (None, ""):
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def month(value):
    """A billing period as «ноябрь 2026» (lower case in Russian, as in running text) or "November 2026"."""
    if not value:
        return ""
    text = date_format(value, "F Y")
    if (get_language() or "").startswith("ru"):
        text = text[:1].lower() + text[1:]
    return text


@register.inclusion_tag("portal/_balance.html")
def balance(value, size=""):
    """A balance in words and colour: debt (calm red), overpayment (green), or settled."""
    value = Decimal(value or 0)
    if value > 0:
        state, label = "debt", _("Debt")
    elif value < 0:
        state, label = "overpaid", _("Overpayment")
    else:
        state, label = "settled", _("No debt")
    return {"state": state, "label": label, "amount": format_money(abs(value)) if value else "", "size": size}
