"""The payment centre in Chromium against the built-in sandbox acquirer: a consumer with a debt goes from
the home page to «Оплатить», picks the lines, sees the commission on the confirmation, pays with the
test card on the sandbox bank's page, comes back to «Платёж выполнен», finds the balance reduced and the
payment in the history. With KABINET_SCREENSHOTS=<dir> the pages are also captured."""

import re
from decimal import Decimal

import pytest

from kabinet.core.models import Organization
from kabinet.payments.models import CommissionRule, PaymentOrder
from tests import factories
from tests.e2e.test_statement import log_in, shoot
from tests.portal.test_payments import owe

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def debtor(transactional_db):
    """Account 1000200 owes 1 000,00 to «УК Пример» (2 % commission, added for the payer) and 500,00 to
    the water company."""
    org = factories.OrganizationFactory(name="ООО «УК Пример»")
    water = factories.OrganizationFactory(name="АО «Водоканал»", kind=Organization.Kind.SUPPLIER)
    account = factories.AccountFactory(organization=org, number="1000200")
    user = factories.UserFactory(email="demo@example.com")
    factories.AccountLinkFactory(user=user, account=account)
    owe(account, water=water)
    CommissionRule.objects.create(organization=org, acquirer="sandbox", percent=Decimal("2"), payer_pays=True)
    return user, account, water


def test_debt_pay_with_the_sandbox_card_back_balance_and_history(live_server, page, debtor, settings):
    user, account, water = debtor
    log_in(page, live_server, user)

    page.goto(f"{live_server.url}/")
    assert page.get_by_text("1\u202f500,00\u00a0₽").first.is_visible()  # the debt on the home page
    shoot(page, "pay-home")
    page.get_by_role("link", name=re.compile(r"^Оплатить")).first.click()
    page.wait_for_url(f"**/pay/?account={account.pk}")

    # The choice: both suppliers prefilled and ticked; pay the water company 200,00 of its 500,00.
    water_amount = page.get_by_label(re.compile(r"Сумма, ₽ — АО «Водоканал»"))
    assert water_amount.input_value() == "500,00"
    water_amount.fill("200")
    shoot(page, "pay-choose")
    page.get_by_role("button", name="Далее").click()

    # The confirmation repeats every line and shows the commission before anything is paid.
    page.get_by_role("heading", name="Подтверждение оплаты", level=1).wait_for()
    assert page.get_by_text("Комиссия", exact=False).first.is_visible()
    total = page.locator(".pay-total dd").inner_text()
    assert total.replace("\u202f", " ").replace("\u00a0", " ") == "1 224,49 ₽"  # 1 200,00 / 0,98 rounded up
    assert page.get_by_text("Проведённый платёж нельзя отменить", exact=False).is_visible()
    shoot(page, "pay-confirm")
    page.get_by_role("button", name=re.compile(r"^Оплатить")).click()

    # The sandbox bank's card form.
    page.wait_for_url("**/sandbox-acquirer/**")
    page.locator("#id_number").fill("4111 1111 1111 1111")
    page.locator("#id_expiry").fill("12/30")
    page.locator("#id_cvc").fill("123")
    shoot(page, "pay-sandbox")
    page.locator("button[name=action][value=pay]").click()

    # Back on the return page: credited.
    order = PaymentOrder.objects.get()
    page.wait_for_url(f"**/pay/{order.uuid}/")
    page.get_by_role("heading", name="Платёж выполнен").wait_for(timeout=15_000)
    shoot(page, "pay-done")
    order.refresh_from_db()
    assert (order.status, order.total) == ("succeeded", Decimal("1224.49"))

    # The home page shows the debt reduced by what was credited: 1 500,00 − 1 200,00 = 300,00.
    page.goto(f"{live_server.url}/")
    assert page.get_by_text("300,00\u00a0₽").first.is_visible()

    # The history lists the payment with its source and what it paid.
    page.locator(".user-menu summary").click()
    page.get_by_role("link", name="История платежей").click()
    page.wait_for_url("**/payments/")
    rows = page.locator("table.pay-history tbody tr")
    assert rows.count() == 2  # one billing payment per supplier line
    text = rows.first.inner_text() + rows.nth(1).inner_text()
    assert text.count("Оплата картой онлайн (тест)") == 2
    assert "1\u202f000,00" in text and "200,00" in text
    assert "Водоканал" in text
    shoot(page, "pay-history")
