"""The public penalty calculator: the DOMAIN.md examples, the breakdown, errors next to the fields with
the values kept, and the database rate table shared with the engine."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from kabinet.billing.models import PenaltyRule

pytestmark = pytest.mark.django_db

URL = reverse("portal:penalty_calculator")
TODAY = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


def calc(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def total(html: str) -> str:
    start = html.index('class="calc-total"')
    return html[start:html.index("</p>", start)]


@pytest.mark.parametrize(("debt", "due", "paid", "amount"), [
    ("10000,00", "2024-02-10", "2024-03-31", "63,33"),
    ("10 000", "10.02.2024", "31.03.2024", "63,33"),
    ("10000.00", "2024-02-10", "2024-03-11", "0,00"),
    ("10000", "2024-02-10", "2024-03-12", "3,17"),
    ("5432,10", "2026-04-15", "2026-06-20", "61,93"),
])
def test_domain_examples(client, debt, due, paid, amount):
    html = calc(client, debt=debt, due=due, paid_on=paid)
    assert f"{amount}\u00a0₽" in total(html)


def test_breakdown_by_segment(client):
    html = calc(client, debt="10000,00", due="2024-02-10", paid_on="2024-03-31")
    assert "11.02.2024" in html and "11.03.2024" in html  # the 30 days without penalty
    assert "первые 30 дней просрочки: пени не начисляются" in html
    assert "12.03.2024" in html and "31.03.2024" in html and "31–50" in html
    assert "1/300" in html and "9,5\u00a0%" in html and "ПП РФ №1681" in html
    assert "Просрочка: 50 дней." in html and "Ключевая ставка ЦБ на 31.03.2024: 16\u00a0%." in html
    assert "Итого пеней" in html and 'inputmode="decimal"' in html


def test_after_day_90_the_rate_is_1_130(client):
    html = calc(client, debt="10000", due="2024-02-10", paid_on="2024-06-30")
    assert "1/300" in html and "1/130" in html and "91–141" in html


def test_without_a_payment_date_it_is_today(client):
    html = calc(client, debt="1000", due="2026-09-15", paid_on="")
    assert "Долг ещё не оплачен: расчёт на сегодня." in html and "25.11.2026" in html


def test_the_form_is_empty_on_first_visit_and_public(client):
    html = calc(client)
    assert "Калькулятор пеней" in html and "field-error" not in html and "calc-total" not in html
    assert 'type="date"' in html


def test_linked_from_the_login_page(client):
    assert URL in client.get(reverse("portal:login")).content.decode()


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"debt": "много", "due": "2024-02-10"}, "debt", "Введите долг числом, например 10 000,00."),
    ({"debt": "-100", "due": "2024-02-10"}, "debt", "Долг не может быть отрицательным"),
    ({"debt": "0", "due": "2024-02-10"}, "debt", "Введите долг больше нуля."),
    ({"debt": "10,555", "due": "2024-02-10"}, "debt", "не больше двух цифр после запятой"),
    ({"debt": "", "due": "2024-02-10"}, "debt", "Введите долг, например 10 000,00."),
    ({"debt": "100", "due": ""}, "due", "Введите срок оплаты."),
    ({"debt": "100", "due": "30.02.2024"}, "due", "Введите дату в виде ДД.ММ.ГГГГ"),
    ({"debt": "100", "due": "2015-06-10"}, "due", "с 01.01.2016"),
    ({"debt": "100", "due": "2024-02-10", "paid_on": "2024-02-01"}, "paid_on", "раньше срока оплаты (10.02.2024)"),
    ({"debt": "100", "due": "2024-02-10", "paid_on": "2031-01-01"}, "paid_on", "не позже 25.11.2027"),
    ({"debt": "100", "due": "2026-12-10", "paid_on": ""}, "due", "Срок оплаты ещё не наступил"),
])
def test_errors_next_to_the_field_with_values_kept(client, params, field, message):
    html = calc(client, **params)
    error = html[html.index(f'id="id_{field}_error"'):]
    assert message in error[:error.index("</div>")], error[:400]
    assert "calc-total" not in html
    for name, value in params.items():
        if value:
            assert f'value="{value}"' in html or name in ("due", "paid_on")  # dates are shown as entered


def test_entered_values_stay(client):
    html = calc(client, debt="10 000,5x", due="2024-02-10", paid_on="2024-03-31")
    assert 'value="10 000,5x"' in html and 'value="2024-02-10"' in html and 'value="2024-03-31"' in html


def test_uses_the_database_rate_table(client):
    """Without the 9.5 % cap in the database, the key rate (16 %) applies — as in the engine."""
    PenaltyRule.objects.all().delete()
    html = calc(client, debt="10000", due="2024-02-10", paid_on="2024-03-31")
    assert "106,67\u00a0₽" in total(html)


def test_examples_link_to_results(client):
    html = calc(client)
    assert "debt=10000%2C00&amp;due=2024-02-10&amp;paid_on=2024-03-31" in html
    assert calc(client, debt="10000,00", due="2024-02-10", paid_on="2024-03-31").count("63,33") >= 2


def test_query_count(client, django_assert_num_queries):
    with django_assert_num_queries(2):  # the key rates and the penalty rules
        calc(client, debt="10000", due="2024-02-10", paid_on="2024-03-31")


def test_amount_is_a_decimal_to_the_kopeck(client):
    html = calc(client, debt="1234567,89", due="2024-02-10", paid_on="2025-02-10")
    assert "1\u202f234\u202f567,89\u00a0₽" in html
    assert Decimal("0") < Decimal("1")
