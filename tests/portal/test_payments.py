"""The payment centre in the portal: choose what to pay, confirm with the commission, go to the acquirer,
come back to the order's status; access for the owner, delegates with and without the payments right,
strangers; clear errors; nothing posted is trusted."""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from kabinet.accounts.models import AccountLink
from kabinet.billing.ledger import refresh_balances
from kabinet.billing.models import Charge, Payment
from kabinet.core.models import Organization
from kabinet.payments import services
from kabinet.payments.acquirers.base import FAILED, SUCCEEDED, StatusReport
from kabinet.payments.models import CommissionRule, PaymentOrder
from kabinet.portal.views import payments as views
from kabinet.registry.models import Service
from tests import factories
from tests.portal.conftest import ru

pytestmark = pytest.mark.django_db
D = Decimal
PERIOD = dt.date(2026, 10, 1)
PAY = reverse("portal:pay")
CONFIRM = reverse("portal:pay_confirm")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def water(db):
    return factories.OrganizationFactory(name="АО «Водоканал»", kind=Organization.Kind.SUPPLIER)


def owe(account, upkeep="1000.00", water_amount="500.00", water=None):
    """Charges of October 2026: upkeep to the account's organisation, cold water to `water`."""
    org = account.organization
    upkeep_service = factories.ServiceFactory(organization=org, name="Содержание", unit="м²",
                                              method=Service.Method.AREA)
    Charge.objects.create(account=account, period=PERIOD, service=upkeep_service, kind="area", volume=D("50"),
                          tariff=D("20"), amount=D(upkeep))
    if water is not None:
        cold = factories.ServiceFactory(organization=org, name="Холодная вода", supplier=water)
        Charge.objects.create(account=account, period=PERIOD, service=cold, kind="metered", volume=D("10"),
                              tariff=D("50"), amount=D(water_amount))
    refresh_balances(org, [account.pk], PERIOD)


@pytest.fixture
def debt(account, water, alice):
    """`account` (owned by alice) owes 1 000,00 to its organisation and 500,00 to the water company."""
    owe(account, water=water)
    return account


def key(account, supplier):
    return f"{account.pk}-{supplier.pk}"


def choose(client, lines, named_period=""):
    """POST the choice: {(account, supplier): amount text}."""
    data = {"named_period": named_period}
    for (account, supplier), amount in lines.items():
        data[f"pay-{key(account, supplier)}"] = "on"
        data[f"amount-{key(account, supplier)}"] = amount
    return client.post(PAY, data)


def payload_of(response) -> str:
    return re.search(r'name="payload" value="([^"]+)"', response.content.decode()).group(1)


# --- Step 1: the choice ------------------------------------------------------------------------------------


def test_every_supplier_debt_is_prefilled_and_ticked(login, alice, debt, water, org):
    page = login(alice).get(PAY).content.decode()
    assert "1000,00" in page and "500,00" in page
    assert water.name.replace("«", "&laquo;").replace("»", "&raquo;") in page or "Водоканал" in page
    assert re.search(rf'name="pay-{key(debt, org)}"[^>]*checked', page)
    assert re.search(rf'name="pay-{key(debt, water)}"[^>]*checked', page)
    assert 'inputmode="decimal"' in page


def test_the_account_of_the_pay_button_is_the_only_one_preselected(login, alice, debt, org, other_org):
    second = factories.AccountFactory(organization=org, number="1000201")
    factories.AccountLinkFactory(user=alice, account=second)
    owe(second, upkeep="300.00")
    page = login(alice).get(PAY, {"account": second.pk}).content.decode()
    assert re.search(rf'name="pay-{key(second, org)}"[^>]*checked', page)
    assert not re.search(rf'name="pay-{key(debt, org)}"[^>]*checked', page)
    assert "1000,00" in page  # still shown, to be ticked if wanted


