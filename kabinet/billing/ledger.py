"""Set-wise reads and writes of the ledger: posting periods, open debts, balances.

Balances: closing = opening + charged + recalculated + penalty − paid, where `paid` is the money
received in the period (by its posting period) and the opening is the previous period's closing.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import BigIntegerField, F, Lookup, Q, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from kabinet.billing.models import Allocation, Balance, BillingPeriod, Charge, Payment, PenaltyCharge
from kabinet.billing.rules import allocation, volumes
from kabinet.billing.rules.allocation import DebtLine
from kabinet.core.models import Organization
from kabinet.core.money import add_months, period_start
from kabinet.metering.models import Reading
from kabinet.registry.models import Service

ZERO = Decimal("0.00")
BATCH = 1000


class BillingError(Exception):
    """A refused billing action; the message is shown to the person as is."""


def batches(ids: list[int], size: int = BATCH):
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


class _AnyOf(Lookup):
    """`lhs = ANY(array)` (PostgreSQL)."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def ids_in(field: str, ids):
    """`field__in=ids` for a batch of ids, for `.filter()`. On PostgreSQL as `field = ANY(%s)` with one
    array parameter: a thousand placeholders cost more to build and to parse than the query itself."""
    if connection.vendor == "postgresql":
        # One parameter, the array's text cast to bigint[]: a list would be adapted element by element
        # (an ArrayField value too), which cost more than the query at a thousand ids.
        return _AnyOf(F(field), RawSQL("%s::bigint[]", (bigint_array(ids),), output_field=BigIntegerField()))
    return Q(**{f"{field}__in": ids})


def bigint_array(ids) -> str:
    """`{1,2,3}`: a PostgreSQL array literal of ids (ints, so nothing to escape)."""
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


NULL = "\\N"  # COPY's text format: NULL, and the characters a text value must escape
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    """A text value for COPY's text format (`translate` only when needed: it is slow, and rare)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(COPY_ESCAPES)
    return value


CHARGE_COLUMNS = ("account", "service", "meter", "zone", "kind", "volume", "tariff", "amount", "protocol")


class PreparedCharges(NamedTuple):
    """Charge rows made ready to write (`prepare_charges`): on PostgreSQL with their COPY text."""

    period: dt.date
    rows: list
    created_at: dt.datetime
    copy_text: str | None


def prepare_charges(period: dt.date, rows) -> PreparedCharges:
    """The Python half of `insert_charges`, which the billing run does while the database is busy with
    another batch (`billing.pipeline`)."""
    created_at = timezone.now()
    if not rows or connection.vendor != "postgresql":
        return PreparedCharges(period, rows, created_at, None)
    # The text format built here in one string: `write_row` adapts every field of every row on its
    # own (3 s of a profiled 100k run). Only the strings need escaping; ids and Decimals are safe.
    head = f"{period.isoformat()}\tt\t{created_at.isoformat()}\t"
    text = "".join(
        f"{head}{account}\t{service}\t{NULL if meter is None else meter}\t{_copy_text(zone)}\t"
        f"{kind}\t{volume}\t{tariff}\t{amount}\t{_copy_text(protocol)}\n"
        for account, service, meter, zone, kind, volume, tariff, amount, protocol in rows)
    return PreparedCharges(period, rows, created_at, text)


def insert_charges(period: dt.date, rows) -> None:
    """Write automatic charge lines of `period`: rows of (account id, service id, meter id, zone, kind,
    volume, tariff, amount, protocol), as `engine.charges_for` gives them.

    On PostgreSQL one `COPY … FROM STDIN` (several times faster than INSERT for thousands of rows);
    elsewhere `bulk_create`. Both run in the caller's transaction."""
    write_charges(prepare_charges(period, rows))


def write_charges(prepared: PreparedCharges) -> None:
    """`insert_charges` of rows prepared already (`prepare_charges`)."""
    period, rows, created_at, text = prepared
    if not rows:
        return
    if text is not None:
        fields = [Charge._meta.get_field(name) for name in
                  ("period", "automatic", "created_at", *CHARGE_COLUMNS)]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(Charge._meta.db_table)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            copy.write(text)
        return
    Charge.objects.bulk_create(
        [Charge(period=period, automatic=True, created_at=created_at,
                **{f"{name}_id" if name in ("account", "service", "meter") else name: value
                   for name, value in zip(CHARGE_COLUMNS, row, strict=True)}) for row in rows],
        batch_size=BATCH)


