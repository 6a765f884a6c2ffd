"""The tariffs page in Chromium: a data-loading staff member opens «Тарифы и нормативы», adds a tariff,
gets a bad price refused next to its field, and then sees the tariff in force in the list."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing.models import Tariff
from kabinet.core.roles import Role
from kabinet.registry.models import Service
from tests import factories
from tests.e2e.test_readings import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_a_tariff_is_added_with_an_error_shown_at_its_field(live_server, page):
    org = factories.OrganizationFactory(name="ООО «УК Пример»")
    factories.ServiceFactory(organization=org, code="upkeep", name="Содержание", unit="м²", method=Service.Method.AREA)
    staff = factories.StaffMembershipFactory(organization=org, roles=[Role.DATA_LOADING]).user
    log_in(page, live_server, staff)

    page.goto(f"{live_server.url}/panel/")
    page.get_by_role("link", name="Тарифы и нормативы").first.click()
    if page.get_by_role("link", name="ООО «УК Пример»").count():  # the organisation list, when not switched to one
        page.get_by_role("link", name="ООО «УК Пример»").first.click()
    assert "Тарифов пока нет" in page.content()
    page.get_by_role("link", name="+ Новый тариф").click()

    page.select_option("select[name=service]", label="Содержание")
    page.fill("input[name=price]", "-5")
    page.fill("input[name=valid_from]", "2026-01-01")
    page.get_by_role("button", name="Сохранить").click()
    error = page.locator("#id_price_error")
    assert error.is_visible() and error.inner_text()
    assert not Tariff.objects.exists()

    page.fill("input[name=price]", "31.40")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_selector("text=Сохранено")
    row = page.locator("tr", has_text="Содержание")
    assert "31,40" in row.inner_text() and "действует" in row.inner_text()
    tariff = Tariff.objects.get()
    assert (tariff.price, tariff.valid_from) == (Decimal("31.40"), dt.date(2026, 1, 1))
    assert tariff.history.get().history_user == staff