def test_nothing_ticked_is_an_error_and_nothing_is_created(login, alice, debt):
    response = login(alice).post(PAY, {"named_period": ""})
    assert response.status_code == 200
    assert ru("Tick at least one line to pay, and enter its amount.") in response.content.decode()
    assert not PaymentOrder.objects.exists()


@pytest.mark.parametrize(("typed", "msgid"), [
    ("0", "The amount must be greater than zero."),
    ("-5", "The amount must be greater than zero."),
    ("12,345", "Enter roubles and kopecks: at most two digits after the comma."),
    ("сто", "Enter the amount as a number, for example 1 500,00."),
    ("", "Enter the amount to pay, for example 1 500,00."),
])
def test_bad_amounts_are_explained_next_to_the_field_and_kept(login, alice, debt, org, typed, msgid):
    response = choose(login(alice), {(debt, org): typed})
    page = response.content.decode()
    assert ru(msgid) in page
    assert f'id="id_amount-{key(debt, org)}_error"' in page
    if typed:
        assert f'value="{typed}"' in page
    assert not PaymentOrder.objects.exists()


def test_a_too_large_amount_is_refused(login, alice, debt, org):
    page = choose(login(alice), {(debt, org): "2 000 000"}).content.decode()
    assert "1\u202f000\u202f000,00" in page  # "at most 1 000 000,00 ₽"
    assert not PaymentOrder.objects.exists()


def test_a_future_month_cannot_be_named(login, alice, debt, org):
    page = choose(login(alice), {(debt, org): "100"}, named_period="2999-01").content.decode()
    assert ru("Choose the current month or an earlier one.") in page


# --- Step 2: the confirmation ------------------------------------------------------------------------------


def test_confirmation_repeats_lines_commission_total_and_acquirer(login, alice, debt, org, water):
    CommissionRule.objects.create(organization=org, acquirer="sandbox", percent=D("2"), payer_pays=True)
    response = choose(login(alice), {(debt, org): "1 000,00", (debt, water): "500"})
    page = response.content.decode()
    assert response.status_code == 200
    quote = services.quote([(debt, org, D("1000")), (debt, water, D("500"))], "sandbox")
    assert quote.total == D("1530.62")
    for figure in ("1\u202f000,00", "500,00", "1\u202f500,00", "30,62", "1\u202f530,62"):
        assert figure in page, figure
    assert ru("Test bank (sandbox)") in page
    assert ru("A completed payment cannot be cancelled and the money cannot be returned through the Kabinet. "
              "Check the accounts and the amounts.") in page
    assert not PaymentOrder.objects.exists()  # nothing is created before «Pay»


def test_pay_creates_the_order_from_a_fresh_quote_and_goes_to_the_acquirer(login, alice, debt, org, water):
    client = login(alice)
    payload = payload_of(choose(client, {(debt, org): "1000", (debt, water): "250,50"}, named_period="2026-10"))
    response = client.post(CONFIRM, {"payload": payload})
    order = PaymentOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == order.redirect_url and "/sandbox-acquirer/" in order.redirect_url
    assert (order.user, order.status, order.amount, order.total, order.named_period) == (
        alice, "pending", D("1250.50"), D("1250.50"), PERIOD)
    assert sorted((line.supplier_id, line.amount) for line in order.lines.all()) == sorted(
        [(org.pk, D("1000.00")), (water.pk, D("250.50"))])


def test_change_goes_back_to_the_form_with_the_chosen_amounts(login, alice, debt, org, water):
    client = login(alice)
    payload = payload_of(choose(client, {(debt, water): "123,45"}))
    page = client.post(PAY, {"payload": payload, "edit": "1"}).content.decode()
    assert 'value="123,45"' in page
    assert re.search(rf'name="pay-{key(debt, water)}"[^>]*checked', page)
    assert not re.search(rf'name="pay-{key(debt, org)}"[^>]*checked', page)


