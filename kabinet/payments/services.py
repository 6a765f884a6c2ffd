"""The payment centre: what a consumer may pay, the quote with commission, orders, checkout at the
acquirer, verified idempotent callbacks that credit the billing ledger once, history and registries.

Crediting is the one place money enters: under a row lock on the order, only the first verified
"succeeded" with the right amount records the billing payments (one per order line, each with the
external id `<order uuid>:<line id>`, so even a second crediting path could not record one twice).
"""

import datetime as dt
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.accounts.services import linked_accounts
from kabinet.billing.ledger import open_debts
from kabinet.billing.models import Balance, Payment
from kabinet.billing.services import record_payment
from kabinet.core.models import Organization
from kabinet.core.money import period_start
from kabinet.payments import rules
from kabinet.payments.acquirers import default_acquirer_code, get_acquirer
from kabinet.payments.acquirers.base import (
    FAILED,
    SUCCEEDED,
    AcquirerError,
    CallbackRejected,
    CheckoutRequest,
    StatusReport,
)
from kabinet.payments.models import CallbackLog, CommissionRule, PaymentOrder, PaymentOrderLine
from kabinet.registry.models import PersonalAccount

logger = logging.getLogger(__name__)
audit = logging.getLogger("kabinet.audit")
ZERO = Decimal("0.00")
MAX_LINE = Decimal("1000000.00")  # one line of one payment; larger sums go through the bank
MAX_LINES = 50
RECHECK_AFTER = dt.timedelta(minutes=5)
Outcome = CallbackLog.Outcome


class PaymentError(Exception):
    """Bad input or a state the user must hear about; `str()` is the message in the active language."""


# --- What may be paid -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayableItem:
    account: PersonalAccount
    supplier: Organization
    debt: Decimal  # ≥ 0


def payable_accounts(user):
    return linked_accounts(user, "payments").with_address().select_related("organization").order_by("organization__name", "number")


def payable_items(user) -> list[PayableItem]:
    """The debt per supplier of every account the user may pay for (an account owing nothing gets one
    item of its organisation with 0, so an advance can be paid). Organisations with loaded balances and
    no charge lines: the account's latest closing balance, owed to the organisation."""
    accounts = list(payable_accounts(user))
    owed: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    by_org = defaultdict(list)
    for account in accounts:
        by_org[account.organization_id].append(account)
    for org_accounts in by_org.values():
        debts = open_debts(org_accounts[0].organization, [a.pk for a in org_accounts])
        for account_id, lines in debts.items():
            for line in lines:
                owed[account_id][line.supplier] += line.principal + line.penalty
    without_lines = [a.pk for a in accounts if a.pk not in owed]
    closing = {}
    for row in Balance.objects.filter(account_id__in=without_lines).order_by("account_id", "-period").values(
            "account_id", "closing"):
        closing.setdefault(row["account_id"], row["closing"])
    suppliers = Organization.objects.in_bulk({s for per in owed.values() for s in per})
    items = []
    for account in accounts:
        if account.pk in owed:
            for supplier_id, debt in sorted(owed[account.pk].items(), key=lambda kv: kv[0] != account.organization_id):
                items.append(PayableItem(account, suppliers.get(supplier_id, account.organization), max(debt, ZERO)))
        else:
            items.append(PayableItem(account, account.organization, max(closing.get(account.pk, ZERO), ZERO)))
    return items


# --- Quote ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteLine:
    account: PersonalAccount
    supplier: Organization
    amount: Decimal  # off the debt
    commission: Decimal
    to_transfer: Decimal  # what the supplier receives


@dataclass(frozen=True)
class Quote:
    acquirer: str
    lines: tuple[QuoteLine, ...]
    amount: Decimal
    commission: Decimal
    total: Decimal  # charged to the card
    credited: Decimal  # received by the suppliers
    payer_pays: bool = False  # some commission is added on top
    notes: tuple[str, ...] = field(default=())


