"""A meter's reading history (statuses in words, rejected with the reason, period filter), access to it,
and the constant number of queries of the readings page."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from kabinet.accounts.models import AccountLink
from kabinet.core.money import add_months
from kabinet.metering.models import Reading
from tests import factories
from tests.metering.factories import MeterFactory, ReadingFactory
from tests.portal.readings_helpers import READINGS, TODAY, electricity_meter, history_url, water_meter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def test_history_lists_every_reading_with_status_in_words(login, alice, account):
    water = water_meter(account)  # accepted 100 on 20.10.2026
    ReadingFactory(meter=water, value=Decimal("90"), taken_on=dt.date(2026, 9, 20), consumption=Decimal("4"),
                   source=Reading.Source.SMS, status=Reading.Status.BILLED)
    ReadingFactory(meter=water, value=Decimal("95"), taken_on=dt.date(2026, 10, 1), source=Reading.Source.PORTAL,
                   status=Reading.Status.REJECTED, reject_reason="Фото табло не совпадает")
    ReadingFactory(meter=water, value=Decimal("104,5".replace(",", ".")), taken_on=dt.date(2026, 11, 19),
                   consumption=Decimal("4.5"), status=Reading.Status.NEW)
    html = login(alice).get(history_url(water)).content.decode()
    assert "История показаний: Холодная вода № 12426322" in html
    assert "Главная" in html and "Показания приборов учета" in html
    for text in ("19.11.2026", "104,5", "4,5", "Отклонено",
                 "Причина: Фото табло не совпадает", "SMS", "Личный кабинет", "20.09.2026", "сентябрь 2026"):
        assert text in html, text
    assert html.index("19.11.2026") < html.index("20.10.2026") < html.index("20.09.2026")  # newest first


def test_history_of_a_three_zone_meter_names_the_zones(login, alice, account):
    power = electricity_meter(account)
    html = login(alice).get(history_url(power)).content.decode()
    for zone in ("Пик", "Ночь", "Полупик"):
        assert f'data-label="Зона">{zone}</td>' in html


def test_history_filter_by_period(login, alice, account):
    water = water_meter(account)
    for month in range(1, 10):
        ReadingFactory(meter=water, value=Decimal(month), taken_on=dt.date(2026, month, 20))
    client = login(alice)
    response = client.get(history_url(water), {"period_from": "2026-03", "period_to": "2026-04"})
    periods = {r.period for r in response.context["readings"]}
    assert periods == {dt.date(2026, 3, 1), dt.date(2026, 4, 1)}
    assert "Все периоды" in response.content.decode()
    response = client.get(history_url(water), {"period_from": "2027-01"})
    assert "За выбранные месяцы показаний нет." in response.content.decode()
    response = client.get(history_url(water), {"period_from": "март", "period_to": "2026-04"})
    assert response.context["form"].errors["period_from"]
    assert len(response.context["readings"]) == 10  # a wrong filter shows everything, with the message
    response = client.get(history_url(water), {"period_from": "2026-05", "period_to": "2026-04"})
    assert response.context["form"].errors["period_to"]


def test_history_access(login, alice, account, charlie, bob):
    water = water_meter(account, serial="SEKRET-1")
    assert login(charlie).get(history_url(water)).status_code == 404
    assert login(charlie).get("/readings/999999/history/").status_code == 404
    factories.AccountLinkFactory(user=bob, account=account, role=AccountLink.Role.DELEGATE)  # view only
    assert "SEKRET-1" in login(bob).get(history_url(water)).content.decode()
    house = MeterFactory(account=None, organization=account.organization, building=account.premises.building,
                         serial_number="HOUSE-1", service=water.service)
    assert login(alice).get(history_url(house)).status_code == 404


def add_meters(account, count, months):
    for i in range(count):
        meter = MeterFactory(account=account, zone_count=1 + i % 3)
        for zone in meter.zones:
            for m in range(months):
                ReadingFactory(meter=meter, zone=zone, value=Decimal(10 * (m + 1)),
                               taken_on=add_months(dt.date(2025, 11, 20), m))
            ReadingFactory(meter=meter, zone=zone, value=Decimal(1000), taken_on=dt.date(2026, 11, 19),
                           status=Reading.Status.NEW)


def test_readings_page_runs_a_constant_number_of_queries(login, django_assert_num_queries):
    one, many = factories.UserFactory(), factories.UserFactory()
    for user, count, months in ((one, 1, 1), (many, 6, 12)):
        account = factories.AccountFactory()
        factories.AccountLinkFactory(user=user, account=account)
        add_meters(account, count, months)
    counts = []
    for user in (one, many):
        client = login(user)
        client.get(READINGS)  # warm up (session, translations)
        # session, user, the 5 queries of consumer_meter_groups, the submittable meters
        with django_assert_num_queries(8) as context:
            response = client.get(READINGS)
        counts.append(len(context.captured_queries))
        assert response.status_code == 200
    assert counts[0] == counts[1]
    assert response.content.decode().count('class="reading-input"') == 1 + 2 + 3 + 1 + 2 + 3


def test_history_page_query_count_does_not_grow(login, alice, account, django_assert_num_queries):
    water = water_meter(account)
    client = login(alice)
    client.get(history_url(water))
    with django_assert_num_queries(4):  # session, user, the meter, its readings
        client.get(history_url(water))
    for m in range(12):
        ReadingFactory(meter=water, value=Decimal(m), taken_on=add_months(dt.date(2025, 1, 20), m),
                       submitted_by=alice)
    with django_assert_num_queries(4):
        client.get(history_url(water))
