"""Actions that write the billing ledger. Each is one transaction, logged to the `kabinet.audit`
logger with the acting user; the panel, the API, commands and tasks call these same functions.

- `run_billing(organization, period)`: charges of an open period from readings, tariffs and
  normatives, then the common-house needs of buildings with a house meter (`billing.common_house`)
  (idempotent: the run's own lines and loss rows are replaced), advances applied, balances, the
  period's readings it used marked billed;
- `record_payment(account, amount, paid_on=…)`: a payment allocated by ГК 319.1, balances;
- `compute_penalties(organization, on_date)`: penalty lines in the open period of `on_date`;
- `close_period(organization, period)`: the period becomes immutable;
- `add_recalculation(account, service, amount, …)`: a manual correction in an open period;
- `load_charges(organization, rows)`, `load_payments(organization, rows)`: an organisation with its
  own billing (external mode) loads its charges and payments (rows checked by `billing.external`).
"""

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kabinet.billing import common_house, engine, external, loading
from kabinet.billing.ledger import (
    BillingError,
    batches,
    closed_periods,
    ids_in,
    insert_charges,
    mark_readings_billed,
    open_debts,
    posting_period,
    prepare_charges,
    reduce_debts,
    refresh_balances,
    write_charges,
)
from kabinet.billing.models import Allocation, BillingPeriod, Charge, Payment, PenaltyCharge
from kabinet.billing.pipeline import Background, pipelined
from kabinet.billing.rules import allocation, penalties, volumes
from kabinet.core.models import Organization
from kabinet.core.money import period_start, to_money
from kabinet.registry.models import PersonalAccount, Service

audit = logging.getLogger("kabinet.audit")

__all__ = ["BillingError", "add_recalculation", "close_period", "compute_penalties", "load_charges", "load_payments",
           "record_payment", "run_billing"]


def _user_id(user) -> int | None:
    return getattr(user, "pk", None)


def _lock_period(organization: Organization, period: dt.date) -> BillingPeriod:
    BillingPeriod.objects.get_or_create(organization=organization, period=period)
    return BillingPeriod.objects.select_for_update().get(organization=organization, period=period)


def _lock_account(account: PersonalAccount) -> PersonalAccount:
    return PersonalAccount.objects.select_for_update().select_related("organization").get(pk=account.pk)


# --- Billing run ------------------------------------------------------------------------------------


