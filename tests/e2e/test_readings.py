"""The readings pages in Chromium: both modes for a three-zone meter with the live calculation, the
confirmation, the history, and an error shown next to its field. With KABINET_SCREENSHOTS=<dir> the
pages are also captured at 360×740 and 1280×800."""

import os
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from kabinet.metering.models import Reading
from tests import factories
from tests.portal.readings_helpers import TODAY, electricity_meter, water_meter

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

SHOTS = os.environ.get("KABINET_SCREENSHOTS")
SIZES = ((360, 740), (1280, 800))


def shoot(page, name):
    if not SHOTS:
        return
    os.makedirs(SHOTS, exist_ok=True)
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=os.path.join(SHOTS, f"readings-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})


def log_in(page, live_server, user):
    client = Client()
    client.force_login(user, backend="kabinet.accounts.backends.CredentialBackend")
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                               "url": live_server.url}])


@pytest.fixture
def flat():
    org = factories.OrganizationFactory(name="ООО «УК Пример»")
    account = factories.AccountFactory(organization=org, number="1000200")
    user = factories.UserFactory(email="demo@example.com")
    factories.AccountLinkFactory(user=user, account=account)
    return user, water_meter(account), electricity_meter(account)


def test_enter_in_both_modes_confirm_and_see_the_history(live_server, page, flat):
    user, water, power = flat
    with time_machine.travel(TODAY, tick=True):
        log_in(page, live_server, user)
        page.goto(f"{live_server.url}/readings/")
        card = page.locator(f'.meter-card[data-meter="{power.pk}"]')
        peak = card.get_by_role("textbox", name="Показание — Пик, кВт·ч")
        peak.fill("30200")
        assert "расход 87" in card.locator(f"#id_value-{power.pk}-T1_result").inner_text()
        assert "mode-reading" in card.get_attribute("class")

        # Switch the row to consumption: the colour and the label change, the reading is calculated.
        card.locator(".mode-option-consumption").click()
        assert "mode-consumption" in card.get_attribute("class")
        card.get_by_role("textbox", name="Расход — Пик, кВт·ч").fill("10")
        card.get_by_role("textbox", name="Расход — Ночь, кВт·ч").fill("0")
        card.get_by_role("textbox", name="Расход — Полупик, кВт·ч").fill("5")
        assert "Показание 30\u202f123" in card.locator(f"#id_value-{power.pk}-T1_result").inner_text()
        water_card = page.locator(f'.meter-card[data-meter="{water.pk}"]')
        water_card.get_by_role("textbox", name="Показание").fill("104,5")
        assert "расход 4,5" in water_card.locator(".zone-result").inner_text()
        shoot(page, "entry")

        page.get_by_role("button", name="Проверить показания").click()
        page.wait_for_url("**/readings/")
        assert page.get_by_role("heading", name="Подтверждение показаний").is_visible()
        table = page.locator(".confirm-card", has_text="Электроэнергия").inner_text()
        assert "30\u202f123" in table and "23\u202f770" in table and "введён расход" in table
        shoot(page, "confirm")
        assert not Reading.objects.filter(status=Reading.Status.NEW).exists()
        page.get_by_role("button", name="Подтвердить ввод").click()
        page.wait_for_url(f"{live_server.url}/readings/")
        assert "Спасибо, показания переданы" in page.locator(".messages").inner_text()
        stored = {(r.meter_id, r.zone): r.value for r in Reading.objects.filter(status=Reading.Status.NEW)}
        assert stored == {(power.pk, "T1"): Decimal("30123"), (power.pk, "T2"): Decimal("1185"),
                          (power.pk, "T3"): Decimal("23770"), (water.pk, "T1"): Decimal("104.5")}

        card.get_by_role("link", name="История показаний").click()
        page.wait_for_url(f"**/readings/{power.pk}/history/")
        history = page.locator(".readings-history").inner_text()
        assert "На проверке" in history and "30\u202f123" in history and "Полупик" in history
        shoot(page, "history")


def test_an_error_is_shown_next_to_the_field_and_the_value_stays(live_server, page, flat):
    user, water, _power = flat
    with time_machine.travel(TODAY, tick=True):
        log_in(page, live_server, user)
        page.goto(f"{live_server.url}/readings/")
        field = page.locator(f"#id_value-{water.pk}-T1")
        field.fill("12,3.4")
        page.get_by_role("button", name="Проверить показания").click()
        page.wait_for_load_state()
        error = page.locator(f"#id_value-{water.pk}-T1_error")
        assert "только один разделитель" in error.inner_text().lower() or "разделител" in error.inner_text()
        assert page.locator(f"#id_value-{water.pk}-T1").input_value() == "12,3.4"
        assert page.locator(f"#id_value-{water.pk}-T1").get_attribute("aria-invalid") == "true"
        shoot(page, "error")
        assert not Reading.objects.filter(status=Reading.Status.NEW).exists()
