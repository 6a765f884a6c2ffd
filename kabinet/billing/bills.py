"""Bills (ЕПД, Приказ Минстроя №43/пр; DOMAIN.md §6): one per account per closed period.

`issue_bill` takes the figures of the period from the ledger (through `account_statement`), renders
them as HTML with the ГОСТ Р 56042 payment QR and prints the PDF with WeasyPrint. The PDF and its
figures are stored: an issued bill is never regenerated, so what a consumer downloads is what was
issued. Bills are issued when a period closes (`tasks.issue_period_bills`) and on demand when a
consumer asks for a closed period that has none yet (older periods, organisations with loaded data).
"""

import datetime as dt
import hashlib
import logging
from decimal import Decimal

import segno
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kabinet.billing.models import Balance, Bill, BillingPeriod, Payment
from kabinet.billing.rules import qr
from kabinet.billing.statement import account_statement
from kabinet.core.money import add_months, period_start
from kabinet.registry.models import PersonalAccount

logger = logging.getLogger("kabinet.billing.bills")
ZERO = Decimal("0.00")


class BillError(Exception):
    """No bill can be issued for this account and period (the period is open, or there is no data)."""


def _money(value) -> str:
    return f"{Decimal(value or 0):.2f}"


def bill_index(accounts):
    """Balance rows of the closed periods of `accounts` (a queryset), one per bill a consumer can get,
    annotated with `bill_id`, `bill_amount_due` and `bill_issued_at` when the bill is issued already.
    Newest first; one query whatever the number of accounts and periods.

    A period is closed when its BillingPeriod is; an organisation that keeps its own billing (no
    BillingPeriod rows, loaded balances) has every month before the current one closed.
    """
    periods = BillingPeriod.objects.filter(organization=OuterRef("account__organization"))
    closed = Exists(periods.filter(period=OuterRef("period"), status=BillingPeriod.Status.CLOSED))
    external = ~Exists(periods) & Q(period__lt=period_start(timezone.localdate()))
    bills = Bill.objects.filter(account=OuterRef("account"), period=OuterRef("period"))
    return (Balance.objects.filter(account__in=accounts).filter(closed | external)
            .annotate(bill_id=Subquery(bills.values("pk")[:1]),
                      bill_amount_due=Subquery(bills.values("amount_due")[:1]),
                      bill_issued_at=Subquery(bills.values("issued_at")[:1]))
            .order_by("-period", "account_id"))


def billable_periods(account: PersonalAccount) -> list[dt.date]:
    """Every closed period of the account that has a balance, newest first, without a time limit."""
    return list(bill_index(PersonalAccount.objects.filter(pk=account.pk)).values_list("period", flat=True))


def is_billable(account: PersonalAccount, period: dt.date) -> bool:
    return bill_index(PersonalAccount.objects.filter(pk=account.pk)).filter(period=period_start(period)).exists()


def _payer_names(holder: str) -> dict[str, str]:
    parts = holder.split()
    if len(parts) not in (2, 3):
        return {}
    names = {"LastName": parts[0], "FirstName": parts[1]}
    if len(parts) == 3:
        names["MiddleName"] = parts[2]
    return names


def qr_fields(figures: dict) -> dict[str, str] | None:
    """The QR's fields for a bill, or None when the organisation has no complete bank details."""
    org = figures["organization"]
    if not (org["bank_account"] and org["bank_bic"] and org["bank_name"] and org["bank_corr_account"]):
        return None
    period = dt.date.fromisoformat(figures["period"])
    due = Decimal(figures["amount_due"])
    fields = {
        "Name": org["name"][:160], "PersonalAcc": org["bank_account"], "BankName": org["bank_name"][:45],
        "BIC": org["bank_bic"], "CorrespAcc": org["bank_corr_account"],
        "Sum": qr.kopecks(due) if due > 0 else "",
        "Purpose": _("Payment for housing and utilities for %(period)s, account %(account)s") % {
            "period": f"{period:%m.%Y}", "account": figures["account"]["number"]},
        "PayeeINN": org["inn"], "KPP": org["kpp"], "PersAcc": figures["account"]["number"],
        "PaymPeriod": f"{period:%m%Y}",
        **_payer_names(figures["account"]["holder"]),
        "PayerAddress": figures["account"]["address"],
        "TechCode": "02",
    }
    return fields