def run_billing(organization: Organization, period: dt.date, *, acting_user=None,
                batch_size: int = 1000, progress=None) -> engine.RunReport:
    """Charge every account of the organisation for `period` (a month) and update the balances.

    Idempotent: the run's own (automatic) lines of the period and the advances it applied are replaced;
    manual corrections stay. A closed period, or a period before a closed one, is refused. Works in
    batches of accounts with bulk inserts. Protocols are written in the site's language.

    `progress(done_accounts, total_accounts)`, if given, is called once before the first batch (with 0)
    and after each batch.
    """
    period = period_start(period)
    report = engine.RunReport(period=period)
    ensure_engine(organization)
    threaded = pipelined()
    own_reader = threaded and not connection.in_atomic_block  # else the caller's data may be uncommitted
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        billing_period = _lock_period(organization, period)
        if billing_period.is_closed or any(p > period for p in closed_periods(organization)):
            raise BillingError(_("The period %(period)s is closed: corrections go into an open period.") % {
                "period": f"{period:%m.%Y}"})
        accounts = PersonalAccount.objects.filter(organization=organization)
        Charge.objects.filter(account__in=accounts, period=period, automatic=True).delete()
        Allocation.objects.filter(account__in=accounts, applied_by_run=period).delete()
        rates = loading.Rates(organization, period)
        settings_ = loading.billing_settings(organization)
        volume_settings = loading.volume_settings(settings_)
        services = list(Service.objects.filter(organization=organization).select_related("supplier")
                        .prefetch_related("volume_of"))
        _first, last = engine.charges.month_bounds(period)
        active = accounts.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=last)).exclude(closed_on__lt=period)
        ids = list(active.order_by("pk").values_list("pk", flat=True))
        if progress is not None:
            progress(0, len(ids))
        pricer = engine.Pricer(period)

        def read(batch):
            return engine.AccountRow.load(batch), engine.MeterData.load(batch, period)

        # The accounts of buildings with a house meter: the sums of their lines are kept for the
        # common-house pass, which then refreshes their balances without reading the run's lines back.
        house_buildings = common_house.house_metered_buildings(services, rates)
        kept: dict[int, tuple[Decimal, Decimal]] = {}

        def write(batch, lines, prepared, house_accounts):
            write_charges(prepared)
            mark_readings_billed(lines.to_bill, lines.to_unbill)
            _apply_advances(organization, batch, period, settings_.limitation_years)
            sums = _sums_by_account(lines.rows)
            refresh_balances(organization, batch, period, written=sums)
            kept.update((account, sums.get(account, NOTHING)) for account in house_accounts)

        def written_batches(count):
            if progress is not None and count > 0:
                progress(min(count * batch_size, len(ids)), len(ids))

        # Batch n is priced in Python while the database writes batch n − 1 and reads batch n + 1
        # (`pipeline`: threads on PostgreSQL; the reads on a connection of their own when the run is
        # the outermost transaction, so they see all they need: committed data). Elsewhere in turn.
        todo = list(batches(ids, batch_size))
        with Background(threaded=threaded) as database, \
                Background(threaded=own_reader, shared=False) as reader:
            reader = reader if own_reader else database
            if todo:
                _prepare_bulk_writes()
                next_read = reader.submit(read, todo[0])
            writing = None
            for index, batch in enumerate(todo):
                accounts, data = next_read.result()
                if index + 1 < len(todo):
                    next_read = reader.submit(read, todo[index + 1])
                lines = engine.charges_for(accounts, services, period, rates, volume_settings, report, pricer,
                                           data=data)
                prepared = prepare_charges(period, lines.rows)
                if writing is not None:
                    writing.result()
                    written_batches(index)
                house_accounts = [a.pk for a in accounts if a.building_id in house_buildings] if house_buildings else []
                writing = database.submit(write, batch, lines, prepared, house_accounts)
            if writing is not None:
                writing.result()
                written_batches(len(todo))
        # Common-house needs come from the individual volumes of every batch: a pass over the buildings
        # with house meters, then the advances and balances of the accounts it charged.
        common = common_house.charge_common_house(organization, period, active, services, rates, report)
        for batch in batches(sorted(common), batch_size):
            _apply_advances(organization, batch, period, settings_.limitation_years)
            if all(account in kept for account in batch):
                refresh_balances(organization, batch, period, written={
                    account: (kept[account][0] + common[account], kept[account][1]) for account in batch})
            else:  # not expected: an account charged outside the buildings found before the batches
                refresh_balances(organization, batch, period)
        billing_period.billed_at = timezone.now()
        billing_period.save(update_fields=["billed_at"])
    audit.info("billing run %s %s by %s: %s accounts, %s lines, %s", organization.pk, f"{period:%Y-%m}",
               _user_id(acting_user), report.accounts, report.lines, report.amount)
    return report


def ensure_engine(organization: Organization) -> None:
    """BillingError when the organisation keeps its own billing (its charges are loaded, not computed)."""
    if external.is_external(organization):
        raise BillingError(_("%(organization)s keeps its own billing: its charges are loaded, not computed by "
                             "Kabinet (billing settings).") % {"organization": organization})


def _prepare_bulk_writes() -> None:
    """PostgreSQL: check the foreign keys of the run's rows as each statement ends, not all at the
    commit (Django declares them deferred). The same work, but inside the batches, where it overlaps
    the pricing of the next one, instead of after the last."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


NOTHING = (Decimal("0.00"), Decimal("0.00"))


def _sums_by_account(rows: list[engine.ChargeRow]) -> dict[int, tuple[Decimal, Decimal]]:
    """account id → (charged, recalculated) of a batch's lines, for `refresh_balances(written=…)`."""
    sums: dict[int, list[Decimal]] = {}
    for row in rows:
        pair = sums.setdefault(row[0], [Decimal("0.00"), Decimal("0.00")])
        pair[1 if row[4] == volumes.RECALCULATION else 0] += row[7]
    return {account: (charged, recalculated) for account, (charged, recalculated) in sums.items()}