def test_a_tampered_confirmation_pays_nothing(login, alice, debt, org):
    client = login(alice)
    payload = payload_of(choose(client, {(debt, org): "100"}))
    forged = signing.dumps({**signing.loads(payload, salt=views.PAYLOAD_SALT), "total": "1.00"}, salt="other")
    response = client.post(CONFIRM, {"payload": forged}, follow=True)
    assert ru("The confirmation page was changed or is too old, so nothing was paid. Choose what to pay again.") \
        in response.content.decode()
    assert not PaymentOrder.objects.exists()


def test_a_changed_commission_is_shown_again_before_paying(login, alice, debt, org):
    client = login(alice)
    payload = payload_of(choose(client, {(debt, org): "1000"}))
    CommissionRule.objects.create(organization=org, acquirer="sandbox", percent=D("1"), payer_pays=True)
    response = client.post(CONFIRM, {"payload": payload})
    assert response.status_code == 200
    page = response.content.decode()
    assert ru("The commission has changed since the previous page. Check the amounts again and confirm.") in page
    assert "1\u202f010,11" in page
    assert not PaymentOrder.objects.exists()
    client.post(CONFIRM, {"payload": payload_of(response)})
    assert PaymentOrder.objects.get().total == D("1010.11")


def test_another_users_confirmation_is_a_404(login, alice, debt, org, charlie):
    payload = payload_of(choose(login(alice), {(debt, org): "100"}))
    assert login(charlie).post(CONFIRM, {"payload": payload}).status_code == 404
    assert not PaymentOrder.objects.exists()


def test_an_unreachable_bank_keeps_the_confirmation(login, alice, debt, org, monkeypatch):
    client = login(alice)
    payload = payload_of(choose(client, {(debt, org): "100"}))

    def down(order, **kwargs):
        raise services.PaymentError("Банк не отвечает.")

    monkeypatch.setattr(services, "start_checkout", down)
    response = client.post(CONFIRM, {"payload": payload})
    assert response.status_code == 200 and "Банк не отвечает." in response.content.decode()
    assert 'name="payload"' in response.content.decode()


# --- Delegates and strangers -------------------------------------------------------------------------------


def test_a_delegate_without_the_payments_right_cannot_pay(login, bob, debt, org, alice):
    factories.AccountLinkFactory(user=bob, account=debt, role=AccountLink.Role.DELEGATE, can_readings=True)
    page = login(bob).get(PAY).content.decode()
    assert html.unescape(ru("You have no accounts you may pay for. The owner of an account can grant you the "
                            "right to pay on the account's page.")) in page
    assert debt.number not in page
    payload = views.sign_payment(bob, [(debt, org, D("100"))], "sandbox", None, D("100.00"))
    assert login(bob).post(CONFIRM, {"payload": payload}).status_code == 404
    assert not PaymentOrder.objects.exists()


def test_a_delegate_with_the_payments_right_pays(login, bob, debt, org):
    factories.AccountLinkFactory(user=bob, account=debt, role=AccountLink.Role.DELEGATE, can_payments=True)
    client = login(bob)
    client.post(CONFIRM, {"payload": payload_of(choose(client, {(debt, org): "100"}))})
    assert PaymentOrder.objects.get().user == bob


def test_a_stranger_sees_none_of_the_accounts(login, charlie, debt):
    page = login(charlie).get(PAY).content.decode()
    assert debt.number not in page


# --- Step 3: back from the acquirer ------------------------------------------------------------------------


def paid_order(user, account, supplier, amount="300.00"):
    order = services.create_order(user, [(account, supplier, D(amount))])
    services.start_checkout(order, return_url="http://testserver/r", callback_url="http://testserver/c")
    order.refresh_from_db()
    return order


