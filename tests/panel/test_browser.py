"""The panel in headless Chromium at desktop and phone widths: it renders, and nothing overflows."""

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from kabinet.core.roles import Role
from tests import factories

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("KABINET_SCREENSHOTS")  # a directory to keep the screenshots in


@pytest.fixture
def panel_data(transactional_db):
    org = factories.OrganizationFactory(name="ООО «УК Пример»", inn="7707083893")
    sub = factories.OrganizationFactory(name="ООО «Участок №2»", parent=org)
    admin = factories.StaffMembershipFactory(
        organization=org, roles=[Role.ORGANIZATION, Role.USERS, Role.STAFF],
        user__email="staff@example.com", user__full_name="Администратор УК", position="Администратор",
    ).user
    factories.StaffMembershipFactory(organization=sub, roles=[Role.APPEALS, Role.READINGS],
                                     user__full_name="Сотрудник участка")
    for i in range(8):
        account = factories.AccountFactory(organization=org if i % 3 else sub)
        link = factories.AccountLinkFactory(account=account, user__full_name=f"Абонент {i + 1}",
                                            user__phone=f"+7912000{i:04d}")
        factories.BalanceFactory(account=link.account, period=dt.date(2026, 10, 1),
                                 charged=Decimal("1408.50") if i % 2 else Decimal("0"),
                                 paid=Decimal("0") if i % 2 else Decimal("250"))
    consumer = link.user
    return {"org": org, "admin": admin, "consumer": consumer}


@pytest.fixture
def admin_cookie(panel_data):
    """A logged-in session, made before Playwright starts its event loop (the ORM refuses to run in one)."""
    client = Client()
    client.force_login(panel_data["admin"])
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _context(browser, live_server, cookie, width, height):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="ru-RU")
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (360, 740)])
def test_panel_pages_render_without_overflow(panel_data, admin_cookie, live_server, browser, width, height):
    context = _context(browser, live_server, admin_cookie, width, height)
    page = context.new_page()
    pages = {
        "summary": "/panel/",
        "users": "/panel/users/",
        "user": f"/panel/users/{panel_data['consumer'].pk}/",
        "user-new": "/panel/users/new/",
        "staff": "/panel/staff/",
        "staff-new": "/panel/staff/new/",
        "organization": f"/panel/organizations/{panel_data['org'].pk}/",
        "common-house": "/panel/common-house/",
    }
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, name
        assert page.locator("h1").count() == 1
        assert page.evaluate("document.documentElement.lang") == "ru"
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{name} overflows by {overflow}px at {width}px"
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, f"panel-{name}-{width}.png"), full_page=True)
    # An invalid requisite shows its error next to the field and keeps the value.
    page.goto(live_server.url + pages["organization"])
    page.fill("#id_inn", "7707083894")
    page.click("form.form button[type=submit]")
    assert page.locator("#id_inn_error").inner_text().startswith("Контрольные цифры ИНН")
    assert page.input_value("#id_inn") == "7707083894"
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"panel-organization-error-{width}.png"), full_page=True)
    context.close()