def _apply_advances(organization: Organization, account_ids: list[int], period: dt.date, limitation_years: int):
    """Advances (overpayments) pay the new charges: per payment, oldest first, by the same rules."""
    left = (Allocation.objects.filter(ids_in("account_id", account_ids), kind=allocation.ADVANCE).order_by()
            .values("account_id", "payment_id").annotate(total=Sum("amount")).filter(total__gt=0)
            .order_by("account_id", "payment_id"))
    left = list(left)
    if not left:
        return
    due = loading.due_function(organization)
    debts = open_debts(organization, [row["account_id"] for row in left])
    payments = Payment.objects.order_by().in_bulk([row["payment_id"] for row in left])
    rows = []
    for row in left:
        account_debts = debts.get(row["account_id"], [])
        if not account_debts:
            continue
        payment = payments[row["payment_id"]]
        lines = [line for line in allocation.allocate(row["total"], account_debts, paid_on=period, due=due,
                                                      limitation_years=limitation_years)
                 if line.kind != allocation.ADVANCE]
        applied = sum((line.amount for line in lines), Decimal("0.00"))
        if not applied:
            continue
        debts[row["account_id"]] = reduce_debts(account_debts, lines)
        rows.append(Allocation(payment=payment, account_id=row["account_id"], kind=allocation.ADVANCE,
                               amount=-applied, paid_on=payment.paid_on, applied_by_run=period))
        rows.extend(_allocation_row(payment, line, applied_by_run=period) for line in lines)
    Allocation.objects.bulk_create(rows)


def _allocation_row(payment: Payment, line: allocation.AllocationLine, applied_by_run=None) -> Allocation:
    return Allocation(payment=payment, account_id=payment.account_id, period=line.period, service_id=line.service,
                      supplier_id=line.supplier, kind=line.kind, amount=line.amount, paid_on=payment.paid_on,
                      applied_by_run=applied_by_run)


# --- Payments ---------------------------------------------------------------------------------------


def record_payment(account: PersonalAccount, amount, *, paid_on: dt.date, period: dt.date | None = None,
                   source: str, acting_user=None, bill_period: dt.date | None = None, penalty_amount=0,
                   include_time_barred: bool = False, external_id: str = "", supplier_id: int | None = None) -> Payment:
    """Record money received on an account and allocate it (ГК 319.1, DOMAIN.md §4).

    `period` is the period the payer named; `bill_period` the bill paid against; `penalty_amount`
    the part explicitly meant for penalties. The payment is posted in the open period of `paid_on`
    (or the first open one after it). With `external_id`, the same payment is recorded only once and
    the first record is returned. With `supplier_id` (the payment centre paying one supplier), only that
    supplier's debts are paid; the rest is an advance. Returns the Payment with its allocation lines.
    """
    amount = to_money(amount)
    if amount <= 0:
        raise BillingError(_("A payment must be a positive amount."))
    with transaction.atomic():
        account = _lock_account(account)
        if external_id:
            existing = Payment.objects.filter(account=account, external_id=external_id).first()
            if existing is not None:
                return existing
        organization = account.organization
        posted = posting_period(organization, paid_on)
        settings_ = loading.billing_settings(organization)
        debts = open_debts(organization, [account.pk]).get(account.pk, [])
        if supplier_id is not None:
            debts = [debt for debt in debts if debt.supplier == supplier_id]
        lines = allocation.allocate(
            amount, debts, paid_on=paid_on,
            named_period=period_start(period) if period else None,
            bill_period=period_start(bill_period) if bill_period else None,
            penalty_amount=to_money(penalty_amount or 0), include_time_barred=include_time_barred,
            due=loading.due_function(organization), limitation_years=settings_.limitation_years,
            advance_supplier=supplier_id or organization.pk)
        payment = Payment.objects.create(
            account=account, amount=amount, paid_on=paid_on, period=posted,
            named_period=period_start(period) if period else None,
            bill_period=period_start(bill_period) if bill_period else None,
            penalty_amount=to_money(penalty_amount or 0), include_time_barred=include_time_barred, source=source,
            external_id=external_id, created_by=acting_user if _user_id(acting_user) else None)
        Allocation.objects.bulk_create([_allocation_row(payment, line) for line in lines])
        refresh_balances(organization, [account.pk], posted)
    audit.info("payment %s on account %s: %s paid %s by %s", payment.pk, account.pk, amount, paid_on,
               _user_id(acting_user))
    return payment


