"""The statement and the penalty calculator in Chromium: expand a month, read a protocol; calculate a
penalty and see an error next to its field. With KABINET_SCREENSHOTS=<dir> the pages are also
captured at 360×740 and 1280×800."""

import datetime as dt
import os

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from tests import factories
from tests.portal.test_statement import WATER_PROTOCOL, ledger

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

SHOTS = os.environ.get("KABINET_SCREENSHOTS")
SIZES = ((360, 740), (1280, 800))
TODAY = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def shoot(page, name):
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=os.path.join(SHOTS, f"{name}-{width}.png"), full_page=True)
        if width < 400:  # a long phone page is also cut into screens, to look at it at full size
            full = page.evaluate("document.documentElement.scrollHeight")
            for n, top in enumerate(range(0, full, height)):
                page.screenshot(path=os.path.join(SHOTS, f"{name}-{width}-{n}.png"), full_page=True,
                                clip={"x": 0, "y": top, "width": width, "height": min(height, full - top)})
    page.set_viewport_size({"width": 360, "height": 740})


def log_in(page, live_server, user):
    client = Client()
    client.force_login(user, backend="kabinet.accounts.backends.CredentialBackend")
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])


def test_expand_a_month_and_read_how_it_was_calculated(live_server, page):
    org = factories.OrganizationFactory(name="ООО «УК Пример»")
    account = factories.AccountFactory(organization=org, number="1000200")
    user = factories.UserFactory(email="demo@example.com")
    factories.AccountLinkFactory(user=user, account=account)
    ledger(account)
    log_in(page, live_server, user)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Состояние счёта").click()
    page.wait_for_url(f"**/accounts/{account.pk}/statement/")
    assert page.get_by_role("heading", name="Состояние счёта", level=1).is_visible()
    february = page.locator("#month-2026-02")
    protocol = february.get_by_text(WATER_PROTOCOL)
    assert not protocol.is_visible()  # months start closed
    february.locator("summary").click()
    assert february.get_attribute("open") is not None
    assert protocol.is_visible() and february.get_by_text("Как рассчитано:").first.is_visible()
    assert "5,23333" in february.inner_text() and "Долг" in february.locator("summary").inner_text()
    page.locator("#month-2026-04 summary").click()
    assert page.locator("#month-2026-04").get_by_text("Не было уборки подъезда").is_visible()
    shoot(page, "statement")

    # Keyboard: a month opens with Enter as well.
    march = page.locator("#month-2026-03")
    march.locator("summary").focus()
    page.keyboard.press("Enter")
    assert march.get_attribute("open") is not None
    assert "Переплата" in march.locator("summary").inner_text()


def test_calculate_a_penalty_and_see_an_error(live_server, page):
    with time_machine.travel(TODAY, tick=True):
        page.goto(f"{live_server.url}/login/")
        page.get_by_role("link", name="Калькулятор пеней").click()
        page.get_by_label("Сумма долга, ₽").fill("10 000,00")
        page.get_by_label("Срок оплаты").fill("2024-02-10")
        page.get_by_label("Дата оплаты").fill("2024-03-31")
        page.get_by_role("button", name="Рассчитать").click()
        page.wait_for_url("**/penalty-calculator/?*")
        assert "63,33" in page.locator(".calc-total").inner_text()
        table = page.locator(".calc-table").inner_text()
        assert "1/300" in table and "12.03.2024" in table and "9,5" in table
        shoot(page, "penalty-result")

        page.get_by_label("Сумма долга, ₽").fill("десять тысяч")
        page.get_by_label("Дата оплаты").fill("2024-02-01")
        page.get_by_role("button", name="Рассчитать").click()
        page.wait_for_load_state()
        assert "Введите долг числом" in page.locator("#id_debt_error").inner_text()
        assert "раньше срока оплаты" in page.locator("#id_paid_on_error").inner_text()
        assert page.get_by_label("Сумма долга, ₽").input_value() == "десять тысяч"
        assert page.locator(".calc-total").count() == 0
        shoot(page, "penalty-error")
