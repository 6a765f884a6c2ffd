"""Pure rules for meter readings (DOMAIN.md §1–2): parsing, periods, rollover, limits, warnings.

No database here: every function takes plain values and either returns a result or raises
`RuleError` with a `code` (stable, for programs) and a message in plain language (for people).
Services in `services.py` gather the values from the database and persist the outcome.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from kabinet.core.money import NBSP, THIN_SPACE, add_months

# Tariff zones (channels) of Приказ ФСТ №1473-э, in the order a meter shows them and an SMS lists them.
T1, T2, T3 = "T1", "T2", "T3"
ZONES = (T1, T2, T3)

# Limit modes of the organisation's reading settings.
LIMIT_REFUSE = "refuse"
LIMIT_CONFIRM = "confirm"

DEFAULT_CUTOFF_DAY = 25
DEFAULT_HIGH_FACTOR = Decimal("3")
AVERAGE_MONTHS = 6  # the average covers 6 months (ПП 354 п. 59 «б»)
AVERAGE_MIN_MONTHS = 3  # fewer months of history than this: no average, no "high" warning
ZERO_STREAK_MONTHS = 3


class RuleError(ValueError):
    """A reading breaks a rule. `code` is stable for programs; the message is shown to people as is."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# --- Numbers ---------------------------------------------------------------------------------------


def format_volume(value, decimals: int | None = None, unit: str = "") -> str:
    """`12 345,6` Russian style: narrow no-break spaces between thousands, a decimal comma.

    With `decimals`, exactly that many decimals; otherwise trailing zeros are dropped
    (`12345.600` → `12 345,6`), which reads better in messages.
    """
    number = Decimal(value)
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-decimals))
        text = f"{abs(number):.{decimals}f}"
    else:
        text = f"{abs(number):f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    whole, _sep, frac = text.partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    sign = "−" if number < 0 else ""
    result = f"{sign}{THIN_SPACE.join(groups) or '0'}" + (f",{frac}" if frac else "")
    return f"{result}{NBSP}{unit}" if unit else result


_NUMBER = re.compile(r"^(?P<whole>[0-9]*)(?:[.,](?P<frac>[0-9]*))?$")


def parse_value(raw, *, digits: int | None = None, decimals: int | None = None) -> Decimal:
    """The number a person typed (or a Decimal an integration sent), checked against the meter.

    Accepts digits with at most one decimal separator, a point or a comma (`12345,6`, `12345.6`).
    `digits` is the meter's number of integer digits (its capacity), `decimals` the digits after
    the separator it shows. Raises RuleError with codes: required, negative, spaces, separators,
    not_a_number, too_many_digits, too_many_decimals.
    """
    if isinstance(raw, Decimal | int) and not isinstance(raw, bool):
        number = Decimal(raw)
        if not number.is_finite():
            raise RuleError("not_a_number", _not_a_number())
        text = f"{number:f}"
    elif isinstance(raw, str) or raw is None:
        text = (raw or "").strip()
    else:
        raise RuleError("not_a_number", _not_a_number())
    if not text:
        raise RuleError("required", _("Enter the reading. To keep the previous value, enter 0 as consumption "
                                      "or repeat the previous reading."))
    if text[0] in "-−–":
        raise RuleError("negative", _("The value cannot be negative."))
    if any(ch.isspace() for ch in text):
        raise RuleError("spaces", _("Remove the spaces inside the number: type it without gaps, e.g. 12345,6."))
    if text.count(".") + text.count(",") > 1:
        raise RuleError("separators", _("Use only one decimal separator: a comma or a point, e.g. 12345,6."))
    match = _NUMBER.match(text)
    if match is None or not (match["whole"] or match["frac"]):
        raise RuleError("not_a_number", _not_a_number())
    whole, frac = match["whole"] or "0", match["frac"] or ""
    try:
        number = Decimal(f"{whole}.{frac}" if frac else whole)
    except InvalidOperation:  # pragma: no cover - the regex admits only digits
        raise RuleError("not_a_number", _not_a_number()) from None
    if digits is not None and number >= capacity(digits):
        raise RuleError("too_many_digits", _(
            "Too many digits: this meter shows at most %(digits)s digits before the decimal separator."
        ) % {"digits": digits})
    if decimals is not None and len(frac.rstrip("0")) > decimals:
        if decimals == 0:
            raise RuleError("too_many_decimals", _("This meter shows no decimals: enter a whole number."))
        raise RuleError("too_many_decimals", _(
            "Too many digits after the decimal separator: this meter shows at most %(decimals)s."
        ) % {"decimals": decimals})
    return number