# --- Penalties --------------------------------------------------------------------------------------


def compute_penalties(organization: Organization, on_date: dt.date, *, acting_user=None) -> Decimal:
    """Penalty lines for every debt of the organisation's accounts as of `on_date` (ЖК РФ 155.14).

    Each debt period gets the penalty accrued to date minus what earlier periods already charged,
    posted in the open period of `on_date`; re-running replaces that period's lines. Returns the sum.
    """
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        posted = posting_period(organization, on_date)
        _lock_period(organization, posted)
        accounts = PersonalAccount.objects.filter(organization=organization)
        PenaltyCharge.objects.filter(account__in=accounts, period=posted).delete()
        table, due = loading.rate_table(), loading.due_function(organization)
        total = Decimal("0.00")
        ids = list(accounts.order_by("pk").values_list("pk", flat=True))
        for batch in batches(ids):
            rows = _penalty_rows(batch, posted, on_date, table, due)
            PenaltyCharge.objects.bulk_create(rows)
            total += sum((r.amount for r in rows), Decimal("0.00"))
            refresh_balances(organization, batch, posted)
    audit.info("penalties %s on %s by %s: %s", organization.pk, on_date, _user_id(acting_user), total)
    return total


def _penalty_rows(account_ids, posted, on_date, table, due) -> list[PenaltyCharge]:
    debts: dict[tuple, Decimal] = {}
    for row in (Charge.objects.filter(ids_in("account_id", account_ids)).order_by().values("account_id", "period")
                .annotate(total=Sum("amount"))):
        if due(row["period"]) < on_date:
            debts[(row["account_id"], row["period"])] = row["total"]
    paid: dict[tuple, list] = {}
    for row in (Allocation.objects.filter(ids_in("account_id", account_ids), kind=allocation.PRINCIPAL).order_by()
                .values("account_id", "period", "paid_on").annotate(total=Sum("amount"))):
        paid.setdefault((row["account_id"], row["period"]), []).append((row["paid_on"], row["total"]))
    earlier: dict[tuple, Decimal] = {}
    for row in (PenaltyCharge.objects.filter(ids_in("account_id", account_ids)).exclude(period=posted).order_by()
                .values("account_id", "debt_period").annotate(total=Sum("amount"))):
        earlier[(row["account_id"], row["debt_period"])] = row["total"]
    rows = []
    for (account_id, period), debt in sorted(debts.items()):
        if debt <= 0:
            continue
        result = penalties.penalty(debt, due(period), on_date, payments=paid.get((account_id, period), []),
                                   table=table)
        amount = result.amount - earlier.get((account_id, period), Decimal("0.00"))
        if amount:
            rows.append(PenaltyCharge(account_id=account_id, period=posted, debt_period=period, calculated_on=on_date,
                                      debt=debt, total=result.amount, amount=amount, protocol=result.protocol()))
    return rows


# --- Periods and corrections ------------------------------------------------------------------------


def close_period(organization: Organization, period: dt.date, *, acting_user=None) -> BillingPeriod:
    """Close a period: from now on nothing in it changes (runs, payments and penalties go into the next
    open period); its bills are issued by a task after the commit. Closing a closed period does nothing."""
    period = period_start(period)
    with transaction.atomic():
        billing_period = _lock_period(organization, period)
        if not billing_period.is_closed:
            billing_period.status = BillingPeriod.Status.CLOSED
            billing_period.closed_at = timezone.now()
            billing_period.closed_by = acting_user if _user_id(acting_user) else None
            billing_period.save(update_fields=["status", "closed_at", "closed_by"])
            audit.info("period %s %s closed by %s", organization.pk, f"{period:%Y-%m}", _user_id(acting_user))
            if settings.KABINET_BILLS_ON_CLOSE:
                transaction.on_commit(lambda: _issue_bills_later(organization.pk, period))
    return billing_period


