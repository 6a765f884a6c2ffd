"""Penalties for late payment of housing and utility services (ЖК РФ ст. 155 ч. 14, DOMAIN.md §3).

- Day 1 of delay is the day after the due date; the payment day counts.
- Days 1–30: nothing; days 31–90: 1/300 of the rate per day; from day 91: 1/130.
- The rate is the key rate in force on the day of payment (for unpaid debt: the calculation day),
  applied to the whole overdue period; moratoria and caps (`keyrates.PENALTY_RULES`) override it for
  the days they cover.
- A partial payment reduces the base from the day after it; the paid part accrues with the rate of
  its own payment day.
- The penalty of one debt is rounded half up to the kopeck once (the line); the segments keep exact
  amounts, rounded only for display.
"""

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from kabinet.billing.rules import formatting as fmt
from kabinet.billing.rules import keyrates
from kabinet.core.money import add_months, to_money

ZERO = Decimal(0)
GRACE_DAYS = 30  # no penalty for the first 30 days
LOW_RATE_UNTIL_DAY = 90  # 1/300 up to day 90, 1/130 from day 91
LOW_FRACTION = 300
HIGH_FRACTION = 130
LIMITATION_YEARS = 3  # ГК РФ ст. 196, 199


@dataclass(frozen=True)
class PenaltyRule:
    """A moratorium or a cap over a range of days of delay (inclusive; `end` None = open-ended)."""

    start: dt.date
    end: dt.date | None
    kind: str  # keyrates.NO_PENALTY, FIXED_RATE or CAP_RATE
    rate: Decimal | None = None
    source: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class RateTable:
    """Key rates by the day they take effect, and the moratorium/cap rules."""

    key_rates: tuple[tuple[dt.date, Decimal], ...]
    rules: tuple[PenaltyRule, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "key_rates", tuple(sorted(self.key_rates)))
        object.__setattr__(self, "rules", tuple(sorted(self.rules, key=lambda r: r.start)))

    @classmethod
    def default(cls) -> "RateTable":
        return cls(
            key_rates=keyrates.KEY_RATES,
            rules=tuple(PenaltyRule(*row) for row in keyrates.PENALTY_RULES),
        )

    def key_rate_on(self, day: dt.date) -> Decimal:
        index = bisect.bisect_right([d for d, _rate in self.key_rates], day) - 1
        if index < 0:
            raise ValueError(f"No key rate is known for {day:%d.%m.%Y}.")
        return self.key_rates[index][1]

    def rule_on(self, day: dt.date) -> PenaltyRule | None:
        for rule in self.rules:
            if rule.covers(day):
                return rule
        return None

    def rate_for(self, day: dt.date, rate_day: dt.date) -> tuple[Decimal, PenaltyRule | None]:
        """The annual rate (%) for a day of delay when the debt is paid (or computed) on `rate_day`."""
        rule = self.rule_on(day)
        if rule is None:
            return self.key_rate_on(rate_day), None
        if rule.kind == keyrates.NO_PENALTY:
            return ZERO, rule
        if rule.kind == keyrates.FIXED_RATE:
            return rule.rate, rule
        return min(rule.rate, self.key_rate_on(rate_day)), rule

    def boundaries(self) -> list[dt.date]:
        """Days on which the rate rules change (a segment must start there)."""
        days = []
        for rule in self.rules:
            days.append(rule.start)
            if rule.end is not None:
                days.append(rule.end + dt.timedelta(days=1))
        return days


@dataclass(frozen=True)
class PenaltySegment:
    """Consecutive days of delay with the same base, fraction and rate."""

    start: dt.date
    end: dt.date
    base: Decimal
    fraction: int  # 300 or 130
    rate: Decimal  # % per year
    rate_day: dt.date  # the payment (or calculation) day the rate was taken on
    first_day: int  # day of delay of `start`
    amount: Decimal  # exact, not rounded
    rule: PenaltyRule | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def describe(self) -> str:
        values = {
            "start": fmt.date(self.start), "end": fmt.date(self.end), "days": self.days,
            "base": fmt.money(self.base), "fraction": self.fraction, "rate": fmt.percent(self.rate),
            "amount": fmt.money(self.amount),
        }
        if self.rule is not None and self.rule.kind == keyrates.NO_PENALTY:
            return _("%(start)s–%(end)s: %(days)s days, moratorium (%(source)s): 0,00") % {
                **values, "source": self.rule.source}
        return _("%(start)s–%(end)s: %(base)s × %(days)s days × 1/%(fraction)s × %(rate)s = %(amount)s") % values