def _not_a_number() -> str:
    return _("Use digits only, with a comma or a point before the decimals, e.g. 12345,6.")


# --- Rollover and consumption -------------------------------------------------------------------------


def capacity(digits: int) -> Decimal:
    """10^digits: the value at which a meter with `digits` integer digits rolls over to zero."""
    return Decimal(10) ** digits


def is_below_previous(previous: Decimal, value: Decimal) -> bool:
    return value < previous


def rollover_consumption(previous: Decimal, value: Decimal, digits: int) -> Decimal:
    """Consumption when the counter passed 999…9 → 0: 10^digits − previous + value."""
    return capacity(digits) - previous + value


def consumption_between(previous: Decimal, value: Decimal, digits: int, *, rollover: bool = False) -> Decimal:
    """Consumption from `previous` to `value`. Below the previous value only as a confirmed rollover."""
    if value >= previous:
        return value - previous
    if not rollover:
        raise RuleError("below_previous", below_previous_message(previous))
    return rollover_consumption(previous, value, digits)


def below_previous_message(previous: Decimal) -> str:
    return _(
        "The reading cannot be less than the previous one (%(previous)s). If the meter has passed "
        "through zero, confirm it."
    ) % {"previous": format_volume(previous)}


def reading_from_consumption(previous: Decimal, consumption: Decimal, digits: int) -> tuple[Decimal, bool]:
    """Consumption mode → the reading the display shows: (value, rolled_over).

    0 keeps the previous reading (seed 001: "enter 0 consumption to keep the old value"). Past the
    capacity the display wraps: 99 990 + 25 on a 5-digit meter shows 15.
    """
    if consumption < 0:
        raise RuleError("negative", _("The value cannot be negative."))
    if consumption >= capacity(digits):
        raise RuleError("too_many_digits", _(
            "Too many digits: this meter shows at most %(digits)s digits before the decimal separator."
        ) % {"digits": digits})
    value = previous + consumption
    if value >= capacity(digits):
        return value - capacity(digits), True
    return value, False


# --- Periods and the submission window -----------------------------------------------------------------


def period_for(day: dt.date, cutoff_day: int = DEFAULT_CUTOFF_DAY) -> dt.date:
    """The billing period (first day of the month) a reading taken on `day` counts for.

    Readings after the cutoff day count for the next period (DOMAIN.md §1, default the 25th).
    """
    first = day.replace(day=1)
    return add_months(first, 1) if day.day > cutoff_day else first


def window_opens_on(today: dt.date, start_day: int | None, end_day: int | None) -> dt.date | None:
    """None if submission is open today; else the next day it opens.

    The window is the days `start_day`…`end_day` of every month, inclusive; a window that wraps the
    month end (e.g. 20–5) is allowed. No window (both None) means any day. A start day beyond the end
    of a short month opens on its last day.
    """
    if start_day is None or end_day is None:
        return None
    day = today.day
    inside = start_day <= day <= end_day if start_day <= end_day else (day >= start_day or day <= end_day)
    if inside:
        return None
    month = today.replace(day=1)
    for months_ahead in (0, 1):
        candidate = _day_in_month(add_months(month, months_ahead), start_day)
        if candidate > today:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def _day_in_month(month: dt.date, day: int) -> dt.date:
    last = (add_months(month, 1) - dt.timedelta(days=1)).day
    return month.replace(day=min(day, last))