def clean_amount(value) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except (InvalidOperation, ValueError) as exc:
        raise PaymentError(_("Enter the amount as a number, e.g. 1500.50.")) from exc
    if not amount.is_finite() or amount.as_tuple().exponent < -2:
        raise PaymentError(_("An amount has at most two digits after the point (kopecks)."))
    if amount <= 0:
        raise PaymentError(_("The amount must be greater than zero."))
    if amount > MAX_LINE:
        raise PaymentError(_("One payment line may be at most %(max)s ₽.") % {"max": f"{MAX_LINE:,.0f}".replace(",", " ")})
    return amount.quantize(rules.KOPECK)


def commission_rule(organization_id: int, acquirer_code: str) -> rules.Commission:
    rule = CommissionRule.objects.filter(organization_id=organization_id, acquirer=acquirer_code).first()
    if rule is None:
        return rules.Commission()
    return rules.Commission(rule.percent, rule.minimum, rule.fixed, rule.payer_pays)


def quote(items, acquirer_code: str | None = None) -> Quote:
    """Price a selection: `items` are (account, supplier, amount). The commission is the rule of the
    account's organisation for the acquirer, on the organisation's part of the payment, shared among
    its lines pro rata (remainder to the largest line)."""
    code = acquirer_code or default_acquirer_code()
    items = [(account, supplier, clean_amount(amount)) for account, supplier, amount in items]
    if not items:
        raise PaymentError(_("Choose at least one account and amount to pay."))
    if len(items) > MAX_LINES:
        raise PaymentError(_("Too many lines in one payment."))
    if len({(a.pk, s.pk) for a, s, _x in items}) != len(items):
        raise PaymentError(_("The same account and supplier is chosen twice."))
    groups = defaultdict(list)
    for index, (account, _supplier, _amount) in enumerate(items):
        groups[account.organization_id].append(index)
    commissions = [ZERO] * len(items)
    total_fee, payer_fee, payer_pays = ZERO, ZERO, False
    rule_of = {organization_id: commission_rule(organization_id, code) for organization_id in groups}
    for organization_id, indexes in groups.items():
        rule = rule_of[organization_id]
        amounts = [items[i][2] for i in indexes]
        try:
            priced = rules.price(rule, sum(amounts, ZERO))
        except rules.CommissionError as exc:
            raise PaymentError(_("The amount is too small: the commission would take all of it.")) from exc
        for i, share in zip(indexes, rules.split_fee(priced.fee, amounts), strict=True):
            commissions[i] = share
        total_fee += priced.fee
        if rule.payer_pays:
            payer_fee += priced.fee
            payer_pays = payer_pays or priced.fee > 0
    lines = []
    for (account, supplier, amount), fee in zip(items, commissions, strict=True):
        paid_by_payer = rule_of[account.organization_id].payer_pays
        lines.append(QuoteLine(account, supplier, amount, fee, amount if paid_by_payer else amount - fee))
    amount = sum((line.amount for line in lines), ZERO)
    return Quote(code, tuple(lines), amount, total_fee, amount + payer_fee,
                 sum((line.to_transfer for line in lines), ZERO), payer_pays)


# --- Orders and checkout ----------------------------------------------------------------------------


def _check_items(user, items):
    """Resolve (account id, supplier id, amount) or model instances against what the user may pay."""
    payable = payable_items(user)
    allowed = {item.account.pk: item.account for item in payable}
    suppliers = {item.supplier.pk: item.supplier for item in payable}
    resolved, served = [], {}  # served: organisation id -> the suppliers of its services (and itself)
    for account, supplier, amount in items:
        account_id = getattr(account, "pk", account)
        supplier_id = getattr(supplier, "pk", supplier)
        try:
            account_id, supplier_id = int(account_id), int(supplier_id)
        except (TypeError, ValueError) as exc:
            raise PaymentError(_("No such account.")) from exc
        if account_id not in allowed:
            raise PaymentError(_("You may not pay for this account."))
        supplier_obj = suppliers.get(supplier_id)
        organization_id = allowed[account_id].organization_id
        if organization_id not in served:
            served[organization_id] = _suppliers_of(organization_id)
        if supplier_obj is None or supplier_id not in served[organization_id]:
            raise PaymentError(_("This supplier does not serve the account."))
        resolved.append((allowed[account_id], supplier_obj, amount))
    return resolved


