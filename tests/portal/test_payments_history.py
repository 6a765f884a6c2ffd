"""«История платежей» (seed 001): every payment on the user's accounts with its source in words, what it
paid (periods, services, suppliers), its status; newest first; one account; a constant query count."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.accounts.models import AccountLink
from kabinet.billing.services import record_payment
from kabinet.core.models import Organization
from kabinet.payments import services
from kabinet.payments.acquirers.base import SUCCEEDED, StatusReport
from tests import factories
from tests.portal.conftest import ru
from tests.portal.test_payments import owe

pytestmark = pytest.mark.django_db
D = Decimal
HISTORY = reverse("portal:payment_history")


def ru_status(label):
    """An order status in Russian (the labels have the context "payment status")."""
    from django.utils import translation

    with translation.override("ru"):
        return translation.pgettext("payment status", label)


@pytest.fixture
def water(db):
    return factories.OrganizationFactory(name="АО «Водоканал»", kind=Organization.Kind.SUPPLIER)


@pytest.fixture
def debt(account, water, alice):
    """`account` (owned by alice) owes 1 000,00 to its organisation and 500,00 to the water company."""
    owe(account, water=water)
    return account


def rows_of(page: str) -> list[str]:
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return body.split("<tr>")[1:]


def test_payments_of_every_source_newest_first_with_what_they_paid(login, alice, debt, org, water):
    record_payment(debt, D("200.00"), paid_on=dt.date(2026, 10, 20), source="bank")
    record_payment(debt, D("100.00"), paid_on=dt.date(2026, 11, 2), source="cash")
    record_payment(debt, D("50.00"), paid_on=dt.date(2026, 11, 5), source="import")
    page = login(alice).get(HISTORY).content.decode()
    rows = rows_of(page)
    assert [r.split("</th>")[0].rsplit(">", 1)[1] for r in rows] == ["05.11.2026", "02.11.2026", "20.10.2026"]
    assert ru("Loaded from a file") in rows[0] and ru("Cash desk") in rows[1] and ru("Bank") in rows[2]
    assert "200,00" in rows[2]
    # 200,00 against October's 1 000,00 + 500,00 is split pro rata across the services (and so the suppliers).
    assert "Содержание" in rows[2] and "Холодная вода" in rows[2] and "Водоканал" in rows[2]
    assert ru_status("Paid") in rows[0]


def test_a_card_payment_in_progress_is_listed_with_its_status_and_link(login, alice, debt, org):
    order = services.create_order(alice, [(debt, org, D("300.00"))])
    services.start_checkout(order, return_url="http://testserver/r", callback_url="http://testserver/c")
    page = login(alice).get(HISTORY).content.decode()
    (row,) = rows_of(page)
    assert ru("Awaiting the bank") in row
    assert reverse("portal:pay_return", args=[order.uuid]) in row
    order.refresh_from_db()
    services.apply_report("sandbox", StatusReport(order.external_id, SUCCEEDED, D("300.00"), str(order.uuid)))
    (row,) = rows_of(login(alice).get(HISTORY).content.decode())
    assert ru_status("Paid") in row and ru("Online card payment (test)") in row and "Содержание" in row


def test_one_account_only(login, alice, debt, org):
    second = factories.AccountFactory(organization=org, number="1000299")
    factories.AccountLinkFactory(user=alice, account=second)
    owe(second, upkeep="80.00")
    record_payment(debt, D("11.00"), paid_on=dt.date(2026, 11, 1), source="bank")
    record_payment(second, D("22.00"), paid_on=dt.date(2026, 11, 1), source="bank")
    client = login(alice)
    both = client.get(HISTORY).content.decode()
    assert "11,00" in both and "22,00" in both
    only = client.get(HISTORY, {"account": second.pk}).content.decode()
    assert "22,00" in only and "11,00" not in only


def test_a_viewer_delegate_sees_the_history_but_is_not_offered_to_pay(login, bob, debt, alice):
    factories.AccountLinkFactory(user=bob, account=debt, role=AccountLink.Role.DELEGATE)
    record_payment(debt, D("77.00"), paid_on=dt.date(2026, 11, 1), source="bank")
    page = login(bob).get(HISTORY).content.decode()
    assert "77,00" in page
    assert f'href="{reverse("portal:pay")}' not in page.split("<main", 1)[1]


def test_a_stranger_sees_nothing_and_cannot_filter_to_the_account(login, charlie, debt, alice):
    record_payment(debt, D("77.00"), paid_on=dt.date(2026, 11, 1), source="bank")
    for params in ({}, {"account": debt.pk}):
        page = login(charlie).get(HISTORY, params).content.decode()
        assert "77,00" not in page and debt.number not in page


def pending_order(user, account, supplier, amount):
    order = services.create_order(user, [(account, supplier, D(amount))])
    services.start_checkout(order, return_url="http://testserver/r", callback_url="http://testserver/c")
    return order


def test_query_count_does_not_grow_with_payments(login, alice, debt, org, water, django_assert_num_queries):
    client = login(alice)
    record_payment(debt, D("10.00"), paid_on=dt.date(2026, 11, 1), source="bank")
    pending_order(alice, debt, org, "5.00")
    client.get(HISTORY)  # warm up (session, translations)
    # session, user, the user's accounts, the payments right; payments, their allocations, services,
    # suppliers; open orders and their lines with accounts.
    with django_assert_num_queries(QUERIES):
        client.get(HISTORY)
    for day in range(2, 12):
        record_payment(debt, D("10.00"), paid_on=dt.date(2026, 11, day), source="bank")
    for amount in ("6.00", "7.00", "8.00"):
        pending_order(alice, debt, water, amount)
    with django_assert_num_queries(QUERIES):
        page = client.get(HISTORY).content.decode()
    assert page.count("10,00") >= 11 and "8,00" in page


QUERIES = 11
