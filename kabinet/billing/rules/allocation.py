"""Payment allocation (ГК РФ ст. 319.1, 199; Пленум ВС №22 п. 32; ПП 354 п. 118; DOMAIN.md §4).

1. A period the payer named (in the payment, the QR's `PaymPeriod`) is paid first — even when it is
   time-barred: naming it is the payer's explicit instruction;
2. else the period of the bill paid against;
3. then open periods within the limitation period, oldest due date first; periods with the same due
   date share pro rata;
4. inside a period, pro rata across the service lines (and so the suppliers), the rounding remainder
   to one designated line, so the parts add up exactly;
5. penalties after all principal, unless the payer explicitly pays penalties (`penalty_amount`);
6. the rest is an advance;
7. time-barred periods only with `include_time_barred`.

What is left of a named period's payment after its debt is covered follows rule 3 (ГК 319.1 п. 3:
the unspecified part goes to the obligation that fell due first).
"""

import datetime as dt
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from itertools import groupby

from kabinet.billing.rules.penalties import LIMITATION_YEARS, due_date, is_time_barred
from kabinet.core.money import KOPECK

ZERO = Decimal("0.00")

PRINCIPAL = "principal"
PENALTY = "penalty"
ADVANCE = "advance"


@dataclass(frozen=True)
class DebtLine:
    """What is still owed for one service in one period (principal and penalty, ≥ 0 to be paid)."""

    period: dt.date
    service: Hashable
    supplier: Hashable = None
    principal: Decimal = ZERO
    penalty: Decimal = ZERO
    designated: bool = False  # takes the rounding remainder within its period


@dataclass(frozen=True)
class AllocationLine:
    period: dt.date | None  # None for the advance
    service: Hashable
    supplier: Hashable
    kind: str  # PRINCIPAL, PENALTY or ADVANCE
    amount: Decimal


def split_pro_rata(amount: Decimal, caps: Sequence[Decimal], designated: int | None = None) -> list[Decimal]:
    """Split `amount` in proportion to `caps` (each ≥ 0), never above a cap, to the kopeck.

    Every share but the designated one is rounded down; the designated share (by default the
    largest cap) takes the remainder, so the parts always add up to `amount` exactly. If that pushes
    it over its cap, the excess kopecks move to the other lines with room, in order.
    """
    amount = Decimal(amount)
    total = sum(caps, ZERO)
    if amount < 0 or any(c < 0 for c in caps):
        raise ValueError("Amounts and caps must not be negative.")
    if amount > total:
        raise ValueError("The amount exceeds the sum of the caps.")
    if amount == total:
        return [Decimal(c) for c in caps]
    if designated is None:
        designated = max(range(len(caps)), key=lambda i: (caps[i], -i))
    shares = [
        ZERO if i == designated else (amount * cap / total).quantize(KOPECK, rounding=ROUND_DOWN)
        for i, cap in enumerate(caps)
    ]
    shares[designated] = amount - sum(shares, ZERO)
    excess = shares[designated] - caps[designated]
    if excess > 0:
        shares[designated] = caps[designated]
        for i, cap in enumerate(caps):
            if excess <= 0:
                break
            room = cap - shares[i]
            if i != designated and room > 0:
                moved = min(room, excess)
                shares[i] += moved
                excess -= moved
    return shares


class _Ledger:
    """Mutable outstanding amounts of the debt lines during one allocation."""

    def __init__(self, lines: Sequence[DebtLine]):
        self.lines = list(lines)
        self.left = {PRINCIPAL: [max(line.principal, ZERO) for line in lines],
                     PENALTY: [max(line.penalty, ZERO) for line in lines]}
        self.result: list[AllocationLine] = []

    def pay(self, amount: Decimal, indexes: list[int], kind: str) -> Decimal:
        """Pay `amount` into the lines `indexes` pro rata by what they owe; returns what is left."""
        owed = [self.left[kind][i] for i in indexes]
        total = sum(owed, ZERO)
        if amount <= 0 or total <= 0:
            return amount
        paid = min(amount, total)
        designated = next((n for n, i in enumerate(indexes) if self.lines[i].designated and owed[n] > 0), None)
        for n, share in enumerate(split_pro_rata(paid, owed, designated)):
            if share:
                i = indexes[n]
                self.left[kind][i] -= share
                line = self.lines[i]
                self.result.append(AllocationLine(line.period, line.service, line.supplier, kind, share))
        return amount - paid

    def pay_oldest_first(self, amount: Decimal, indexes: list[int], kind: str,
                         due: Callable[[dt.date], dt.date]) -> Decimal:
        """Oldest due date first; periods sharing a due date share pro rata."""
        ordered = sorted(indexes, key=lambda i: (due(self.lines[i].period), self.lines[i].period))
        for _due, group in groupby(ordered, key=lambda i: due(self.lines[i].period)):
            amount = self.pay(amount, list(group), kind)
            if amount <= 0:
                break
        return amount


def allocate(amount, debts: Sequence[DebtLine], *, paid_on: dt.date, named_period: dt.date | None = None,
             bill_period: dt.date | None = None, penalty_amount=ZERO, include_time_barred: bool = False,
             due: Callable[[dt.date], dt.date] = due_date, limitation_years: int = LIMITATION_YEARS,
             advance_service: Hashable = None, advance_supplier: Hashable = None) -> list[AllocationLine]:
    """Allocate a payment of `amount` over the open `debts`; the lines add up to `amount` exactly.

    `due(period)` gives a period's due date (the organisation's rule); a period is time-barred when
    `paid_on` is more than `limitation_years` after it. `penalty_amount` is the part the payer
    explicitly meant for penalties (the QR's `AddAmount`).
    """
    amount = Decimal(amount)
    if amount <= 0:
        raise ValueError("A payment must be positive.")
    ledger = _Ledger(debts)
    target = named_period or bill_period
    everything = range(len(ledger.lines))
    in_time = [i for i in everything if include_time_barred
               or not is_time_barred(due(ledger.lines[i].period), paid_on, limitation_years)]
    targeted = [i for i in everything if target is not None and ledger.lines[i].period == target]
    rest = [i for i in in_time if i not in targeted]

    left = amount
    explicit_penalty = min(Decimal(penalty_amount or 0), left)
    if explicit_penalty > 0:
        unused = ledger.pay(explicit_penalty, targeted, PENALTY)
        unused = ledger.pay_oldest_first(unused, rest, PENALTY, due)
        left = left - explicit_penalty + unused
    left = ledger.pay(left, targeted, PRINCIPAL)
    left = ledger.pay_oldest_first(left, rest, PRINCIPAL, due)
    left = ledger.pay(left, targeted, PENALTY)
    left = ledger.pay_oldest_first(left, rest, PENALTY, due)
    if left > 0:
        ledger.result.append(AllocationLine(None, advance_service, advance_supplier, ADVANCE, left))
    return ledger.result
