"""The account statement («Состояние счёта», seed 001) and the penalty calculator's reads.

`account_statement(account, period_from=None, period_to=None)` gives every billing period of one
account, newest first, with its totals from `Balance` (opening, charged, recalculated, paid, penalty,
closing) and the lines behind them: charges per service with volume, tariff, kind and protocol,
payments with what each one paid (ГК 319.1 allocation), and penalty lines. It works the same for the
built-in engine and for organisations with external billing, whose loaded `Balance` rows come
without lines (then a period has totals only: `has_lines` is False).

Five queries whatever the number of periods (balances, charges, payments, allocations, penalties).
Callers pass an account they have already checked access to (e.g. through
`kabinet.accounts.services.get_account_for_user`); nothing here is tenant-scoped.

The result is plain frozen dataclasses of Decimals, dates and codes, usable by the portal, the API and
exports alike; the `*_label` properties give the words in the active language when they are read.

`calculate_penalty(debt, due, paid_on)` is the public calculator: the engine's own
`rules.penalties.penalty` with the engine's own rate table from the database (`loading.rate_table`),
which `compute_penalties` and the `kabinet penalty` command use too.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from kabinet.billing import loading
from kabinet.billing.models import Allocation, Balance, Charge, Payment, PenaltyCharge
from kabinet.billing.rules import allocation, penalties, volumes
from kabinet.core.money import period_start
from kabinet.metering.rules import zone_label

ZERO = Decimal("0.00")

DEBT, OVERPAID, SETTLED = "debt", "overpaid", "settled"

# Where payments come from (Payment.source is free text written by the payment channels and imports;
# an unknown source is shown as it is stored).
PAYMENT_SOURCES = {
    "bank": _("Bank"),
    "portal": _("Kabinet portal"),
    "app": _("Mobile app"),
    "acquirer": _("Online card payment"),
    "sandbox": _("Online card payment (test)"),
    "yookassa": _("Online card payment"),
    "cash": _("Cash desk"),
    "office": _("Cash desk"),
    "post": _("Post office"),
    "import": _("Loaded from a file"),
    "staff": _("Entered by staff"),
}


def balance_state(amount: Decimal | None) -> str:
    """`debt` (positive), `overpaid` (negative, an advance) or `settled`."""
    if amount is None or amount == 0:
        return SETTLED
    return DEBT if amount > 0 else OVERPAID


@dataclass(frozen=True)
class ChargeLine:
    """One charge line: `volume` × `tariff` = `amount`, found by `kind` (`Charge.Kind`), explained by
    `protocol`. Recalculation lines (kind `recalculation`) carry the reason as their protocol."""

    service_id: int
    service: str
    unit: str
    zone: str  # "", T1, T2 or T3
    zone_count: int  # zones of the meter (1 when unknown or single-rate)
    kind: str
    volume: Decimal
    tariff: Decimal
    amount: Decimal
    protocol: str

    @property
    def kind_label(self) -> str:
        return str(Charge.Kind(self.kind).label) if self.kind in Charge.Kind.values else self.kind

    @property
    def zone_label(self) -> str:
        """«Пик», «Ночь»… for a multi-zone meter; "" otherwise."""
        if not self.zone or self.zone_count < 2:
            return ""
        return str(zone_label(self.zone, self.zone_count))

    @property
    def is_recalculation(self) -> bool:
        return self.kind == volumes.RECALCULATION

    @property
    def is_common(self) -> bool:
        """A common-house needs line (ОДН, DOMAIN.md §7): shown apart from the individual consumption."""
        return self.kind == volumes.COMMON


@dataclass(frozen=True)
class ServiceTotal:
    """What one service cost in a period: its charge lines and recalculation lines summed."""

    service_id: int
    service: str
    unit: str
    charged: Decimal
    recalculated: Decimal
    lines: tuple[ChargeLine, ...]  # the charge lines (per zone), without recalculations
    recalculations: tuple[ChargeLine, ...] = ()

    @property
    def total(self) -> Decimal:
        return self.charged + self.recalculated

    # The bill's columns (DOMAIN.md §6): volume and charged, individual and for common-house needs.
    @property
    def individual_volume(self) -> Decimal:
        return sum((line.volume for line in self.lines if not line.is_common), Decimal(0))

    @property
    def common_volume(self) -> Decimal:
        return sum((line.volume for line in self.lines if line.is_common), Decimal(0))

    @property
    def individual_charged(self) -> Decimal:
        return sum((line.amount for line in self.lines if not line.is_common), ZERO)

    @property
    def common_charged(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.is_common), ZERO)

    @property
    def has_common(self) -> bool:
        return any(line.is_common for line in self.lines)


@dataclass(frozen=True)
class PaidPart:
    """What part of a payment went where: principal of a period's service, a period's penalty, or an
    advance (overpayment) still left. Advances used later by billing runs are netted out."""

    kind: str  # allocation.PRINCIPAL, PENALTY or ADVANCE
    period: dt.date | None
    service: str
    amount: Decimal

    @property
    def kind_label(self) -> str:
        return str(Allocation.Kind(self.kind).label) if self.kind in Allocation.Kind.values else self.kind


@dataclass(frozen=True)
class PaymentLine:
    """Money received, posted in the period (`paid_on` is the day it was paid)."""

    paid_on: dt.date
    amount: Decimal
    source: str
    parts: tuple[PaidPart, ...] = ()

    @property
    def source_label(self) -> str:
        label = PAYMENT_SOURCES.get(self.source)
        return str(label) if label is not None else self.source


@dataclass(frozen=True)
class PenaltyLine:
    """Penalty accrued in the period on the debt of `debt_period` (ЖК РФ 155.14); `total` is the
    penalty on that debt to `calculated_on`, `amount` the part added in this period."""

    debt_period: dt.date
    calculated_on: dt.date
    debt: Decimal
    total: Decimal
    amount: Decimal
    protocol: str


@dataclass(frozen=True)
class StatementPeriod:
    """One billing period of the statement.

    closing = opening + charged + recalculated + penalty − paid; positive is a debt, negative an
    overpayment. The totals come from the period's `Balance`; a period that has lines but (unusually)
    no balance row gets the sums of its lines and `opening`/`closing` None.
    """

    period: dt.date
    opening: Decimal | None
    charged: Decimal
    recalculated: Decimal
    paid: Decimal
    penalty: Decimal
    closing: Decimal | None
    charges: tuple[ChargeLine, ...] = ()  # without recalculations, by service and zone
    recalculations: tuple[ChargeLine, ...] = ()
    payments: tuple[PaymentLine, ...] = ()  # by day paid
    penalties: tuple[PenaltyLine, ...] = ()  # by period of the debt
    services: tuple[ServiceTotal, ...] = field(default=())

    @property
    def has_lines(self) -> bool:
        """False for totals only (an organisation with external billing that loads balances)."""
        return bool(self.charges or self.recalculations or self.payments or self.penalties)

    @property
    def opening_state(self) -> str:
        return balance_state(self.opening)

    @property
    def closing_state(self) -> str:
        return balance_state(self.closing)


def _in_range(queryset, lookup: str, period_from: dt.date | None, period_to: dt.date | None):
    if period_from is not None:
        queryset = queryset.filter(**{f"{lookup}__gte": period_from})
    if period_to is not None:
        queryset = queryset.filter(**{f"{lookup}__lte": period_to})
    return queryset


def _charge_lines(account, period_from, period_to) -> dict[dt.date, list[ChargeLine]]:
    rows = (_in_range(Charge.objects.filter(account=account), "period", period_from, period_to)
            .order_by("period", "service__name", "service_id", "zone", "pk")
            .values("period", "service_id", "service__name", "service__unit", "zone", "meter__zone_count", "kind",
                    "volume", "tariff", "amount", "protocol"))
    rows = list(rows)
    # Lines without a meter (it was removed, or the data was loaded): guess the zone count from the
    # zones billed for that service in that period.
    zones: dict[tuple, set] = defaultdict(set)
    for row in rows:
        zones[(row["period"], row["service_id"])].add(row["zone"])
    lines: dict[dt.date, list[ChargeLine]] = defaultdict(list)
    for row in rows:
        count = row["meter__zone_count"]
        if count is None:
            seen = zones[(row["period"], row["service_id"])]
            count = 3 if "T3" in seen else 2 if "T2" in seen else 1
        lines[row["period"]].append(ChargeLine(
            service_id=row["service_id"], service=row["service__name"], unit=row["service__unit"], zone=row["zone"],
            zone_count=count, kind=row["kind"], volume=row["volume"], tariff=row["tariff"], amount=row["amount"],
            protocol=row["protocol"]))
    return lines


def _paid_parts(rows) -> dict[int, tuple[PaidPart, ...]]:
    """Allocation rows netted per payment, kind, period and service (a later run's use of an advance
    is a negative advance line plus principal lines)."""
    sums: dict[int, dict[tuple, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in rows:
        key = (row["kind"], row["period"], row["service__name"] or "")
        sums[row["payment_id"]][key] += row["amount"]
    order = {allocation.PRINCIPAL: 0, allocation.PENALTY: 1, allocation.ADVANCE: 2}
    parts = {}
    for payment_id, by_key in sums.items():
        kept = [(key, amount) for key, amount in by_key.items() if amount]
        kept.sort(key=lambda item: (order.get(item[0][0], 3), item[0][1] or dt.date.max, item[0][2]))
        parts[payment_id] = tuple(PaidPart(kind, period, service, amount) for (kind, period, service), amount in kept)
    return parts


def _payment_lines(account, period_from, period_to) -> dict[dt.date, list[PaymentLine]]:
    payments = list(_in_range(Payment.objects.filter(account=account), "period", period_from, period_to)
                    .order_by("paid_on", "pk").values("pk", "period", "paid_on", "amount", "source"))
    allocations = (_in_range(Allocation.objects.filter(payment__account=account), "payment__period",
                             period_from, period_to)
                   .order_by("pk").values("payment_id", "kind", "period", "service__name", "amount"))
    parts = _paid_parts(allocations)
    lines: dict[dt.date, list[PaymentLine]] = defaultdict(list)
    for row in payments:
        lines[row["period"]].append(PaymentLine(paid_on=row["paid_on"], amount=row["amount"], source=row["source"],
                                                parts=parts.get(row["pk"], ())))
    return lines


def _penalty_lines(account, period_from, period_to) -> dict[dt.date, list[PenaltyLine]]:
    rows = (_in_range(PenaltyCharge.objects.filter(account=account), "period", period_from, period_to)
            .order_by("period", "debt_period", "pk")
            .values("period", "debt_period", "calculated_on", "debt", "total", "amount", "protocol"))
    lines: dict[dt.date, list[PenaltyLine]] = defaultdict(list)
    for row in rows:
        period = row.pop("period")
        lines[period].append(PenaltyLine(**row))
    return lines


def _services(charges: list[ChargeLine], recalculations: list[ChargeLine]) -> tuple[ServiceTotal, ...]:
    grouped: dict[int, list[ChargeLine]] = {}
    for line in [*charges, *recalculations]:
        grouped.setdefault(line.service_id, []).append(line)
    totals = []
    for service_id, lines in grouped.items():
        regular = tuple(line for line in lines if not line.is_recalculation)
        recalculations = tuple(line for line in lines if line.is_recalculation)
        totals.append(ServiceTotal(
            service_id, lines[0].service, lines[0].unit, charged=sum((line.amount for line in regular), ZERO),
            recalculated=sum((line.amount for line in recalculations), ZERO), lines=regular,
            recalculations=recalculations))
    totals.sort(key=lambda total: (total.service, total.service_id))
    return tuple(totals)


def account_statement(account, *, period_from: dt.date | None = None,
                      period_to: dt.date | None = None) -> list[StatementPeriod]:
    """Every period of `account` from `period_from` to `period_to` (months, inclusive; any day of the
    month will do; None = no limit, the full history), newest first. Five queries in all."""
    period_from = period_start(period_from) if period_from else None
    period_to = period_start(period_to) if period_to else None
    balances = {row["period"]: row for row in
                _in_range(Balance.objects.filter(account=account), "period", period_from, period_to)
                .values("period", "opening", "charged", "recalculated", "paid", "penalty", "closing")}
    charges = _charge_lines(account, period_from, period_to)
    payments = _payment_lines(account, period_from, period_to)
    penalty_lines = _penalty_lines(account, period_from, period_to)

    result = []
    for period in sorted({*balances, *charges, *payments, *penalty_lines}, reverse=True):
        lines = charges.get(period, [])
        regular = [line for line in lines if not line.is_recalculation]
        recalculations = [line for line in lines if line.is_recalculation]
        paid = payments.get(period, [])
        accrued = penalty_lines.get(period, [])
        balance = balances.get(period)
        if balance is not None:
            totals = {key: balance[key] for key in ("opening", "charged", "recalculated", "paid", "penalty", "closing")}
        else:
            totals = {
                "opening": None, "closing": None,
                "charged": sum((line.amount for line in regular), ZERO),
                "recalculated": sum((line.amount for line in recalculations), ZERO),
                "paid": sum((payment.amount for payment in paid), ZERO),
                "penalty": sum((line.amount for line in accrued), ZERO),
            }
        result.append(StatementPeriod(
            period=period, **totals, charges=tuple(regular), recalculations=tuple(recalculations),
            payments=tuple(paid), penalties=tuple(accrued), services=_services(regular, recalculations)))
    return result


# --- The penalty calculator -------------------------------------------------------------------------


def penalty_rate_table() -> penalties.RateTable:
    """The key rates and moratoria the engine uses (`KeyRate`, `PenaltyRule`; two queries)."""
    return loading.rate_table()


def calculate_penalty(debt, due: dt.date, paid_on: dt.date, *,
                      table: penalties.RateTable | None = None) -> penalties.PenaltyResult:
    """The penalty on `debt` due on `due` and paid on `paid_on` (or the day it is computed for), with
    its breakdown by segment (ЖК РФ 155.14) — exactly what the engine would charge for one debt and
    one payment. Raises ValueError when the rate table has no key rate for `paid_on`."""
    return penalties.penalty(Decimal(debt), due, paid_on, table=table or penalty_rate_table())