def _suppliers_of(organization_id: int) -> set[int]:
    from kabinet.registry.models import Service

    ids = set(Service.objects.filter(organization_id=organization_id).exclude(supplier=None)
              .values_list("supplier_id", flat=True))
    return ids | {organization_id}


def create_order(user, items, *, acquirer_code: str | None = None, named_period: dt.date | None = None) -> PaymentOrder:
    """A new order (status created) for a selection the user may pay; the quote is recomputed here,
    never taken from the client."""
    priced = quote(_check_items(user, items), acquirer_code)
    if named_period is not None:
        named_period = period_start(named_period)
        if named_period > period_start(timezone.localdate()):
            raise PaymentError(_("A payment can name the current or a past month only."))
    with transaction.atomic():
        order = PaymentOrder.objects.create(
            user=user, acquirer=priced.acquirer, amount=priced.amount, commission=priced.commission,
            total=priced.total, named_period=named_period)
        PaymentOrderLine.objects.bulk_create([
            PaymentOrderLine(order=order, account=line.account, supplier=line.supplier, amount=line.amount,
                             commission=line.commission, to_transfer=line.to_transfer) for line in priced.lines])
    audit.info("payment order %s by user %s: %s + %s = %s via %s", order.uuid, user.pk, order.amount,
               order.commission, order.total, order.acquirer)
    return order


def order_description(order: PaymentOrder) -> str:
    numbers = sorted({line.account.number for line in order.lines.select_related("account")})
    return (_("Housing and utilities, accounts %(numbers)s") % {"numbers": ", ".join(numbers)})[:128]


def start_checkout(order: PaymentOrder, *, return_url: str, callback_url: str) -> str:
    """Register the order at its acquirer and return the URL of the acquirer's page for the payer."""
    if order.status != PaymentOrder.Status.CREATED:
        if order.redirect_url and order.status == PaymentOrder.Status.PENDING:
            return order.redirect_url
        raise PaymentError(_("This payment has already been processed."))
    try:
        checkout = get_acquirer(order.acquirer).create(CheckoutRequest(
            order_id=str(order.uuid), amount=order.total, description=order_description(order),
            return_url=return_url, callback_url=callback_url))
    except AcquirerError as exc:
        logger.warning("checkout of %s failed: %s", order.uuid, exc)
        raise PaymentError(_("The bank is not answering. Nothing was charged; please try again later.")) from exc
    PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.CREATED).update(
        external_id=checkout.external_id, redirect_url=checkout.redirect_url, status=PaymentOrder.Status.PENDING)
    order.refresh_from_db()
    return checkout.redirect_url


# --- Callbacks and status checks --------------------------------------------------------------------


def _find_order(acquirer_code: str, report: StatusReport):
    """The order a report is about, locked: by the acquirer's payment id, or our order id it echoes."""
    query = Q(external_id=report.external_id) if report.external_id else Q(pk__in=[])
    try:
        query |= Q(uuid=uuid.UUID(str(report.order_id)))
    except ValueError:
        pass
    return PaymentOrder.objects.select_for_update().filter(acquirer=acquirer_code).filter(query).first()


def _credit(order: PaymentOrder, today: dt.date) -> None:
    for line in order.lines.select_related("account", "account__organization"):
        payment = record_payment(
            line.account, line.amount, paid_on=today, period=order.named_period, source=order.acquirer,
            external_id=f"{order.uuid}:{line.pk}", acting_user=order.user, supplier_id=line.supplier_id)
        line.payment = payment
        line.save(update_fields=["payment"])
    order.status = PaymentOrder.Status.SUCCEEDED
    order.paid_at = timezone.now()
    order.failure_reason = ""
    order.save(update_fields=["status", "paid_at", "failure_reason"])
    audit.info("payment order %s credited: %s to %s lines", order.uuid, order.amount, order.lines.count())