def test_the_return_page_of_a_success_shows_what_was_credited_and_the_new_balance(login, alice, debt, org):
    order = paid_order(alice, debt, org, "1000.00")
    services.apply_report("sandbox", StatusReport(order.external_id, SUCCEEDED, D("1000.00"), str(order.uuid)))
    page = login(alice).get(reverse("portal:pay_return", args=[order.uuid])).content.decode()
    assert ru("Payment completed") in page
    assert debt.number in page and "1\u202f000,00" in page
    assert "500,00" in page  # the balance left: the water company's 500,00
    assert reverse("portal:payment_history") in page
    assert "hx-trigger" not in page


def test_a_pending_return_page_polls_and_asks_the_bank_at_most_every_few_seconds(login, alice, debt, org,
                                                                                  monkeypatch):
    order = paid_order(alice, debt, org)
    asked = []
    monkeypatch.setattr(services, "refresh_order", lambda o: asked.append(o.pk) or o)
    client = login(alice)
    page = client.get(reverse("portal:pay_return", args=[order.uuid])).content.decode()
    assert ru("Waiting for the bank") in page
    assert f'hx-get="{reverse("portal:pay_return", args=[order.uuid])}"' in page and "every 3s" in page
    assert '<meta http-equiv="refresh"' in page  # without JavaScript
    fragment = client.get(reverse("portal:pay_return", args=[order.uuid]), HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith("<section")
    assert asked == [order.pk]  # the second request came within REFRESH_EVERY seconds
    cache.clear()
    client.get(reverse("portal:pay_return", args=[order.uuid]))
    assert asked == [order.pk, order.pk]


def test_a_pending_order_completed_at_the_bank_is_found_on_return(login, alice, debt, org):
    order = paid_order(alice, debt, org)
    from kabinet.payments.models import SandboxPayment

    SandboxPayment.objects.filter(token=order.external_id).update(status="succeeded")
    page = login(alice).get(reverse("portal:pay_return", args=[order.uuid])).content.decode()
    assert ru("Payment completed") in page
    assert Payment.objects.filter(account=debt, amount=D("300.00")).exists()


def test_a_failed_payment_says_why_and_offers_to_try_again(login, alice, debt, org):
    order = paid_order(alice, debt, org)
    services.apply_report("sandbox", StatusReport(order.external_id, FAILED, D("300.00"), str(order.uuid),
                                                  {"reason": "Карта отклонена банком"}))
    page = login(alice).get(reverse("portal:pay_return", args=[order.uuid])).content.decode()
    assert ru("The payment did not go through") in page
    assert "Карта отклонена банком" in page
    assert f'href="{PAY}"' in page


@pytest.mark.parametrize("who", ["bob_with_rights", "charlie", "staff"])
def test_only_the_payer_sees_the_order(login, alice, debt, org, bob, charlie, staff, who):
    order = paid_order(alice, debt, org)
    users = {"charlie": charlie, "staff": staff, "bob_with_rights": bob}
    if who == "bob_with_rights":
        factories.AccountLinkFactory(user=bob, account=debt, role=AccountLink.Role.DELEGATE, can_payments=True)
    assert login(users[who]).get(reverse("portal:pay_return", args=[order.uuid])).status_code == 404


# --- Links to the payment centre ---------------------------------------------------------------------------


def test_dashboard_and_account_page_offer_to_pay_a_debt(login, alice, debt):
    client = login(alice)
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    assert f'href="{PAY}?account={debt.pk}"' in dashboard
    assert f'href="{PAY}"' in dashboard  # the «Оплата» tile
    assert reverse("portal:payment_history") in dashboard  # the user menu
    account_page = client.get(reverse("portal:account_detail", args=[debt.pk])).content.decode()
    assert f'href="{PAY}?account={debt.pk}"' in account_page
    assert f'{reverse("portal:payment_history")}?account={debt.pk}' in account_page


def test_no_pay_button_for_a_delegate_without_the_right(login, bob, debt):
    factories.AccountLinkFactory(user=bob, account=debt, role=AccountLink.Role.DELEGATE)
    dashboard = login(bob).get(reverse("portal:dashboard")).content.decode()
    assert f"{PAY}?account={debt.pk}" not in dashboard