def window_closed_message(start_day: int, end_day: int, opens_on: dt.date) -> str:
    return _(
        "Readings are accepted from the %(start)s to the %(end)s day of the month. Submission opens on "
        "%(date)s."
    ) % {"start": start_day, "end": end_day, "date": opens_on.strftime("%d.%m.%Y")}


def check_period(taken_on: dt.date, today: dt.date, cutoff_day: int) -> dt.date:
    """Only the current period may be entered (seed 001); returns that period."""
    if taken_on > today:
        raise RuleError("future", _("The date of the reading cannot be in the future."))
    current = period_for(today, cutoff_day)
    if period_for(taken_on, cutoff_day) != current:
        raise RuleError("period", only_current_period_message(current))
    return current


def only_current_period_message(current: dt.date) -> str:
    return _("Readings can be entered only for the current period (%(period)s).") % {
        "period": current.strftime("%m.%Y")}


# --- The meter and its zones ---------------------------------------------------------------------------


def zones_for(count: int) -> tuple[str, ...]:
    """The zones of a 1-, 2- or 3-zone meter, in order."""
    if count not in (1, 2, 3):
        raise ValueError(f"A meter has 1, 2 or 3 tariff zones, not {count}.")
    return ZONES[:count]


def zone_label(zone: str, count: int) -> str:
    """What the zone is called on a meter with `count` zones (Приказ ФСТ №1473-э)."""
    if count == 1:
        return _("Single rate")
    if count == 2:
        return {T1: _("Day"), T2: _("Night")}[zone]
    return {T1: _("Peak"), T2: _("Night"), T3: _("Half-peak")}[zone]


@dataclass(frozen=True)
class MeterState:
    """What the rules need to know about a meter."""

    zone_count: int
    digits: int
    decimals: int
    is_active: bool = True
    is_registered: bool = True
    is_collective: bool = False


def check_meter_accepts_readings(meter: MeterState, *, by_consumer: bool) -> None:
    """Retired or replaced and unregistered meters take no readings; house meters none from consumers."""
    if not meter.is_active:
        raise RuleError("meter_retired", _("This meter has been retired or replaced; it takes no readings."))
    if not meter.is_registered:
        raise RuleError("meter_unregistered", _(
            "This meter is not registered with the organisation. Register it at the office first."
        ))
    if meter.is_collective and by_consumer:
        raise RuleError("meter_collective", _("House meters are read by the organisation."))