def mark_readings_billed(to_bill: list[int], to_unbill: list[int]) -> None:
    """The period's readings the run's metered lines came from become billed (then they can no longer
    be rejected); a reading a previous run billed but this one did not use (say, the meter's
    verification has expired since) is accepted again. `engine.MeterData.status_changes` found them
    among the rows the batch read, so only changed rows are written (by primary key) and a re-run
    writes nothing (the common-house pass does the same for house meters). Set-wise (`update`): no history entries — the run is the audit record."""
    if to_bill:
        Reading.objects.filter(ids_in("pk", to_bill), status=Reading.Status.ACCEPTED).update(
            status=Reading.Status.BILLED)
    if to_unbill:
        Reading.objects.filter(ids_in("pk", to_unbill), status=Reading.Status.BILLED).update(
            status=Reading.Status.ACCEPTED)


def closed_periods(organization: Organization) -> set[dt.date]:
    return set(BillingPeriod.objects.filter(organization=organization, status=BillingPeriod.Status.CLOSED)
               .values_list("period", flat=True))


def posting_period(organization: Organization, day: dt.date) -> dt.date:
    """The open period money or penalties of `day` are posted in: its month, or the first period after
    the latest closed one. Never an open period before a closed one: its balance would not flow into
    the closed period's closing, so the money would drop out of every later balance."""
    period, closed = period_start(day), closed_periods(organization)
    if closed:
        period = max(period, add_months(max(closed), 1))
    return period


def _sums(queryset, key: str, value: str = "amount") -> dict:
    return {row[key]: row["total"] or ZERO for row in queryset.order_by().values(key).annotate(total=Sum(value))}


def refresh_balances(organization: Organization, account_ids: list[int], from_period: dt.date, *,
                     written: dict[int, tuple[Decimal, Decimal]] | None = None) -> None:
    """Recompute the balances of the accounts from `from_period` through their latest balance, set-wise
    (one `INSERT … SELECT … ON CONFLICT` per period and batch on PostgreSQL; elsewhere a few aggregate
    queries and one bulk upsert). Closed periods are never touched.

    `written` (the billing run): account id → (charged, recalculated) of the automatic lines of
    `from_period` the caller has just written — all of them; only the other (manual) lines are then
    read. The run's own uncommitted lines are not in the planner's statistics, so reading them back
    by period risks a plan through the `(period, automatic)` index that reads every line written so
    far, per account (seen at 1M accounts: 9 s per batch)."""
    closed = closed_periods(organization)
    if from_period in closed:
        raise BillingError(f"The period {from_period:%m.%Y} is closed.")
    for ids in batches(sorted(set(account_ids))):
        later = set(Balance.objects.filter(ids_in("account_id", ids), period__gt=from_period).order_by()
                    .values_list("period", flat=True).distinct())
        periods = sorted({from_period} | {p for p in later if p not in closed})
        closing = {} if connection.vendor == "postgresql" else _closings_before(ids, from_period)
        for period in periods:
            if period != from_period and any(c for c in closed if from_period < c < period):
                break  # a closed period in between keeps its closing; later ones start from it
            _write_period(ids, period, closing, written if period == from_period else None)


def _closings_before(ids: list[int], period: dt.date) -> dict[int, Decimal]:
    """account id → the closing of its latest balance before `period` (the next period's opening)."""
    closing: dict[int, Decimal] = {}
    for row in (Balance.objects.filter(ids_in("account_id", ids), period__lt=period)
                .order_by("account_id", "period").values_list("account_id", "closing")):
        closing[row[0]] = row[1]  # ordered by period: the latest wins
    return closing


BALANCE_FIELDS = ("opening", "charged", "recalculated", "paid", "penalty", "closing")