def _issue_bills_later(organization_id: int, period: dt.date) -> None:
    from kabinet.billing import tasks  # tasks import this module

    tasks.issue_period_bills_task(organization_id, period.isoformat())


def add_recalculation(account: PersonalAccount, service: Service, amount, *, reason: str, acting_user,
                      period: dt.date | None = None) -> Charge:
    """A manual correction (recalculation line, + or −) in an open period — the way to correct a
    closed one. It survives billing re-runs."""
    amount = to_money(amount)
    reason = (reason or "").strip()
    if not reason:
        raise BillingError(_("Give the reason for the recalculation."))
    with transaction.atomic():
        account = _lock_account(account)
        target = posting_period(account.organization, period or timezone.localdate())
        charge = Charge.objects.create(account=account, period=target, service=service, kind=volumes.RECALCULATION,
                                       volume=0, tariff=0, amount=amount, protocol=reason, automatic=False)
        refresh_balances(account.organization, [account.pk], target)
    audit.info("recalculation %s on account %s: %s by %s", charge.pk, account.pk, amount, _user_id(acting_user))
    return charge


# --- External billing (loaded charges and payments) -------------------------------------------------


def load_charges(organization: Organization, rows: list[external.ChargeRow], *, acting_user=None) -> int:
    """Write charges loaded from the organisation's own billing (`external.parse_charges` checked them).

    Like a run, the lines are `automatic`: loading an account's period again replaces what was loaded
    for it (manual corrections stay). Per period, oldest first: advances pay the new charges, then the
    balances are recomputed. One transaction; returns the number of lines."""
    by_period: dict[dt.date, list[external.ChargeRow]] = {}
    for row in rows:
        by_period.setdefault(row.period, []).append(row)
    settings_ = loading.billing_settings(organization)
    with transaction.atomic():
        for period in sorted(by_period):
            billing_period = _lock_period(organization, period)
            if billing_period.is_closed:  # checked when parsing; closed meanwhile
                raise BillingError(_("The period %(period)s is closed: corrections go into an open period.") % {
                    "period": f"{period:%m.%Y}"})
            period_rows = by_period[period]
            ids = sorted({row.account_id for row in period_rows})
            for batch in batches(ids):
                Charge.objects.filter(ids_in("account_id", batch), period=period, automatic=True).delete()
                Allocation.objects.filter(ids_in("account_id", batch), applied_by_run=period).delete()
            insert_charges(period, [(r.account_id, r.service_id, None, "", r.kind, r.volume, r.tariff, r.amount,
                                     r.protocol) for r in period_rows])
            for batch in batches(ids):
                _apply_advances(organization, batch, period, settings_.limitation_years)
                refresh_balances(organization, batch, period)
            billing_period.billed_at = timezone.now()
            billing_period.save(update_fields=["billed_at"])
    audit.info("charges loaded for %s by %s: %s lines in %s", organization.pk, _user_id(acting_user), len(rows),
               ", ".join(f"{p:%Y-%m}" for p in sorted(by_period)))
    return len(rows)


def load_payments(organization: Organization, rows: list[external.PaymentRow], *, acting_user=None) -> int:
    """Record payments loaded from the organisation's own billing, allocated like any payment (ГК 319.1).
    All or nothing; a row whose id was loaded before is skipped. Returns the number recorded now."""
    recorded = 0
    with transaction.atomic():
        for row in rows:
            if row.external_id and Payment.objects.filter(account=row.account, external_id=row.external_id).exists():
                continue
            record_payment(row.account, row.amount, paid_on=row.paid_on, period=row.named_period, source="import",
                           external_id=row.external_id, acting_user=acting_user)
            recorded += 1
    audit.info("payments loaded for %s by %s: %s of %s rows", organization.pk, _user_id(acting_user), recorded,
               len(rows))
    return recorded