def check_zones(meter: MeterState, submitted: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(unknown, missing, repeated) zones of one meter's submission.

    Every zone of a submitted meter is required; a zone the meter lacks, or given twice, is wrong.
    """
    expected = zones_for(meter.zone_count)
    unknown = [z for z in submitted if z not in expected]
    missing = [z for z in expected if z not in submitted]
    seen: set[str] = set()
    repeated = []
    for z in submitted:
        if z in seen and z not in repeated:
            repeated.append(z)
        seen.add(z)
    return unknown, missing, repeated


def unknown_zone_message(zone: str, count: int) -> str:
    return _("The tariff zones of this meter are %(zones)s; %(zone)s is not one of them.") % {
        "zones": ", ".join(zones_for(count)), "zone": zone,
    }


def missing_zone_message(zone: str, count: int) -> str:
    return _("Enter the reading for the zone “%(label)s” (%(zone)s) too: every zone of the meter is "
             "required. To keep the previous value, enter 0 as consumption.") % {
        "label": zone_label(zone, count), "zone": zone,
    }


# --- Limits and warnings -------------------------------------------------------------------------------


def resident_count(residents: int, owners: int) -> int:
    """Registered residents; if none, the owners (DOMAIN.md §1, normative); at least one person."""
    return max(residents or owners or 0, 1)


def consumption_limit(per_resident: Decimal | None, people: int) -> Decimal | None:
    """The monthly limit of an account for a service: per resident × people (None: no limit)."""
    if per_resident is None:
        return None
    return Decimal(per_resident) * people


def check_limit(consumption: Decimal, *, per_resident: Decimal | None, people: int, mode: str,
                unit: str = "", office_phone: str = "") -> str | None:
    """None within the limit; "confirm" when the consumer must confirm; RuleError in refuse mode.

    Seed 001 refuses readings above the limit and sends the consumer to the office; DOMAIN.md §2
    makes that a setting (default: confirm, and the reading is flagged for staff review).
    """
    limit = consumption_limit(per_resident, people)
    if limit is None or consumption <= limit:
        return None
    values = {
        "consumption": format_volume(consumption, unit=unit), "limit": format_volume(limit, unit=unit),
        "per_resident": format_volume(per_resident, unit=unit), "people": people, "phone": office_phone,
    }
    if mode == LIMIT_REFUSE:
        if office_phone:
            message = _(
                "Consumption %(consumption)s is above the limit of %(limit)s (%(per_resident)s per resident, "
                "residents: %(people)s). Readings this high are accepted at the office or by phone %(phone)s."
            )
        else:
            message = _(
                "Consumption %(consumption)s is above the limit of %(limit)s (%(per_resident)s per resident, "
                "residents: %(people)s). Readings this high are accepted at the office or by phone."
            )
        raise RuleError("limit", message % values)
    return "confirm"


def limit_confirmation_message(consumption: Decimal, limit: Decimal, unit: str = "") -> str:
    return _(
        "Consumption %(consumption)s is above the usual limit of %(limit)s for your flat. Check the "
        "reading; if it is right, confirm it and the organisation will review it."
    ) % {"consumption": format_volume(consumption, unit=unit), "limit": format_volume(limit, unit=unit)}


def rollover_confirmation_message(previous: Decimal, value: Decimal, consumption: Decimal) -> str:
    return _(
        "The reading %(value)s is less than the previous one (%(previous)s). If the meter has passed "
        "through zero, confirm it: the consumption will be %(consumption)s."
    ) % {"value": format_volume(value), "previous": format_volume(previous),
         "consumption": format_volume(consumption)}


def monthly_average(history: list[Decimal], months: int = AVERAGE_MONTHS,
                    min_months: int = AVERAGE_MIN_MONTHS) -> Decimal | None:
    """Average of the last `months` monthly consumptions (newest last); None with too little history."""
    recent = history[-months:]
    if len(recent) < min_months:
        return None
    return sum(recent, Decimal(0)) / len(recent)


def is_high(consumption: Decimal, history: list[Decimal], factor: Decimal = DEFAULT_HIGH_FACTOR) -> bool:
    """Above k × the 6-month average: a soft warning for staff, never a refusal (DOMAIN.md §2)."""
    average = monthly_average(history)
    return average is not None and average > 0 and consumption > factor * average


def is_zero_streak(consumption: Decimal, history: list[Decimal], months: int = ZERO_STREAK_MONTHS) -> bool:
    """Zero consumption this month and the `months − 1` months before (newest last)."""
    previous = history[-(months - 1):] if months > 1 else []
    return consumption == 0 and len(previous) == months - 1 and all(c == 0 for c in previous)


def is_hot_above_cold(hot: Decimal | None, cold: Decimal | None) -> bool:
    """Hot water above cold water in one flat for one period is unusual (most flats use more cold)."""
    return hot is not None and cold is not None and hot > cold


def warning_message(code: str, **values) -> str:
    """Messages of the soft warnings: they only flag the reading for staff."""
    if code == "high":
        return _("Consumption is more than %(factor)s times the average of recent months.") % values
    if code == "zero":
        return _("No consumption for %(months)s months in a row.") % values
    if code == "hot_above_cold":
        return _("Hot water consumption is above cold water consumption.")
    if code == "verification_expired":
        return _("The meter's verification was due on %(date)s: readings of an unverified meter may be "
                 "replaced by the average. Arrange the verification.") % values
    raise ValueError(code)
