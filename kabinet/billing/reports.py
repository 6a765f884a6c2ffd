"""The turnover sheet (оборотно-сальдовая ведомость): per account, rolled up per building and per
organisation, for a range of billing periods, and whether it reconciles.

It reads `Balance` only, so it works the same for the built-in engine and for balances loaded from an
external billing. Set-wise: the roll-ups are aggregates in the database (one query per level), the
account rows one grouped query (two with a paginator's count) — whatever the number of accounts.

For each account:
- opening: the opening of its first period in the range (or, with no period in the range, the
  closing of its latest period before it: nothing moved, so it is the closing too);
- charged, recalculated, paid, penalty: Σ over the periods in the range;
- closing: the closing of its last period in the range (or that earlier closing).

An account reconciles when opening + charged + recalculated + penalty − paid = closing: it fails when
a period's stored closing does not follow from its figures, or when a period does not open with the
previous closing (both can only come from loaded data).

`common_house_losses` is the report of common-house needs per building (`CommonHouseLoss`, written by
the billing run): the house meter's volume, the individual and common volumes, the cap, what was
distributed and the organisation's loss.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.db.models import Case, Count, DecimalField, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.functions import Abs, Coalesce
from django.utils.translation import gettext as _

from kabinet.billing.models import Balance, CommonHouseLoss
from kabinet.core.money import period_start, to_money

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=16, decimal_places=2)
TOLERANCE = Decimal("0.005")  # below half a kopeck is equality (SQLite sums decimals as floats)
FIGURES = ("opening", "charged", "recalculated", "paid", "penalty", "closing")

ACCOUNT_KEYS = {
    "number": "account__number",
    "organization_id": "account__organization_id",
    "building_id": "account__premises__building_id",
    "settlement": "account__premises__building__settlement",
    "street": "account__premises__building__street",
    "house": "account__premises__building__house",
    "flat": "account__premises__number",
}
BUILDING_KEYS = {k: ACCOUNT_KEYS[k] for k in ("building_id", "settlement", "street", "house")}
ORGANIZATION_KEYS = {"organization_id": "account__organization_id", "name": "account__organization__name"}


def _keys(keys: dict) -> dict:
    return {alias: F(path) for alias, path in keys.items()}


@dataclass(frozen=True)
class Figures:
    opening: Decimal = ZERO
    charged: Decimal = ZERO
    recalculated: Decimal = ZERO
    paid: Decimal = ZERO
    penalty: Decimal = ZERO
    closing: Decimal = ZERO

    @property
    def expected_closing(self) -> Decimal:
        return self.opening + self.charged + self.recalculated + self.penalty - self.paid

    @property
    def difference(self) -> Decimal:
        """closing − (opening + charged + recalculated + penalty − paid); zero when it reconciles."""
        return self.closing - self.expected_closing

    @property
    def reconciles(self) -> bool:
        return abs(self.difference) < TOLERANCE

    @classmethod
    def from_row(cls, row: dict) -> dict:
        # Quantized here: SQLite returns sums without their scale (Decimal("2000") for 2000.00).
        return {name: to_money(row[name]) if row[name] is not None else ZERO for name in FIGURES}


@dataclass(frozen=True)
class AccountRow(Figures):
    account_id: int = 0
    number: str = ""
    address: str = ""
    organization_id: int = 0
    building_id: int | None = None


@dataclass(frozen=True)
class BuildingTotals(Figures):
    building_id: int | None = None
    address: str = ""
    accounts: int = 0


@dataclass(frozen=True)
class OrganizationTotals(Figures):
    organization_id: int = 0
    name: str = ""
    accounts: int = 0


def _address(row: dict, *, flat: bool) -> str:
    if row.get("building_id") is None:
        return "—"
    building = _("%(settlement)s, %(street)s, h. %(house)s") % {
        "settlement": row["settlement"], "street": row["street"], "house": row["house"]}
    if flat and row.get("flat"):
        return _("%(building)s, fl. %(number)s") % {"building": building, "number": row["flat"]}
    return building


class AccountRows:
    """The account rows, lazily: a sequence a Paginator can count and slice (one query each), and
    iterate in chunks for exports. Ordered by building address, then account number."""

    ORDER = ("settlement", "street", "house", "number", "account_id")

    def __init__(self, queryset):
        self.queryset = queryset.order_by(*self.ORDER)

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.row(r) for r in self.queryset[index]]
        return self.row(self.queryset[index])

    def __iter__(self):
        for row in self.queryset.iterator(chunk_size=2000):
            yield self.row(row)

    @staticmethod
    def row(row: dict) -> AccountRow:
        return AccountRow(**Figures.from_row(row), account_id=row["account_id"], number=row["number"],
                          address=_address(row, flat=True), organization_id=row["organization_id"],
                          building_id=row["building_id"])


@dataclass
class TurnoverReport:
    """The sheet for `period_from`..`period_to` (first days of months, inclusive)."""

    period_from: dt.date
    period_to: dt.date
    rows: AccountRows
    buildings: list[BuildingTotals]
    organizations: list[OrganizationTotals]
    total: Figures
    mismatches: list[AccountRow]  # the accounts that do not reconcile (none when the sheet does)

    @property
    def reconciles(self) -> bool:
        return not self.mismatches and self.total.reconciles

    @cached_property
    def statement(self) -> str:
        """The reconciliation in words, with the figures (for the page and the exports)."""
        from kabinet.core.money import format_money

        values = {name: format_money(getattr(self.total, name)) for name in FIGURES}
        values["expected"] = format_money(self.total.expected_closing)
        if self.reconciles:
            return _("The sheet reconciles: opening %(opening)s + charged %(charged)s + recalculated "
                     "%(recalculated)s + penalty %(penalty)s − paid %(paid)s = closing %(closing)s.") % values
        values["count"] = len(self.mismatches)
        return _("The sheet does not reconcile: opening %(opening)s + charged %(charged)s + recalculated "
                 "%(recalculated)s + penalty %(penalty)s − paid %(paid)s = %(expected)s, but the closing "
                 "balances add up to %(closing)s; accounts that do not reconcile: %(count)s.") % values


def _base(accounts, period_from: dt.date, period_to: dt.date):
    """The balances that make the sheet: those in the range, and, for an account with none in the
    range, its latest before it. Each marked `is_first` / `is_last` (in the range, for that account)."""
    same = Balance.objects.filter(account_id=OuterRef("account_id"))
    later = same.filter(period__gt=OuterRef("period"), period__lte=period_to)
    earlier_in_range = same.filter(period__lt=OuterRef("period"), period__gte=period_from)
    return (
        Balance.objects.filter(account__in=accounts, period__lte=period_to)
        .annotate(is_last=~Exists(later), is_first=~Exists(earlier_in_range))
        .filter(Q(period__gte=period_from) | Q(is_last=True))
    )


def _sums(period_from: dt.date) -> dict:
    in_range = Q(period__gte=period_from)
    before = Q(period__lt=period_from)

    def total(expression, condition):
        return Coalesce(Sum(Case(When(condition, then=expression), default=Value(ZERO), output_field=MONEY)),
                        Value(ZERO), output_field=MONEY)

    return {
        "opening": total(F("opening"), in_range & Q(is_first=True)) + total(F("closing"), before),
        "charged": total(F("charged"), in_range),
        "recalculated": total(F("recalculated"), in_range),
        "paid": total(F("paid"), in_range),
        "penalty": total(F("penalty"), in_range),
        "closing": total(F("closing"), in_range & Q(is_last=True)) + total(F("closing"), before),
    }


def turnover(accounts, period_from: dt.date, period_to: dt.date) -> TurnoverReport:
    """The turnover sheet of `accounts` (an already scoped queryset of PersonalAccount) over the billing
    periods `period_from`..`period_to` (any day of the month; inclusive).

    Runs four queries (total, buildings, organisations, the accounts that do not reconcile); the rows
    are read when used (a count and a page, or one streamed pass).
    """
    period_from, period_to = period_start(period_from), period_start(period_to)
    if period_from > period_to:
        period_from, period_to = period_to, period_from
    base = _base(accounts, period_from, period_to)
    sums = _sums(period_from)
    difference = (F("closing") - F("opening") - F("charged") - F("recalculated") - F("penalty") + F("paid"))

    total_row = base.aggregate(**sums)
    total = Figures(**Figures.from_row(total_row))

    buildings = [
        BuildingTotals(**Figures.from_row(row), building_id=row["building_id"], address=_address(row, flat=False),
                       accounts=row["accounts"])
        for row in base.values(**_keys(BUILDING_KEYS)).annotate(**sums, accounts=_count())
        .order_by("settlement", "street", "house")
    ]
    organizations = [
        OrganizationTotals(**Figures.from_row(row), organization_id=row["organization_id"], name=row["name"],
                           accounts=row["accounts"])
        for row in base.values(**_keys(ORGANIZATION_KEYS)).annotate(**sums, accounts=_count()).order_by("name")
    ]
    per_account = base.values("account_id", **_keys(ACCOUNT_KEYS)).annotate(**sums)
    unreconciled = per_account.annotate(difference=Abs(difference)).filter(difference__gte=TOLERANCE)
    mismatches = [AccountRows.row(r) for r in unreconciled.order_by(*AccountRows.ORDER)]
    return TurnoverReport(period_from, period_to, AccountRows(per_account), buildings, organizations, total,
                          mismatches)


def _count():
    return Count("account_id", distinct=True)


# --- Common-house needs and losses («Потери ОДН», DOMAIN.md §7) -----------------------------------------

COMMON_HOUSE_VOLUMES = ("house_volume", "individual_volume", "common_volume", "cap_volume", "distributed_volume",
                        "loss_volume")
COMMON_HOUSE_AMOUNTS = ("distributed_amount", "loss_amount")


@dataclass(frozen=True)
class CommonHouseRow:
    """One building, service and period: what the billing run found (`CommonHouseLoss`)."""

    organization: str
    building: str
    service: str
    unit: str
    house_volume: Decimal
    individual_volume: Decimal
    common_volume: Decimal
    cap_volume: Decimal | None
    distributed_volume: Decimal
    loss_volume: Decimal
    tariff: Decimal
    distributed_amount: Decimal
    loss_amount: Decimal
    individual_exceeds_house: bool
    accounts: int


@dataclass(frozen=True)
class CommonHouseTotal:
    """The buildings of one service (volumes add up only within a unit)."""

    service: str
    unit: str
    buildings: int
    house_volume: Decimal
    individual_volume: Decimal
    common_volume: Decimal
    cap_volume: Decimal | None  # None when no building of the service has a cap
    distributed_volume: Decimal
    loss_volume: Decimal
    distributed_amount: Decimal
    loss_amount: Decimal


@dataclass(frozen=True)
class CommonHouseReport:
    period: dt.date
    rows: list[CommonHouseRow]
    totals: list[CommonHouseTotal]

    @property
    def distributed_amount(self) -> Decimal:
        return sum((total.distributed_amount for total in self.totals), ZERO)

    @property
    def loss_amount(self) -> Decimal:
        return sum((total.loss_amount for total in self.totals), ZERO)


def common_house_losses(organizations, period: dt.date, building=None) -> CommonHouseReport:
    """Per building the house meter's volume, the individual volume, the common volume, the cap, what was
    distributed and the loss (volume and ₽) in `period`, for the organisations of a queryset; totals per
    service. One query."""
    period = period_start(period)
    losses = (CommonHouseLoss.objects.filter(organization__in=organizations, period=period)
              .select_related("organization", "building", "service")
              .order_by("building__settlement", "building__street", "building__house", "service__name", "pk"))
    if building is not None:
        losses = losses.filter(building=building)
    rows = [CommonHouseRow(
        organization=loss.organization.name, building=str(loss.building), service=loss.service.name,
        unit=loss.service.unit, **{name: getattr(loss, name) for name in (*COMMON_HOUSE_VOLUMES, "tariff",
                                                                           *COMMON_HOUSE_AMOUNTS)},
        individual_exceeds_house=loss.individual_exceeds_house, accounts=loss.accounts) for loss in losses]
    groups: dict[tuple[str, str], list[CommonHouseRow]] = {}
    for row in rows:
        groups.setdefault((row.service, row.unit), []).append(row)
    totals = []
    for (service, unit), members in sorted(groups.items()):
        sums = {name: sum((getattr(r, name) or Decimal(0) for r in members), Decimal(0))
                for name in (*COMMON_HOUSE_VOLUMES, *COMMON_HOUSE_AMOUNTS)}
        if all(r.cap_volume is None for r in members):
            sums["cap_volume"] = None
        totals.append(CommonHouseTotal(service=service, unit=unit, buildings=len(members), **sums))
    return CommonHouseReport(period=period, rows=rows, totals=totals)
