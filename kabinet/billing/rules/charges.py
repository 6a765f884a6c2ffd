"""Charge lines: a volume priced by the tariffs in force, with the protocol (DOMAIN.md §1).

Money is rounded half up to the kopeck at each line; the volume keeps its full precision until it is
priced. A tariff that changes inside the month splits the line by days: each part of the month gets
its share of the volume (the last part takes the remainder, so the volume is conserved exactly).
"""

import calendar
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from kabinet.billing.rules import formatting as fmt
from kabinet.billing.rules.volumes import AREA, FIXED, Volume
from kabinet.core.money import to_money

ZERO = Decimal(0)


class TariffSpan(NamedTuple):
    """A price valid from `start` to `end` inclusive (None: open-ended)."""

    start: dt.date
    end: dt.date | None
    price: Decimal


class ChargeLine(NamedTuple):
    kind: str
    volume: Decimal
    price: Decimal
    amount: Decimal
    protocol: str
    zone: str = ""
    start: dt.date | None = None  # the days of the month the line covers
    end: dt.date | None = None


def month_bounds(period: dt.date) -> tuple[dt.date, dt.date]:
    first = period.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def spans_in_month(tariffs: Sequence[TariffSpan], period: dt.date) -> list[TariffSpan]:
    """The tariffs in force during the month, clipped to it, in date order (later tariffs win where
    two overlap). Days without a tariff are not charged."""
    first, last = month_bounds(period)
    by_day: list[Decimal | None] = [None] * ((last - first).days + 1)
    for tariff in sorted(tariffs, key=lambda t: t.start):
        start = max(tariff.start, first)
        end = min(tariff.end or last, last)
        for offset in range((start - first).days, (end - first).days + 1):
            by_day[offset] = tariff.price
    spans: list[TariffSpan] = []
    for offset, price in enumerate(by_day):
        day = first + dt.timedelta(days=offset)
        if price is None:
            continue
        if spans and spans[-1].price == price and spans[-1].end == day - dt.timedelta(days=1):
            spans[-1] = TariffSpan(spans[-1].start, day, price)
        else:
            spans.append(TariffSpan(day, day, price))
    return spans


def _protocol(service: str, explanation: str, unit: str, price: Decimal, amount: Decimal, share: str = "") -> str:
    values = {"service": service, "quantity": f"{explanation} {unit}" if unit else explanation,
              "price": fmt.price(price), "amount": fmt.money(amount), "share": share}
    if share:
        return _("%(service)s: %(quantity)s × %(share)s × %(price)s ₽ = %(amount)s ₽") % values
    return _("%(service)s: %(quantity)s × %(price)s ₽ = %(amount)s ₽") % values


def _days_share(span: TariffSpan, days_in_month: int) -> str:
    days = (span.end - span.start).days + 1
    return _("%(days)s/%(month)s days (%(start)s–%(end)s)") % {
        "days": days, "month": days_in_month, "start": fmt.date(span.start), "end": fmt.date(span.end)}


def price(volume: Volume, tariffs: Sequence[TariffSpan], period: dt.date, *, service: str, unit: str,
          zone: str = "") -> list[ChargeLine]:
    """Price a volume for a month: one line per tariff in force, the volume split by days."""
    first, last = month_bounds(period)
    month_days = (last - first).days + 1
    spans = spans_in_month(tariffs, period)
    if len(spans) == 1 and spans[0].start == first and spans[0].end == last:
        amount = to_money(volume.volume * spans[0].price)
        return [ChargeLine(volume.kind, volume.volume, spans[0].price, amount,
                           _protocol(service, volume.explanation, unit, spans[0].price, amount), zone, first, last)]
    lines, left = [], volume.volume
    for index, span in enumerate(spans):
        days = (span.end - span.start).days + 1
        part = left if index == len(spans) - 1 and spans[0].start == first and span.end == last else (
            volume.volume * days / month_days)
        left -= part
        amount = to_money(part * span.price)
        share = _days_share(span, month_days)
        lines.append(ChargeLine(volume.kind, part, span.price, amount,
                                _protocol(service, volume.explanation, unit, span.price, amount, share),
                                zone, span.start, span.end))
    return lines


def by_area(area: Decimal, tariffs: Sequence[TariffSpan], period: dt.date, *, service: str) -> list[ChargeLine]:
    """Area × rate per m² (maintenance, heating by area)."""
    volume = Volume(AREA, Decimal(area), _("area %(area)s") % {"area": fmt.number(area, max_decimals=2)})
    return price(volume, tariffs, period, service=service, unit="м²")


def fixed(tariffs: Sequence[TariffSpan], period: dt.date, *, service: str) -> list[ChargeLine]:
    """A fixed monthly amount (prorated by days when it changes inside the month)."""
    volume = Volume(FIXED, Decimal(1), _("fixed amount"))
    return price(volume, tariffs, period, service=service, unit="")
