"""Money and period helpers: Decimal rounded half-up to the kopeck, periods as first days of months."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

KOPECK = Decimal("0.01")
THIN_SPACE = "\u202f"  # narrow no-break space between thousands
NBSP = "\u00a0"


def to_money(value) -> Decimal:
    """Round to the kopeck, half up (DOMAIN.md: rounded at each charge line)."""
    if isinstance(value, float):
        raise TypeError("Money must not be a float; pass a Decimal, int or str.")
    return Decimal(value).quantize(KOPECK, rounding=ROUND_HALF_UP)


def format_money(value: Decimal, currency: str = "₽") -> str:
    """`12 345,67 ₽` with thin (narrow no-break) spaces between thousands, as the UI guide asks."""
    amount = to_money(value)
    sign = "−" if amount < 0 else ""
    whole, _, frac = f"{abs(amount):.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = f"{sign}{THIN_SPACE.join(groups)},{frac}"
    return f"{text}{NBSP}{currency}" if currency else text


def period_start(day: dt.date) -> dt.date:
    """The billing period (calendar month) a day belongs to, as its first day."""
    return day.replace(day=1)


def add_months(period: dt.date, months: int) -> dt.date:
    index = period.year * 12 + period.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_period(text: str) -> dt.date:
    """`2026-10` → date(2026, 10, 1); raises ValueError with a clear message otherwise."""
    try:
        year, month = text.strip().split("-")
        return dt.date(int(year), int(month), 1)
    except (ValueError, AttributeError) as exc:
        raise ValueError(f"Period must be YYYY-MM, got {text!r}.") from exc