def apply_report(acquirer_code: str, report: StatusReport, body: str = "", *, source: str = "callback") -> CallbackLog:
    """Act on a verified status, once: the order row is locked, so concurrent copies of one callback
    queue up and all but the first find the order final."""
    with transaction.atomic():
        order = _find_order(acquirer_code, report)
        outcome, detail = _decide(order, report)
        if order is not None:
            if outcome == Outcome.CREDITED:
                _credit(order, timezone.localdate())
            elif outcome == Outcome.FAILED and order.status != PaymentOrder.Status.FAILED:
                order.status = PaymentOrder.Status.FAILED
                order.failure_reason = str(report.raw.get("reason", ""))[:255] if isinstance(report.raw, dict) else ""
                order.save(update_fields=["status", "failure_reason"])
            order.checked_at = timezone.now()
            PaymentOrder.objects.filter(pk=order.pk).update(checked_at=order.checked_at)
        log = CallbackLog.objects.create(acquirer=acquirer_code, order=order, outcome=outcome,
                                         detail=f"{source}: {detail}"[:255], body=body[:10000])
    logger.info("%s %s for %s: %s (%s)", acquirer_code, source, report.external_id, outcome, detail)
    return log


def _decide(order, report: StatusReport) -> tuple[str, str]:
    if order is None:
        return Outcome.UNKNOWN_ORDER, f"no order for {report.external_id or report.order_id}"
    if order.status == PaymentOrder.Status.SUCCEEDED:
        if report.status == SUCCEEDED:
            return Outcome.DUPLICATE, "already credited"
        return Outcome.OUT_OF_ORDER, f"{report.status} after succeeded"
    if report.status == SUCCEEDED and Decimal(report.amount) != order.total:
        return Outcome.AMOUNT_MISMATCH, f"{report.amount} != {order.total}"
    if report.status == SUCCEEDED:
        # Also after "failed": the bank took the money after all, and a payment is never lost.
        return Outcome.CREDITED, f"{order.total}"
    if report.status == FAILED:
        return Outcome.FAILED, "declined or cancelled"
    if order.status == PaymentOrder.Status.FAILED:
        return Outcome.OUT_OF_ORDER, "pending after failed"
    return Outcome.PENDING, "pending"


def handle_callback(acquirer_code: str, body: bytes, headers: dict) -> CallbackLog:
    """A server-to-server notification: verified by the acquirer (signature or re-check), then applied."""
    text = body.decode("utf-8", errors="replace")
    try:
        acquirer = get_acquirer(acquirer_code)
        report = acquirer.parse_callback(body, headers)
    except CallbackRejected as exc:
        logger.warning("%s callback rejected: %s", acquirer_code, exc)
        return CallbackLog.objects.create(acquirer=acquirer_code[:20], outcome=Outcome.REJECTED,
                                          detail=str(exc)[:255], body=text[:10000])
    except AcquirerError as exc:  # could not verify now: the acquirer will retry, the re-check job too
        logger.warning("%s callback not verified: %s", acquirer_code, exc)
        return CallbackLog.objects.create(acquirer=acquirer_code[:20], outcome=Outcome.REJECTED,
                                          detail=f"unverified: {exc}"[:255], body=text[:10000])
    return apply_report(acquirer_code, report, text)


def refresh_order(order: PaymentOrder) -> PaymentOrder:
    """Ask the acquirer about a pending order and apply the answer (the return page, the re-check job)."""
    if order.status != PaymentOrder.Status.PENDING or not order.external_id:
        return order
    try:
        report = get_acquirer(order.acquirer).fetch_status(order.external_id)
    except AcquirerError as exc:
        logger.warning("status of %s unavailable: %s", order.uuid, exc)
        return order
    apply_report(order.acquirer, report, source="re-check")
    order.refresh_from_db()
    return order