@dataclass(frozen=True)
class PenaltyResult:
    """The penalty on one debt on one day, with its breakdown."""

    debt: Decimal
    due: dt.date
    on: dt.date
    segments: tuple[PenaltySegment, ...] = field(default_factory=tuple)

    @property
    def exact(self) -> Decimal:
        return sum((s.amount for s in self.segments), ZERO)

    @property
    def amount(self) -> Decimal:
        return to_money(self.exact)

    def lines(self) -> list[str]:
        return [s.describe() for s in self.segments]

    def protocol(self) -> str:
        head = _("Penalty on %(debt)s due %(due)s, on %(on)s (ЖК РФ 155.14)") % {
            "debt": fmt.money(self.debt), "due": fmt.date(self.due), "on": fmt.date(self.on)}
        total = _("Total: %(amount)s") % {"amount": fmt.money(self.amount)}
        return "\n".join([head, *self.lines(), total])


def day_of_delay(due: dt.date, day: dt.date) -> int:
    return (day - due).days


def _chunks(debt: Decimal, due: dt.date, on: dt.date,
            payments: Iterable[tuple[dt.date, Decimal]]) -> list[tuple[Decimal, dt.date]]:
    """The debt as parts (amount, the day it was paid or `on`): each part accrues up to that day."""
    outstanding = Decimal(debt)
    parts = []
    for paid_on, amount in sorted(payments, key=lambda p: p[0]):
        if outstanding <= 0:
            break
        if paid_on > on or amount <= 0:
            continue
        part = min(Decimal(amount), outstanding)
        parts.append((part, paid_on))
        outstanding -= part
    if outstanding > 0:
        parts.append((outstanding, on))
    return parts


def _segments_of(base: Decimal, due: dt.date, until: dt.date, table: RateTable) -> list[PenaltySegment]:
    first = due + dt.timedelta(days=GRACE_DAYS + 1)
    if until < first:
        return []
    cuts = {first, due + dt.timedelta(days=LOW_RATE_UNTIL_DAY + 1), *table.boundaries()}
    starts = sorted(d for d in cuts if first <= d <= until)
    segments = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - dt.timedelta(days=1) if index + 1 < len(starts) else until
        first_day = day_of_delay(due, start)
        fraction = LOW_FRACTION if first_day <= LOW_RATE_UNTIL_DAY else HIGH_FRACTION
        rate, rule = table.rate_for(start, until)
        days = (end - start).days + 1
        amount = base * days * rate / 100 / fraction
        segments.append(PenaltySegment(start=start, end=end, base=base, fraction=fraction, rate=rate,
                                       rate_day=until, first_day=first_day, amount=amount, rule=rule))
    return segments


def penalty(debt, due: dt.date, on: dt.date, *, payments: Sequence[tuple[dt.date, Decimal]] = (),
            table: RateTable | None = None) -> PenaltyResult:
    """The penalty accrued on `debt` (due on `due`) up to and including `on`.

    `payments` are (day, amount) of the principal paid on this debt: each paid part accrues up to its
    payment day with the rate of that day; the unpaid rest up to `on` with the rate of `on`.
    """
    table = table or RateTable.default()
    debt = Decimal(debt)
    segments = []
    for base, until in _chunks(debt, due, on, payments):
        segments.extend(_segments_of(base, due, until, table))
    segments.sort(key=lambda s: (s.start, s.rate_day))
    return PenaltyResult(debt=debt, due=due, on=on, segments=tuple(segments))


# --- Due dates and limitation ---------------------------------------------------------------------


@dataclass(frozen=True)
class DueDay:
    """From `valid_from` on, payment for a month is due on `day` of the following month."""

    valid_from: dt.date
    day: int


# ЖК РФ 155 ч. 1: the 10th of the following month; from 01.03.2026 the 15th (DOMAIN.md §3).
# Organisations may set their own days with dates of change (`DueDateRule`).
DEFAULT_DUE_DAYS = (DueDay(dt.date(2000, 1, 1), 10), DueDay(dt.date(2026, 3, 1), 15))


def due_date(period: dt.date, due_days: Sequence[DueDay] = DEFAULT_DUE_DAYS) -> dt.date:
    """The day payment for `period` (a month) is due: the rule in force in the following month."""
    month = add_months(period.replace(day=1), 1)
    rules = sorted(due_days or DEFAULT_DUE_DAYS, key=lambda r: r.valid_from)
    day = rules[0].day
    for rule in rules:
        if rule.valid_from <= month:
            day = rule.day
    last = (add_months(month, 1) - dt.timedelta(days=1)).day
    return month.replace(day=min(day, last))


def limitation_ends(due: dt.date, years: int = LIMITATION_YEARS) -> dt.date:
    """The last day a debt due on `due` is within the limitation period (ГК РФ 196, 200)."""
    try:
        return due.replace(year=due.year + years)
    except ValueError:  # 29 February
        return due.replace(year=due.year + years, day=28)


def is_time_barred(due: dt.date, on: dt.date, years: int = LIMITATION_YEARS) -> bool:
    return on > limitation_ends(due, years)