def _write_period(ids: list[int], period: dt.date, closing: dict[int, Decimal],
                  written: dict[int, tuple[Decimal, Decimal]] | None = None) -> None:
    """The balances of `ids` for `period`: opening (the latest closing before it) + the period's sums.

    On PostgreSQL one `INSERT … SELECT … ON CONFLICT DO UPDATE` computes and writes them all in the
    database (`closing` is then not used: the opening is read from the table, which holds the period
    written just before); elsewhere a few aggregate queries and one bulk upsert."""
    if connection.vendor == "postgresql":
        _write_period_sql(ids, period, written)
        return
    charges = Charge.objects.filter(ids_in("account_id", ids), period=period)
    if written is not None:
        charges = charges.filter(automatic=False)
    charged = _sums(charges.exclude(kind=volumes.RECALCULATION), "account_id")
    recalculated = _sums(charges.filter(kind=volumes.RECALCULATION), "account_id")
    for account_id, (run_charged, run_recalculated) in (written or {}).items():
        charged[account_id] = charged.get(account_id, ZERO) + run_charged
        recalculated[account_id] = recalculated.get(account_id, ZERO) + run_recalculated
    paid = _sums(Payment.objects.filter(ids_in("account_id", ids), period=period), "account_id")
    penalty = _sums(PenaltyCharge.objects.filter(ids_in("account_id", ids), period=period), "account_id")
    rows = []
    for account_id in ids:
        balance = Balance(account_id=account_id, period=period, opening=closing.get(account_id, ZERO),
                          charged=charged.get(account_id, ZERO), recalculated=recalculated.get(account_id, ZERO),
                          paid=paid.get(account_id, ZERO), penalty=penalty.get(account_id, ZERO))
        balance.closing = balance.compute_closing()
        closing[account_id] = balance.closing
        rows.append(balance)
    unique = ["account", "period"] if connection.features.supports_update_conflicts_with_target else None
    Balance.objects.bulk_create(rows, batch_size=BATCH, update_conflicts=True, unique_fields=unique,
                                update_fields=list(BALANCE_FIELDS))