def recheck_pending(now: dt.datetime | None = None) -> int:
    """Re-check orders pending for longer than a few minutes; returns how many became final."""
    now = now or timezone.now()
    done = 0
    for order in PaymentOrder.objects.filter(status=PaymentOrder.Status.PENDING, created_at__lte=now - RECHECK_AFTER):
        if refresh_order(order).status != PaymentOrder.Status.PENDING:
            done += 1
    return done


# --- History and registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PaidPart:
    period: dt.date | None
    service: str
    supplier: str
    kind: str
    amount: Decimal


@dataclass(frozen=True)
class HistoryEntry:
    date: dt.date
    account: PersonalAccount
    amount: Decimal
    source: str
    status: str  # PaymentOrder.Status values; loaded payments are "succeeded"
    parts: tuple[PaidPart, ...] = ()
    order: PaymentOrder | None = None
    commission: Decimal = ZERO

    @property
    def source_label(self) -> str:
        from kabinet.billing.statement import PAYMENT_SOURCES

        label = PAYMENT_SOURCES.get(self.source)
        return str(label) if label is not None else self.source

    @property
    def status_label(self) -> str:
        return str(PaymentOrder.Status(self.status).label)


def payment_history(user, account=None) -> list[HistoryEntry]:
    """Every payment on the accounts the user may see (card, bank, cash office, loaded registries), with
    what it paid, and the user's orders not (yet) paid; newest first. Four queries."""
    accounts = linked_accounts(user, "view")
    if account is not None:
        accounts = accounts.filter(pk=getattr(account, "pk", account))
    payments = (Payment.objects.filter(account__in=accounts).select_related("account")
                .prefetch_related("allocations__service", "allocations__supplier").order_by("-paid_on", "-pk"))
    entries = []
    for payment in payments:
        parts = tuple(PaidPart(a.period, a.service.name if a.service else "", a.supplier.name if a.supplier else "",
                               a.kind, a.amount)
                      for a in payment.allocations.all() if a.applied_by_run is None)
        entries.append(HistoryEntry(payment.paid_on, payment.account, payment.amount, payment.source,
                                    PaymentOrder.Status.SUCCEEDED, parts))
    open_orders = (PaymentOrder.objects.filter(user=user).exclude(status=PaymentOrder.Status.SUCCEEDED)
                   .filter(lines__account__in=accounts).distinct().prefetch_related("lines__account"))
    for order in open_orders:
        for line in order.lines.all():
            entries.append(HistoryEntry(timezone.localdate(order.created_at), line.account, line.amount,
                                        order.acquirer, order.status, (), order, line.commission))
    entries.sort(key=lambda e: (e.date, e.order is not None), reverse=True)
    return entries


def registry_lines(suppliers, date_from: dt.date, date_to: dt.date):
    """The supplier payment registry (реестр платежей): lines of paid orders for `suppliers` (a queryset
    or list of organisations the caller may see) paid between the dates, in time order."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return (PaymentOrderLine.objects.filter(supplier__in=suppliers, order__status=PaymentOrder.Status.SUCCEEDED,
                                            order__paid_at__gte=start, order__paid_at__lt=end)
            .select_related("order", "account", "account__premises__building", "supplier")
            .order_by("order__paid_at", "pk"))


def registry_rows(suppliers, date_from: dt.date, date_to: dt.date) -> list[dict]:
    rows = []
    for line in registry_lines(suppliers, date_from, date_to):
        rows.append({
            "paid_at": timezone.localtime(line.order.paid_at), "supplier": line.supplier.name,
            "supplier_inn": line.supplier.inn, "account": line.account.number, "payer": line.account.holder_name,
            "amount": line.amount, "commission": line.commission, "to_transfer": line.to_transfer,
            "order": str(line.order.uuid), "acquirer": line.order.acquirer,
        })
    return rows
