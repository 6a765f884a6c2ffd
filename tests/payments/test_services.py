"""The payment centre's services: what may be paid, quotes with commission, orders, history, registry."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.accounts.models import AccountLink
from kabinet.billing.models import Balance
from kabinet.billing.statement import PAYMENT_SOURCES
from kabinet.payments import services
from kabinet.payments.acquirers.base import SUCCEEDED, StatusReport
from kabinet.payments.models import CommissionRule, PaymentOrder
from tests import factories

pytestmark = pytest.mark.django_db
D = Decimal


def test_payable_items_are_the_debt_per_supplier(debtor):
    items = services.payable_items(debtor.user)
    assert [(i.account, i.supplier, i.debt) for i in items] == [
        (debtor.account, debtor.org, D("1000.00")), (debtor.account, debtor.water, D("500.00"))]


def test_only_accounts_with_the_payments_right_are_payable(debtor):
    viewer = factories.UserFactory()
    factories.AccountLinkFactory(user=viewer, account=debtor.account, role=AccountLink.Role.DELEGATE)
    assert services.payable_items(viewer) == []
    with pytest.raises(services.PaymentError):
        services.create_order(viewer, [(debtor.account.pk, debtor.org.pk, "100")])


def test_loaded_balances_without_lines_are_owed_to_the_organisation(db):
    account = factories.AccountFactory()
    user = factories.UserFactory()
    factories.AccountLinkFactory(user=user, account=account)
    Balance.objects.create(account=account, period=dt.date(2026, 9, 1), charged=D("700.00"), closing=D("700.00"))
    (item,) = services.payable_items(user)
    assert (item.supplier, item.debt) == (account.organization, D("700.00"))


def test_quote_with_the_recipient_paying_the_commission_shared_pro_rata(debtor):
    CommissionRule.objects.create(organization=debtor.org, acquirer="sandbox", percent=D("1"), minimum=D("5"))
    quote = services.quote([(debtor.account, debtor.org, "1000"), (debtor.account, debtor.water, "500")], "sandbox")
    assert (quote.amount, quote.commission, quote.total, quote.credited) == (D("1500"), D("15.00"), D("1500"), D("1485.00"))
    assert [line.commission for line in quote.lines] == [D("10.00"), D("5.00")]
    assert [line.to_transfer for line in quote.lines] == [D("990.00"), D("495.00")]


def test_quote_with_the_payer_paying_the_commission(debtor):
    CommissionRule.objects.create(organization=debtor.org, acquirer="sandbox", percent=D("2"), payer_pays=True)
    quote = services.quote([(debtor.account, debtor.org, "1000")], "sandbox")
    assert (quote.total, quote.commission, quote.credited, quote.payer_pays) == (D("1020.41"), D("20.41"), D("1000.00"), True)


@pytest.mark.parametrize(("amount", "message"), [
    ("0", "greater than zero"), ("-5", "greater than zero"), ("abc", "number"), ("10.555", "two digits"),
    ("2000000", "at most"),
])
def test_bad_amounts_are_refused_with_a_clear_message(debtor, amount, message):
    with pytest.raises(services.PaymentError, match=message):
        services.quote([(debtor.account, debtor.org, amount)], "sandbox")


def test_a_supplier_not_serving_the_account_is_refused(debtor):
    stranger = factories.OrganizationFactory()
    with pytest.raises(services.PaymentError):
        services.create_order(debtor.user, [(debtor.account.pk, stranger.pk, "100")])


def test_an_order_keeps_the_quote_and_a_success_pays_each_supplier_its_own_debt(debtor):
    order = services.create_order(debtor.user, [(debtor.account.pk, debtor.water.pk, "300")])
    assert (order.status, order.total, order.lines.get().supplier) == ("created", D("300.00"), debtor.water)
    services.start_checkout(order, return_url="http://testserver/r", callback_url="http://testserver/c")
    order.refresh_from_db()
    log = services.apply_report("sandbox", StatusReport(order.external_id, SUCCEEDED, D("300.00"), str(order.uuid)))
    assert log.outcome == "credited"
    payment = order.lines.get().payment
    assert payment.amount == D("300.00") and payment.source == "sandbox"
    assert {(a.supplier_id, a.amount) for a in payment.allocations.all()} == {(debtor.water.pk, D("300.00"))}
    assert Balance.objects.get(account=debtor.account, period=payment.period).closing == D("1200.00")


def test_history_has_card_and_loaded_payments_with_what_they_paid(debtor):
    from kabinet.billing.services import record_payment

    record_payment(debtor.account, D("100"), paid_on=dt.date(2026, 10, 20), source="bank")
    order = services.create_order(debtor.user, [(debtor.account.pk, debtor.org.pk, "50")])
    history = services.payment_history(debtor.user)
    assert [(e.amount, e.source, e.status) for e in history] == [
        (D("50.00"), "sandbox", PaymentOrder.Status.CREATED), (D("100.00"), "bank", "succeeded")]
    assert history[1].source_label == str(PAYMENT_SOURCES["bank"]) and history[0].order == order
    assert sum(p.amount for p in history[1].parts) == D("100.00")
    assert {p.service for p in history[1].parts} <= {"Содержание", "Холодная вода"}
    assert services.payment_history(factories.UserFactory()) == []


def test_the_registry_lists_paid_lines_of_the_supplier_only(debtor):
    order = services.create_order(debtor.user, [(debtor.account.pk, debtor.org.pk, "1000"),
                                                (debtor.account.pk, debtor.water.pk, "500")])
    services.start_checkout(order, return_url="http://t/r", callback_url="http://t/c")
    order.refresh_from_db()
    services.apply_report("sandbox", StatusReport(order.external_id, SUCCEEDED, order.total, str(order.uuid)))
    today = dt.date.today()
    rows = services.registry_rows([debtor.water], today, today)
    assert [(r["account"], r["amount"], r["to_transfer"]) for r in rows] == [("3000300", D("500.00"), D("500.00"))]
    assert services.registry_rows([debtor.water], today - dt.timedelta(days=10), today - dt.timedelta(days=1)) == []


def test_registry_exports_read_back(debtor):
    import csv
    import io

    from openpyxl import load_workbook

    from kabinet.payments import exports

    order = services.create_order(debtor.user, [(debtor.account.pk, debtor.org.pk, "1000.50")])
    services.start_checkout(order, return_url="http://t/r", callback_url="http://t/c")
    order.refresh_from_db()
    services.apply_report("sandbox", StatusReport(order.external_id, SUCCEEDED, order.total, str(order.uuid)))
    today = dt.date.today()
    text = exports.registry_csv([debtor.org], today, today).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1][3] == "3000300" and rows[1][5] == "1000,50" and rows[-1][5] == "1000,50"
    sheet = load_workbook(io.BytesIO(exports.registry_xlsx([debtor.org], today, today))).active
    values = list(sheet.values)
    assert values[1][3] == "3000300" and Decimal(str(values[1][5])) == D("1000.50") and len(values) == 3