@pytest.fixture
def metering_data(transactional_db):
    from kabinet.metering.models import Meter, Reading
    from tests.metering.factories import MeterFactory, ReadingFactory

    org = factories.OrganizationFactory(name="ООО «УК Пример»")
    user = factories.StaffMembershipFactory(
        organization=org, roles=[Role.READINGS, Role.MANUAL_EDITING, Role.CHANNELS],
        user__email="meters@example.com", user__full_name="Контролёр",
    ).user
    meters = []
    for i in range(6):
        account = factories.AccountFactory(organization=org)
        meter = MeterFactory(account=account, zone_count=3 if i == 0 else 1,
                             resource=Meter.Resource.ELECTRICITY if i == 0 else Meter.Resource.COLD_WATER)
        for zone in meter.zones:
            ReadingFactory(meter=meter, zone=zone, value=Decimal("1200.5"), taken_on=dt.date(2026, 10, 20))
            ReadingFactory(meter=meter, zone=zone, value=Decimal("1212.25"), taken_on=dt.date(2026, 11, 20),
                           status=Reading.Status.NEW, flag_high=i % 2 == 0, submitted_by=factories.UserFactory())
        meters.append(meter)
    client = Client()
    client.force_login(user)
    return {"meter": meters[0], "single": meters[1], "org": org, "cookie": client.cookies[settings.SESSION_COOKIE_NAME].value}


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (360, 740)])
def test_metering_pages_render_without_overflow(metering_data, live_server, browser, width, height):
    context = _context(browser, live_server, metering_data["cookie"], width, height)
    page = context.new_page()
    meter = metering_data["meter"]
    pages = {
        "readings": "/panel/readings/",
        "meters": "/panel/meters/",
        "meter": f"/panel/meters/{meter.pk}/",
        "meter-new": "/panel/meters/new/",
        "meter-replace": f"/panel/meters/{meter.pk}/replace/",
        "export": "/panel/readings/export/",
        "reading-settings": f"/panel/reading-settings/{metering_data['org'].pk}/",
    }
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, name
        assert page.locator("h1").count() == 1
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{name} overflows by {overflow}px at {width}px"
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, f"panel-{name}-{width}.png"), full_page=True)
    # A wrong reading entered for the consumer: the error next to the field, the value kept.
    page.goto(live_server.url + f"/panel/meters/{metering_data['single'].pk}/")
    page.fill("#id_value_T1", "12,3,4")
    page.click("#enter-title ~ form button[type=submit]")
    assert "разделитель" in page.locator("#id_value_T1_error").inner_text()
    assert page.input_value("#id_value_T1") == "12,3,4"
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"panel-meter-error-{width}.png"), full_page=True)
    context.close()


# --- Billing: the turnover sheet and «Расчёт» (issue 4) ------------------------------------------------------


@pytest.fixture
def billing_data(panel_data):
    from kabinet.billing.models import BillingPeriod, BillingRun

    org = panel_data["org"]
    accountant = factories.StaffMembershipFactory(organization=org, roles=[Role.DATA_LOADING]).user
    done = BillingRun.objects.create(organization=org, period=dt.date(2026, 10, 1), status=BillingRun.Status.DONE,
                                     done=8, total=8, lines=16, amount=Decimal("11268.00"), started_by=accountant)
    running = BillingRun.objects.create(organization=org, period=dt.date(2026, 11, 1),
                                        status=BillingRun.Status.RUNNING, done=3, total=8)
    BillingPeriod.objects.create(organization=org, period=dt.date(2026, 10, 1))
    client = Client()
    client.force_login(accountant)
    return {"cookie": client.cookies[settings.SESSION_COOKIE_NAME].value, "done": done, "running": running}


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (360, 740)])
def test_billing_pages_render_without_overflow(billing_data, live_server, browser, width, height):
    context = _context(browser, live_server, billing_data["cookie"], width, height)
    page = context.new_page()
    pages = {
        "turnover": "/panel/turnover/?period_from=2026-10&period_to=2026-10",
        "billing": "/panel/billing/",
        "billing-run": f"/panel/billing/runs/{billing_data['done'].pk}/",
        "billing-running": f"/panel/billing/runs/{billing_data['running'].pk}/",
        "billing-close": "/panel/billing/close/",
    }
    for name, path in pages.items():
        response = page.goto(live_server.url + path)
        assert response.status == 200, name
        assert page.locator("h1").count() == 1
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{name} overflows by {overflow}px at {width}px"
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, f"panel-{name}-{width}.png"), full_page=True)
    # The running run's progress is polled by htmx: the fragment replaces itself and stays one element.
    page.goto(live_server.url + pages["billing-running"])
    page.wait_for_timeout(2500)
    assert page.locator("#run-status").count() == 1 and page.locator("progress").count() == 1
    context.close()