def bill_figures(account: PersonalAccount, period: dt.date) -> dict:
    """What the bill of `period` shows, as plain JSON-able values (the stored snapshot)."""
    period = period_start(period)
    statement = account_statement(account, period_from=period, period_to=period)
    if not statement:
        raise BillError(_("There is no data for this period."))
    month = statement[0]
    org = account.organization
    last_payment = (Payment.objects.filter(account=account, paid_on__lt=add_months(period, 1))
                    .order_by("-paid_on", "-pk").values("paid_on", "amount").first())
    services = []
    for total in month.services:
        individual = [line for line in total.lines if not line.is_common]
        tariffs = sorted({line.tariff for line in total.lines})
        services.append({
            "name": total.service, "unit": total.unit,
            # DOMAIN.md §6: volume and charged, individual and for common-house needs (ОДН).
            "volume": f"{total.individual_volume.normalize():f}" if individual else "",
            "volume_common": f"{total.common_volume.normalize():f}" if total.has_common else "",
            "tariff": _money(tariffs[0]) if len(tariffs) == 1 else "",
            "charged_individual": _money(total.individual_charged),
            "charged_common": _money(total.common_charged) if total.has_common else "",
            "charged": _money(total.charged), "recalculated": _money(total.recalculated),
            "total": _money(total.total),
            "protocols": [line.protocol for line in total.lines if line.protocol],
        })
    closing = month.closing if month.closing is not None else (
        (month.opening or ZERO) + month.charged + month.recalculated + month.penalty - month.paid)
    return {
        "period": period.isoformat(),
        "organization": {
            "name": org.name, "inn": org.inn, "kpp": org.kpp, "ogrn": org.ogrn, "address": org.address,
            "phone": org.phone, "email": org.email, "bank_name": org.bank_name, "bank_bic": org.bank_bic,
            "bank_account": org.bank_account, "bank_corr_account": org.bank_corr_account,
        },
        "account": {
            "number": account.number, "holder": account.holder_name, "address": account.address,
            "area": f"{account.area:f}" if account.area is not None else "", "residents": account.residents,
        },
        "opening": _money(month.opening or ZERO),
        "charged": _money(month.charged), "recalculated": _money(month.recalculated),
        "services_total": _money(month.charged + month.recalculated),
        "paid": _money(month.paid), "penalty": _money(month.penalty), "closing": _money(closing),
        "amount_due": _money(max(closing, ZERO)),
        "last_payment": {"date": last_payment["paid_on"].isoformat(), "amount": _money(last_payment["amount"])}
        if last_payment else None,
        "services": services,
        "recalculations": [{"service": line.service, "amount": _money(line.amount), "reason": line.protocol}
                           for line in month.recalculations],
    }


def _qr_svg(payload: str) -> str:
    # Error correction M and a quiet zone of 4 modules: what banking apps read reliably from paper.
    return segno.make(payload, error="m", micro=False).svg_inline(scale=3, border=4)


def render_html(figures: dict, qr_payload: str) -> str:
    context = {
        "f": figures, "period": dt.date.fromisoformat(figures["period"]), "qr_payload": qr_payload,
        "qr_svg": _qr_svg(qr_payload) if qr_payload else "",
        "last_payment_date": dt.date.fromisoformat(figures["last_payment"]["date"]) if figures["last_payment"] else None,
    }
    return render_to_string("billing/bill.html", context)


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported late: loading Pango costs ~0.3 s, only bills need it

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def issue_bill(account: PersonalAccount, period: dt.date, *, send: bool = True) -> Bill:
    """The bill of a closed period: the stored one, or a new one printed now. Raises BillError for a
    period that is not closed or has no data. With `send`, an e-receipt account's owners get the PDF."""
    period = period_start(period)
    existing = Bill.objects.filter(account=account, period=period).first()
    if existing is not None:
        return existing
    if not is_billable(account, period):
        raise BillError(_("A bill is issued only for a closed period."))
    with translation.override(settings.LANGUAGE_CODE):
        figures = bill_figures(account, period)
        fields = qr_fields(figures)
        payload = qr.build_payload(fields) if fields else ""
        pdf = render_pdf(render_html(figures, payload))
    digest = hashlib.sha256(pdf).hexdigest()
    bill = Bill(account=account, organization_id=account.organization_id, period=period,
                amount_due=Decimal(figures["amount_due"]), figures=figures, qr_payload=payload, sha256=digest)
    try:
        with transaction.atomic():
            bill.pdf.save("bill.pdf", ContentFile(pdf), save=False)
            bill.save()
    except IntegrityError:  # issued meanwhile by another worker: theirs stands
        bill.pdf.delete(save=False)
        return Bill.objects.get(account=account, period=period)
    logger.info("bill %s issued: account %s period %s due %s", bill.pk, account.pk, period, bill.amount_due)
    if send and account.e_receipt:
        send_e_receipt(bill)
    return bill


def issue_bills(organization, period: dt.date) -> int:
    """Bills for every account of the organisation with a balance in the closed `period`; returns how
    many were issued now (those issued before are kept as they are)."""
    period = period_start(period)
    issued = set(Bill.objects.filter(organization=organization, period=period).values_list("account_id", flat=True))
    accounts = (PersonalAccount.objects.filter(organization=organization, balances__period=period)
                .exclude(pk__in=issued).with_address().select_related("organization").order_by("pk"))
    count = 0
    for account in accounts.iterator(chunk_size=200):
        try:
            issue_bill(account, period)
            count += 1
        except BillError as exc:
            logger.warning("no bill for account %s, %s: %s", account.pk, period, exc)
    return count


def send_e_receipt(bill: Bill) -> int:
    """E-mail the PDF to the owners of an e-receipt account (instead of paper); returns messages queued."""
    from kabinet.accounts.models import AccountLink
    from kabinet.comms.services.notifications import notify
    from kabinet.core.money import format_money

    owners = [link.user for link in AccountLink.objects.filter(
        account_id=bill.account_id, role=AccountLink.Role.OWNER).select_related("user")]
    context = {
        "account": bill.account.number, "period": f"{bill.period:%m.%Y}", "amount": format_money(bill.amount_due),
        "attachment": {"name": bill.pdf.name, "filename": bill.filename, "content_type": "application/pdf"},
    }
    queued = sum(len(notify(owner, "e_receipt", context)) for owner in owners)
    if queued:
        Bill.objects.filter(pk=bill.pk).update(emailed_at=timezone.now())
    return queued


def read_pdf(bill: Bill) -> bytes:
    with bill.pdf.open("rb") as handle:
        return handle.read()
