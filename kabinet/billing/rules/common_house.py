"""Common-house needs (ОДН / СОИ, DOMAIN.md §7): pure functions over Decimals, no database.

With a house (collective) meter, the common volume of a building for a period is what the house meter
counted less what the premises were charged individually (metered, by average or normative, and the
non-residential premises): formula 12 of ПП 354 (pre-2017 wording)

    V_common = V_house − ΣV_non-residential − ΣV_no-meter − ΣV_metered,

never negative (more charged individually than the house meter counted: no common volume, flagged).
Since 2017 what is distributed is capped at the normative for the common property, N × S_common
(`cap`); the rest is the organisation's loss. The distributed volume is shared by area,
V_i = V_distributed × S_i / S_total, each share to the engine's volume step with the rounding
remainder on one line (the largest area), so the shares add up to the distributed volume exactly.
Money is rounded half up at each line (`charges`); the loss is priced at the same tariff.

Worked example: (12 000 − 10 000) × 60 / 2 400 = 50 kWh × 1.936 ₽ = 96.80 ₽.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from kabinet.billing.rules import formatting as fmt
from kabinet.core.money import to_money

ZERO = Decimal(0)
VOLUME_STEP = Decimal("0.000001")  # what Charge.volume stores


@dataclass(frozen=True)
class CommonHouse:
    """The common-house volume of one building and service for one period, and what becomes of it."""

    house: Decimal  # the house meter's volume
    individual: Decimal  # Σ volumes charged to the premises individually
    actual: Decimal  # max(house − individual, 0)
    cap: Decimal | None  # N × S_common; None without a normative for the common property
    distributed: Decimal  # min(actual, cap), or actual without a cap; to the volume step
    loss: Decimal  # actual − distributed
    normative: Decimal | None = None  # per m² of common property per month
    common_area: Decimal | None = None  # S_common, m²

    @property
    def individual_exceeds_house(self) -> bool:
        """More was charged individually than the house meter counted (a meter or data problem)."""
        return self.individual > self.house


def common_volume(house, individual) -> Decimal:
    """V_house − ΣV_individual, at least 0."""
    return max(Decimal(house) - Decimal(individual), ZERO)


def cap(normative, common_area) -> Decimal | None:
    """The normative volume for the common property: N per m² × S_common (None if either is unknown)."""
    if normative is None or common_area is None:
        return None
    return Decimal(normative) * Decimal(common_area)


def common_house(house, individual, *, normative=None, common_area=None,
                 step: Decimal = VOLUME_STEP) -> CommonHouse:
    """The building's common volume, its cap, what is distributed and the loss."""
    house, individual = Decimal(house), Decimal(individual)
    actual = common_volume(house, individual)
    limit = cap(normative, common_area)
    distributed = (actual if limit is None else min(actual, limit)).quantize(step, rounding=ROUND_HALF_UP)
    return CommonHouse(house=house, individual=individual, actual=actual, cap=limit, distributed=distributed,
                       loss=actual - distributed, normative=normative if limit is not None else None,
                       common_area=common_area if limit is not None else None)


def shares(volume, areas: Sequence[Decimal], *, step: Decimal = VOLUME_STEP) -> list[Decimal]:
    """`volume` × S_i / S_total for each area, to `step`; the first of the largest areas takes the
    rounding remainder, so the shares add up to `volume` exactly. Areas must be ≥ 0, their sum > 0."""
    volume = Decimal(volume)
    areas = [Decimal(a) for a in areas]
    if not areas:
        return []
    if any(a < 0 for a in areas):
        raise ValueError("Areas must not be negative.")
    total = sum(areas, ZERO)
    if total <= 0:
        raise ValueError("The total area must be positive.")
    designated = max(range(len(areas)), key=lambda i: (areas[i], -i))
    result = [ZERO if i == designated else (volume * area / total).quantize(step, rounding=ROUND_HALF_UP)
              for i, area in enumerate(areas)]
    result[designated] = volume - sum(result, ZERO)
    return result


def loss_amount(loss, price) -> Decimal:
    """The loss in roubles at the tariff, half up to the kopeck."""
    return to_money(Decimal(loss) * Decimal(price))



def protocol(result: CommonHouse, *, area, total_area, volume, unit: str, price, amount) -> str:
    """The line's formula with its numbers, e.g. `ОДН: (12 000 − 10 000) × 60 / 2 400 = 50 кВт·ч ×
    1,936 ₽ = 96,80 ₽`; with a cap, `ОДН: min(12 000 − 10 000; норматив 0,5 × 1 000) × …`."""
    values = {
        "house": fmt.number(result.house), "individual": fmt.number(result.individual),
        "area": fmt.number(area, max_decimals=2), "total_area": fmt.number(total_area, max_decimals=2),
        "volume": fmt.number(volume), "unit": unit, "price": fmt.price(price),
        "amount": fmt.money(amount),
    }
    if result.cap is not None:
        values.update(normative=fmt.number(result.normative, max_decimals=6),
                      common_area=fmt.number(result.common_area, max_decimals=2))
        return _("Common-house needs: min(%(house)s − %(individual)s; normative %(normative)s × %(common_area)s) "
                 "× %(area)s / %(total_area)s = %(volume)s %(unit)s × %(price)s ₽ = %(amount)s ₽") % values
    return _("Common-house needs: (%(house)s − %(individual)s) × %(area)s / %(total_area)s = %(volume)s %(unit)s "
             "× %(price)s ₽ = %(amount)s ₽") % values
