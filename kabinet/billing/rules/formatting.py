"""Numbers in protocols and breakdowns, Russian style: a decimal comma and narrow no-break spaces
between thousands (the UI guide), volumes without trailing zeros."""

from decimal import ROUND_HALF_UP, Decimal

from kabinet.core.money import THIN_SPACE, to_money

VOLUME_DISPLAY = 5  # decimals of a volume in a protocol: 5.233333… → 5,23333 (DOMAIN.md §1)
STEPS = {n: Decimal(1).scaleb(-n) for n in range(9)}


def _group(whole: str) -> str:
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return THIN_SPACE.join(groups) or "0"


def number(value, *, max_decimals: int = VOLUME_DISPLAY, min_decimals: int = 0) -> str:
    """`5.2333333` → `5,23333`; `6.0` with min_decimals=1 → `6,0`; `20.805` → `20,805`."""
    value = Decimal(value)
    whole, _sep, frac = f"{value:f}".lstrip("-").partition(".")
    if len(frac) > max_decimals:  # round only what has more decimals (most volumes have fewer)
        value = value.quantize(STEPS.get(max_decimals) or Decimal(1).scaleb(-max_decimals), rounding=ROUND_HALF_UP)
        whole, _sep, frac = f"{abs(value):f}".partition(".")
    frac = frac.rstrip("0")
    if len(frac) < min_decimals:
        frac = frac.ljust(min_decimals, "0")
    sign = "−" if value < 0 else ""
    return f"{sign}{whole if len(whole) <= 3 else _group(whole)}{',' + frac if frac else ''}"


def money(value) -> str:
    """`1278.6` → `1 278,60` (always two decimals)."""
    amount = to_money(value)
    whole, _sep, frac = f"{abs(amount):.2f}".partition(".")
    sign = "−" if amount < 0 else ""
    return f"{sign}{whole if len(whole) <= 3 else _group(whole)},{frac}"


def price(value) -> str:
    """A tariff with its own decimals, at least two: `50,93`, `1,936`, `20,00` (a kopeck-rounded `1,94`
    would not multiply out to the amount in a protocol)."""
    return number(value, max_decimals=4, min_decimals=2)


def percent(rate) -> str:
    """`9.5` → `9,5 %`."""
    return f"{number(rate, max_decimals=4)}\u00a0%"


def date(day) -> str:
    return day.strftime("%d.%m.%Y")
