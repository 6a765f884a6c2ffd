"""Volumes of consumption (ПП РФ №354, DOMAIN.md §1): metered, average, normative, true-up (common-house
needs, §7, are in `common_house`). Volumes keep full precision here; charges price them and round the
money."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from kabinet.billing.rules import formatting as fmt
from kabinet.core.money import add_months

ZERO = Decimal(0)

# Kinds of charge lines (stored in Charge.kind).
METERED = "metered"
AVERAGE = "average"
NORMATIVE = "normative"
RECALCULATION = "recalculation"
AREA = "area"
FIXED = "fixed"
COMMON = "common"  # common-house needs (ОДН / СОИ, DOMAIN.md §7)
SUBSTITUTED = (AVERAGE, NORMATIVE)  # volumes a later actual reading trues up


class VolumeError(ValueError):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class VolumeSettings:
    """Configurable points of DOMAIN.md §1, with its defaults."""

    average_months: int = 6  # п. 59 «б»: at least 6 months
    average_min_months: int = 3  # a younger meter: its actual months, at least 3
    max_average_periods: int = 3  # then the normative (п. 60); some suppliers use 6
    failure_multiplier: Decimal = Decimal("1.5")  # п. 81(12)/60: failed or unverified meter
    no_meter_k: Decimal = Decimal("0.5")  # formula 4: K where a meter could be installed but is absent


class Volume(NamedTuple):
    """A volume and how it was found: `explanation` is the protocol part that ends with the volume."""

    kind: str
    volume: Decimal
    explanation: str


# --- Building blocks -------------------------------------------------------------------------------


def average_monthly(history: Sequence[Decimal], months: int = 6, min_months: int = 3) -> Decimal | None:
    """The average of the last `months` monthly volumes (oldest first); None below `min_months`."""
    recent = list(history)[-months:]
    if len(recent) < min_months:
        return None
    return sum(recent, ZERO) / len(recent)


def prorate(consumption: Decimal, reading_from: dt.date, reading_to: dt.date,
            period_start: dt.date, period_end: dt.date) -> Decimal:
    """The part of the consumption between two readings that falls into a period, by days.

    The consumption of (reading_from, reading_to] is spread evenly over its days; the period is
    [period_start, period_end] inclusive.
    """
    total_days = (reading_to - reading_from).days
    if total_days <= 0:
        return Decimal(consumption) if period_start <= reading_to <= period_end else ZERO
    first = max(reading_from + dt.timedelta(days=1), period_start)
    last = min(reading_to, period_end)
    days = (last - first).days + 1
    return Decimal(consumption) * max(days, 0) / total_days


def monthly_history(intervals: Sequence[tuple[dt.date, dt.date, Decimal]]) -> dict[dt.date, Decimal]:
    """Monthly volumes from consecutive actual readings: each (previous period, period, consumption)
    spreads its consumption evenly over the months after the previous reading's period up to its own
    (a reading after two months without readings covers both)."""
    months: dict[dt.date, Decimal] = {}
    for previous, period, consumption in intervals:
        count = max((period.year - previous.year) * 12 + period.month - previous.month, 1)
        for n in range(count):
            month = add_months(period, -n)
            months[month] = months.get(month, ZERO) + Decimal(consumption) / count
    return months


def history_before(months: dict[dt.date, Decimal], period: dt.date, count: int = 6) -> list[Decimal]:
    """The monthly volumes of the `count` months before `period` that have one, oldest first."""
    window = [add_months(period, -n) for n in range(count, 0, -1)]
    return [months[m] for m in window if m in months]


def people_count(residents: int, owners: int) -> int:
    """Registered residents; if none, the owners (formula 4)."""
    return residents or owners or 0


def normative_volume(normative: Decimal, people: int, k: Decimal = ZERO) -> Decimal:
    """Formula 4 of Прил. 2 without the price: n × N × (1 + K)."""
    return people * Decimal(normative) * (1 + Decimal(k))


def true_up(consumption: Decimal, substituted: Sequence[Decimal]) -> Decimal:
    """V = (R_new − R_last) − Σ volumes billed by substitution since R_last (negative: a credit)."""
    return Decimal(consumption) - sum(substituted, ZERO)


def months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


# --- Explanations (the protocol text before the price) --------------------------------------------


def _explain_average(history: Sequence[Decimal], volume: Decimal) -> str:
    values = "; ".join(fmt.number(v, min_decimals=1) for v in history)
    return _("average over %(months)s months (%(values)s) = %(volume)s") % {
        "months": len(history), "values": values, "volume": fmt.number(volume)}


def _explain_normative(people: int, normative: Decimal, k: Decimal, volume: Decimal) -> str:
    values = {"people": people, "normative": fmt.number(normative, max_decimals=6), "k": fmt.number(k),
              "volume": fmt.number(volume)}
    if k:
        return _("normative: %(people)s pers. × %(normative)s × (1 + %(k)s) = %(volume)s") % values
    return _("normative: %(people)s pers. × %(normative)s = %(volume)s") % values


def metered(consumption: Decimal, previous: Decimal | None = None, current: Decimal | None = None, *,
            gettext=_) -> Volume:
    """`gettext`: the billing run passes its memo of the translations (`engine.Pricer._`)."""
    if previous is None or current is None:
        text = gettext("by meter readings: %(volume)s") % {"volume": fmt.number(consumption)}
    else:
        text = gettext("by meter readings %(previous)s → %(current)s = %(volume)s") % {
            "previous": fmt.number(previous), "current": fmt.number(current), "volume": fmt.number(consumption)}
    return Volume(METERED, Decimal(consumption), text)


def trued_up(consumption: Decimal, substituted: Sequence[Decimal]) -> Volume:
    """The first actual reading after substituted periods (DOMAIN.md §1, late actual reading)."""
    volume = true_up(consumption, substituted)
    text = _("by meter readings %(consumption)s − billed by average or normative %(substituted)s = %(volume)s") % {
        "consumption": fmt.number(consumption), "substituted": fmt.number(sum(substituted, ZERO)),
        "volume": fmt.number(volume)}
    return Volume(METERED if volume >= 0 else RECALCULATION, volume, text)


def summed(parts: Sequence[tuple[str, str, Decimal]], *, gettext=_) -> Volume:
    """Wastewater without its own meter (ПП 354 п. 42): the sum of the period's volumes of other
    services, given as (service name, kind, volume) of their lines — a true-up's negative volume
    included. The kind is the least exact among them (normative, then average, then metered); a
    negative sum is a recalculation, as a true-up is."""
    total = sum((volume for _name, _kind, volume in parts), ZERO)
    kinds = {kind for _name, kind, _volume in parts}
    kind = (RECALCULATION if total < 0 else NORMATIVE if NORMATIVE in kinds else AVERAGE if AVERAGE in kinds
            else METERED)
    terms = ""
    for name, _kind, volume in parts:
        sign = (" − " if volume < 0 else " + ") if terms else ("− " if volume < 0 else "")
        terms += f"{sign}{name} {fmt.number(abs(volume))}"
    text = gettext("sum of volumes: %(terms)s = %(volume)s") % {"terms": terms, "volume": fmt.number(total)}
    return Volume(kind, total, text)


def by_average(history: Sequence[Decimal], settings: VolumeSettings = VolumeSettings()) -> Volume | None:
    recent = list(history)[-settings.average_months:]
    volume = average_monthly(recent, settings.average_months, settings.average_min_months)
    if volume is None:
        return None
    return Volume(AVERAGE, volume, _explain_average(recent, volume))


def by_normative(normative: Decimal | None, people: int, k: Decimal = ZERO) -> Volume:
    if normative is None:
        raise VolumeError("no_normative", _("No normative is set for this service."))
    volume = normative_volume(normative, people, k)
    return Volume(NORMATIVE, volume, _explain_normative(people, normative, k, volume))


def substitute(*, history: Sequence[Decimal], periods_substituted: int, normative: Decimal | None, people: int,
               failed: bool = False, settings: VolumeSettings = VolumeSettings()) -> Volume:
    """The volume of a period without an actual reading (п. 59–60).

    `periods_substituted` counts the periods before this one already billed without an actual
    reading (since the last reading, or since the meter failed or its verification expired). Up to
    `max_average_periods` periods take the average; then the normative, × `failure_multiplier` when
    the meter failed or its verification expired (`failed`).
    """
    if periods_substituted < settings.max_average_periods:
        average = by_average(history, settings)
        if average is not None:
            return average
    k = settings.failure_multiplier - 1 if failed else ZERO
    return by_normative(normative, people, k)

