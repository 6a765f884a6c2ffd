"""Commission and splitting (DOMAIN.md §8): plain functions over Decimals.

- Recipient pays: the payer pays x; fee = max(minimum, β·x) + fixed; the supplier receives x − fee.
- Payer pays: the payer is charged T with T − fee(T) = x, so the supplier receives x in full; for a
  pure percentage T = x / (1 − β), rounded up to the kopeck.
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from kabinet.billing.rules.allocation import split_pro_rata

KOPECK = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


class CommissionError(ValueError):
    pass


@dataclass(frozen=True)
class Commission:
    percent: Decimal = ZERO  # 1.5 means 1.5 %
    minimum: Decimal = ZERO
    fixed: Decimal = ZERO
    payer_pays: bool = False

    @property
    def rate(self) -> Decimal:
        return Decimal(self.percent) / HUNDRED

    @property
    def is_free(self) -> bool:
        return not (self.percent or self.minimum or self.fixed)


@dataclass(frozen=True)
class Priced:
    amount: Decimal  # goes to the debts
    fee: Decimal
    total: Decimal  # charged to the payer's card
    credited: Decimal  # what the recipient receives


def fee_on(rule: Commission, charged: Decimal) -> Decimal:
    """The fee of an amount the acquirer takes from the card (recipient pays)."""
    percent_part = (Decimal(charged) * rule.rate).quantize(KOPECK, rounding=ROUND_HALF_UP)
    return max(Decimal(rule.minimum), percent_part) + Decimal(rule.fixed)


def price(rule: Commission, amount: Decimal) -> Priced:
    """The fee, the total charged and what the recipient gets for paying `amount` off the debts."""
    amount = Decimal(amount).quantize(KOPECK)
    if amount <= 0:
        raise CommissionError("The amount must be positive.")
    if rule.rate >= 1:
        raise CommissionError("The percentage must be below 100.")
    if not rule.payer_pays:
        fee = fee_on(rule, amount)
        if fee >= amount:
            raise CommissionError("The amount is smaller than the commission.")
        return Priced(amount, fee, amount, amount - fee)
    # The percentage applies when β·T ≥ minimum, T = (x + fixed) / (1 − β) rounded up; else T = x + min + fixed.
    total = ((amount + Decimal(rule.fixed)) / (1 - rule.rate)).quantize(KOPECK, rounding=ROUND_CEILING)
    if total * rule.rate < Decimal(rule.minimum):
        total = amount + Decimal(rule.minimum) + Decimal(rule.fixed)
    return Priced(amount, total - amount, total, amount)


def split_fee(fee: Decimal, amounts: list[Decimal], designated: int | None = None) -> list[Decimal]:
    """A fee shared among the lines of one payment pro rata to their amounts; the rounding remainder
    goes to the designated line (by default the largest), so the shares add up to the fee."""
    if not amounts:
        return []
    total = sum(amounts, ZERO)
    if fee == 0:
        return [ZERO for _ in amounts]
    scaled = split_pro_rata(min(Decimal(fee), total), list(amounts), designated)
    if fee > total:  # a minimum or fixed fee above the amounts themselves: the rest to the designated line
        index = designated if designated is not None else max(range(len(amounts)), key=lambda i: (amounts[i], -i))
        scaled[index] += Decimal(fee) - total
    return scaled
