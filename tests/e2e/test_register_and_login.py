import re
from decimal import Decimal

import pytest

from kabinet.comms import sms
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

NEW_PASSWORD = "Sunny-garden-77"


@pytest.fixture
def account():
    building = factories.BuildingFactory(settlement="Кемерово", street="ул. Ленина", house="12")
    factories.BuildingFactory(settlement="Кемерово", street="пр. Ленинградский", house="3")
    factories.BuildingFactory(settlement="Кемерово", street="пр. Советский", house="5")
    premises = factories.PremisesFactory(building=building, number="5")
    factories.PremisesFactory(building=building, number="6")
    org = factories.OrganizationFactory(name="ООО «УК Пример»")
    account = factories.AccountFactory(organization=org, premises=premises, number="1000200", receipt_code="123456")
    factories.BalanceFactory(account=account, opening=Decimal("0"), charged=Decimal("408.00"))
    return account


def test_register_by_sms_then_log_in_by_address(live_server, page, account):
    # Register with the account number, receipt code and a phone confirmed by SMS.
    page.goto(f"{live_server.url}/register/")
    page.get_by_label("Номер лицевого счёта").fill("1000200")
    page.get_by_label("Код квитанции").fill("123456")
    page.get_by_label("Мобильный телефон").fill("8 912 345-67-89")
    page.get_by_label("Ваше имя").fill("Петров Пётр")
    page.get_by_role("button", name="Получить код").click()
    page.wait_for_url("**/register/confirm/")
    code = re.search(r"\d{6}", sms.outbox[-1][1]).group()
    page.get_by_label("Код из SMS").fill(code)
    page.get_by_role("button", name="Подтвердить").click()
    page.wait_for_url("**/register/password/")
    page.get_by_label("Новый пароль").fill(NEW_PASSWORD)
    page.get_by_label("Повторите пароль").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Завершить регистрацию").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "408,00" in page.locator(".summary").inner_text()

    # Log out through the user menu.
    page.locator(".user-menu summary").click()
    page.get_by_role("button", name="Выйти").click()
    page.wait_for_url("**/login/")

    # Log in by address: type the street, pick it from the suggestions, then house and flat.
    page.get_by_role("link", name="По адресу").click()
    page.wait_for_url("**/login/address/")
    page.get_by_label("Улица").press_sequentially("лен", delay=50)
    suggestion = page.locator(".suggestions a", has_text="ул. Ленина")
    suggestion.wait_for()
    assert page.locator(".suggestions a").count() == 2  # ул. Ленина and пр. Ленинградский
    suggestion.click()
    page.get_by_label("Дом").select_option("12")
    page.get_by_label("Квартира").select_option(label="5")
    page.get_by_label("Пароль").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(f"{live_server.url}/")
    summary = page.locator(".summary").inner_text()
    assert "Долг" in summary and "408,00" in summary
    assert "1000200" in page.locator("#accounts").inner_text()