def _write_period_sql(ids: list[int], period: dt.date, written: dict[int, tuple[Decimal, Decimal]] | None) -> None:
    """PostgreSQL: the balances of one period for a batch of accounts in one statement."""
    def table(model):
        return connection.ops.quote_name(model._meta.db_table)

    def column(model, name):
        return connection.ops.quote_name(model._meta.get_field(name).column)

    balance, charge = table(Balance), table(Charge)
    account, b_period = column(Balance, "account"), column(Balance, "period")
    columns = ", ".join(column(Balance, name) for name in BALANCE_FIELDS)
    updates = ", ".join(f"{column(Balance, name)} = EXCLUDED.{column(Balance, name)}" for name in BALANCE_FIELDS)

    def sums(model, *, extra=""):
        return (f"SELECT {column(model, 'account')} AS account_id, SUM({column(model, 'amount')}) AS total "
                f"FROM {table(model)} WHERE {column(model, 'account')} = ANY(%(ids)s::bigint[]) "
                f"AND {column(model, 'period')} = %(period)s{extra} GROUP BY 1")

    kind, c_account, c_period = column(Charge, "kind"), column(Charge, "account"), column(Charge, "period")
    # Without `written`, the period's charges are summed per account in a LATERAL subquery
    # (`account = … AND period = …`). Inside a run that was not enough: a plain `account = ANY(…) AND
    # period = …` was planned on the (period, automatic) index — its statistics predate the run, which
    # holds the lines written so far uncommitted — and every batch read every line of the period
    # written before it (EXPLAIN at 100k, batch 50: 245,000 rows read and dropped for 5,000 kept); the
    # LATERAL was planned on the right index at 100k but on the period index again at 1M.
    # With `written` (the run), its own lines come as arrays and only the manual lines of the period
    # are read, in one grouped scan whichever index the planner takes: they do not grow with the run.
    sums_of_charges = (f"SUM({column(Charge, 'amount')}) FILTER (WHERE {kind} <> %(recalculation)s) AS charged, "
                       f"SUM({column(Charge, 'amount')}) FILTER (WHERE {kind} = %(recalculation)s) AS recalculated")
    if written is None:
        charges_of_period = (f"CROSS JOIN LATERAL (SELECT {sums_of_charges} FROM {charge} "
                             f"WHERE {c_account} = ids.account_id AND {c_period} = %(period)s) AS c")
    else:
        charges_of_period = (f"LEFT JOIN (SELECT {c_account} AS account_id, {sums_of_charges} FROM {charge} "
                             f"WHERE {c_account} = ANY(%(ids)s::bigint[]) AND {c_period} = %(period)s "
                             f"AND NOT {column(Charge, 'automatic')} GROUP BY 1) AS c USING (account_id)")
    written = written or {}
    batch = set(ids)
    written_ids = [i for i in written if i in batch]
    sql = f"""
        WITH ids AS (SELECT DISTINCT unnest(%(ids)s::bigint[]) AS account_id),
        paid AS ({sums(Payment)}),
        penalty AS ({sums(PenaltyCharge)}),
        written AS (SELECT * FROM unnest(%(w_ids)s::bigint[], %(w_charged)s::numeric[], %(w_recalculated)s::numeric[])
                    AS w(account_id, charged, recalculated)),
        rows AS MATERIALIZED (
            SELECT ids.account_id,
                   COALESCE((SELECT b.{column(Balance, 'closing')} FROM {balance} b
                             WHERE b.{account} = ids.account_id AND b.{b_period} < %(period)s
                             ORDER BY b.{b_period} DESC LIMIT 1), 0) AS opening,
                   COALESCE(charged.charged, 0) AS charged, COALESCE(charged.recalculated, 0) AS recalculated,
                   COALESCE(paid.total, 0) AS paid, COALESCE(penalty.total, 0) AS penalty
            FROM ids
            {charges_of_period}
            LEFT JOIN written USING (account_id)
            CROSS JOIN LATERAL (SELECT COALESCE(c.charged, 0) + COALESCE(written.charged, 0) AS charged,
                                       COALESCE(c.recalculated, 0) + COALESCE(written.recalculated, 0)
                                           AS recalculated) AS charged
            LEFT JOIN paid USING (account_id) LEFT JOIN penalty USING (account_id))
        INSERT INTO {balance} ({account}, {b_period}, {columns})
        SELECT account_id, %(period)s, opening, charged, recalculated, paid, penalty,
               opening + charged + recalculated + penalty - paid
        FROM rows
        ON CONFLICT ({account}, {b_period}) DO UPDATE SET {updates}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, {"ids": bigint_array(ids), "period": period, "w_ids": bigint_array(written_ids),
                             "w_charged": "{" + ",".join(str(written[i][0]) for i in written_ids) + "}",
                             "w_recalculated": "{" + ",".join(str(written[i][1]) for i in written_ids) + "}",
                             "recalculation": volumes.RECALCULATION})


def open_debts(organization: Organization, account_ids: list[int]) -> dict[int, list[DebtLine]]:
    """What each account still owes, per period and service (principal) and per period (penalty).

    Principal = charges − principal allocations; penalty = penalty lines − penalty allocations. Lines
    owing nothing are left out. The supplier of a line is the service's, or the organisation.
    """
    suppliers = dict(Service.objects.filter(organization=organization).order_by().values_list("pk", "supplier_id"))
    principal: dict[tuple, Decimal] = defaultdict(Decimal)
    # `.order_by()` here and below: the default orderings' joins (accounts, services, organisations)
    # stay in a GROUP BY query even though its ORDER BY is dropped.
    for row in (Charge.objects.filter(ids_in("account_id", account_ids)).order_by()
                .values("account_id", "period", "service_id")
                .annotate(total=Sum("amount"))):
        principal[(row["account_id"], row["period"], row["service_id"])] += row["total"]
    penalties: dict[tuple, Decimal] = defaultdict(Decimal)
    for row in (PenaltyCharge.objects.filter(ids_in("account_id", account_ids)).order_by()
                .values("account_id", "debt_period")
                .annotate(total=Sum("amount"))):
        penalties[(row["account_id"], row["debt_period"])] += row["total"]
    paid = Allocation.objects.filter(ids_in("account_id", account_ids)).filter(
        Q(kind=allocation.PRINCIPAL) | Q(kind=allocation.PENALTY)).order_by()
    for row in paid.values("account_id", "period", "service_id", "kind").annotate(total=Sum("amount")):
        if row["kind"] == allocation.PRINCIPAL:
            principal[(row["account_id"], row["period"], row["service_id"])] -= row["total"]
        else:
            penalties[(row["account_id"], row["period"])] -= row["total"]
    debts: dict[int, list[DebtLine]] = defaultdict(list)
    for (account_id, period, service_id), owed in sorted(principal.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or 0)):
        if owed > 0:
            debts[account_id].append(DebtLine(period, service_id, suppliers.get(service_id) or organization.pk,
                                              principal=owed))
    for (account_id, period), owed in sorted(penalties.items()):
        if owed > 0:
            debts[account_id].append(DebtLine(period, None, organization.pk, penalty=owed))
    return debts


def reduce_debts(debts: list[DebtLine], lines: list[allocation.AllocationLine]) -> list[DebtLine]:
    """The debts after an allocation (to allocate the next payment of the same account)."""
    paid: dict[tuple, Decimal] = defaultdict(Decimal)
    for line in lines:
        paid[(line.period, line.service, line.kind)] += line.amount
    result = []
    for debt in debts:
        principal = debt.principal - paid.pop((debt.period, debt.service, allocation.PRINCIPAL), ZERO)
        penalty = debt.penalty - paid.pop((debt.period, debt.service, allocation.PENALTY), ZERO)
        if principal > 0 or penalty > 0:
            result.append(DebtLine(debt.period, debt.service, debt.supplier, max(principal, ZERO),
                                   max(penalty, ZERO), debt.designated))
    return result
