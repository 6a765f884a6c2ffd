"""The statement page «Состояние счёта»: months newest first, expandable to the lines; access; filter;
query count; links from the home page and the account page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.billing.models import Allocation, Balance, Charge, Payment, PenaltyCharge
from kabinet.core.money import add_months
from tests import factories
from tests.metering.factories import MeterFactory

D = dt.date
M = Decimal
pytestmark = pytest.mark.django_db

WATER_PROTOCOL = "Холодная вода: среднее за 6 мес. (5,1; 4,8; 5,4; 6,0; 5,2; 4,9) = 5,23333 м³ × 50,93 ₽ = 266,53 ₽"
PENALTY_PROTOCOL = "Пени на долг 1 352,53 со сроком оплаты 15.03.2026 на 20.04.2026 (ЖК РФ ст. 155 ч. 14)\nИтого: 4,02"


def url(account, **params):
    base = reverse("portal:account_statement", kwargs={"pk": account.pk})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def ledger(account):
    """Lines as the engine writes them: February charged (water by average, upkeep), March paid
    with a part kept as an advance, April a recalculation and a penalty; balances reconcile."""
    water = MeterFactory(account=account).service
    upkeep = factories.ServiceFactory(organization=account.organization, name="Содержание жилья", unit="м²")
    feb, mar, apr = D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)
    Charge.objects.create(account=account, period=feb, service=water, kind="average", volume=M("5.233333"),
                          tariff=M("50.93"), amount=M("266.53"), protocol=WATER_PROTOCOL)
    Charge.objects.create(account=account, period=feb, service=upkeep, kind="area", volume=M("54.3"),
                          tariff=M("20"), amount=M("1086.00"), protocol="Содержание: 54,3 м² × 20,00 ₽ = 1 086,00 ₽")
    payment = Payment.objects.create(account=account, amount=M("1500.00"), paid_on=D(2026, 3, 5), period=mar,
                                     source="bank")
    Allocation.objects.create(payment=payment, account=account, period=feb, service=water, kind="principal",
                              amount=M("266.53"), paid_on=payment.paid_on)
    Allocation.objects.create(payment=payment, account=account, period=feb, service=upkeep, kind="principal",
                              amount=M("1086.00"), paid_on=payment.paid_on)
    Allocation.objects.create(payment=payment, account=account, kind="advance", amount=M("147.47"),
                              paid_on=payment.paid_on)
    Charge.objects.create(account=account, period=apr, service=upkeep, kind="recalculation", volume=0, tariff=0,
                          amount=M("-100.00"), protocol="Не было уборки подъезда", automatic=False)
    PenaltyCharge.objects.create(account=account, period=apr, debt_period=feb, calculated_on=D(2026, 4, 20),
                                 debt=M("1352.53"), total=M("4.02"), amount=M("4.02"), protocol=PENALTY_PROTOCOL)
    for period, charged, recalculated, paid, penalty in (
            (feb, "1352.53", "0", "0", "0"), (mar, "0", "0", "1500.00", "0"), (apr, "0", "-100.00", "0", "4.02")):
        opening = Balance.objects.filter(account=account, period__lt=period).order_by("-period").first()
        Balance.objects.create(account=account, period=period, opening=opening.closing if opening else 0,
                               charged=M(charged), recalculated=M(recalculated), paid=M(paid), penalty=M(penalty))


def test_months_newest_first_with_totals_in_words(login, alice, account):
    ledger(account)
    html = login(alice).get(url(account)).content.decode()
    assert html.index('id="month-2026-04"') < html.index('id="month-2026-03"') < html.index('id="month-2026-02"')
    assert "апрель 2026" in html and "март 2026" in html and "февраль 2026" in html
    assert html.count('<details class="st-month"') == 3
    for label in ("На начало месяца", "Начислено", "Перерасчёт", "Оплачено", "Пени", "На конец месяца"):
        assert label in html
    assert "1\u202f352,53\u00a0₽" in html and "1\u202f500,00\u00a0₽" in html
    # March closes with an overpayment of 147.47, April with an overpayment of 243.45 (−147.47 − 100 + 4.02).
    assert "Переплата" in html and "243,45\u00a0₽" in html and "balance-overpaid" in html
    assert "Долг" in html and "balance-debt" in html  # February closes with a debt
    assert "Состояние счёта" in html and "Главная" in html


def test_a_month_expands_to_lines_with_volumes_tariffs_and_protocols(login, alice, account):
    ledger(account)
    html = login(alice).get(url(account)).content.decode()
    assert "Начислено по услугам" in html and "Как рассчитано:" in html
    assert WATER_PROTOCOL in html and "5,23333\u00a0м³" in html and "50,93\u00a0₽/м³" in html
    assert "По среднему" in html and "По площади" in html and "Содержание жилья" in html
    # The recalculation with its reason, the payment with what it paid, the penalty with its protocol.
    assert "Перерасчёты" in html and "Не было уборки подъезда" in html and "−100,00\u00a0₽" in html
    assert "05.03.2026" in html and "Банк" in html and "февраль 2026 — Содержание жилья" in html
    assert "аванс (переплата) на следующие счета" in html and "147,47\u00a0₽" in html
    assert "Пени за просрочку оплаты" in html and "ЖК РФ ст. 155 ч. 14" in html
    assert reverse("portal:penalty_calculator") in html


def test_loaded_balances_show_the_totals_only(login, alice, account):
    factories.BalanceFactory(account=account, period=D(2026, 10, 1), charged=M("408.00"))
    html = login(alice).get(url(account)).content.decode()
    assert "октябрь 2026" in html and "408,00\u00a0₽" in html
    assert "известны только итоги" in html and "Начислено по услугам" not in html


def test_full_history_without_a_time_limit(login, alice, account):
    period = D(2014, 1, 1)
    for _n in range(13 * 12):
        factories.BalanceFactory(account=account, period=period, charged=M("10.00"), paid=M("10.00"))
        period = add_months(period, 1)
    html = login(alice).get(url(account)).content.decode()
    assert html.count('<details class="st-month"') == 156 and "январь 2014" in html


def test_filter_by_month_range(login, alice, account):
    ledger(account)
    client = login(alice)
    html = client.get(url(account, period_from="2026-03", period_to="2026-03")).content.decode()
    assert html.count('<details class="st-month"') == 1 and "март 2026" in html and "Все периоды" in html
    assert 'value="2026-03"' in html
    html = client.get(url(account, period_from="2030-01")).content.decode()
    assert "В выбранных месяцах ничего нет" in html


def test_bad_filter_shows_the_error_and_the_full_history(login, alice, account):
    ledger(account)
    html = login(alice).get(url(account, period_from="2026-05", period_to="2026-02")).content.decode()
    assert "Конечный месяц не может быть раньше начального" in html or "field-error" in html
    assert html.count('<details class="st-month"') == 3
    html = login(alice).get(url(account, period_from="март")).content.decode()
    assert "field-error" in html and 'value="март"' in html


def test_no_history_yet(login, alice, account):
    html = login(alice).get(url(account)).content.decode()
    assert "По этому счёту пока нет начислений" in html


def test_delegate_can_view(login, account, delegate):
    ledger(account)
    response = login(delegate.user).get(url(account))
    assert response.status_code == 200 and WATER_PROTOCOL in response.content.decode()


def test_it_validates_ownership(login, account, charlie, bob):
    ledger(account)
    assert login(charlie).get(url(account)).status_code == 404
    assert login(bob).get(url(account)).status_code == 404  # registered, but no link to the account
    missing = reverse("portal:account_statement", kwargs={"pk": account.pk + 1000})
    assert login(charlie).get(missing).status_code == 404


def test_anonymous_is_sent_to_login(client, account):
    response = client.get(url(account))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))


def _months(account, count):
    period = D(2020, 1, 1)
    for _n in range(count):
        factories.BalanceFactory(account=account, period=period, charged=M("10.00"))
        period = add_months(period, 1)


def test_query_count_does_not_grow_with_history(login, alice, account, django_assert_num_queries):
    ledger(account)
    client = login(alice)
    client.get(url(account))  # warm up the session and the caches
    with django_assert_num_queries(9) as short:  # session, user, account, 5 statement reads, the balance now
        client.get(url(account))
    _months(account, 48)
    with django_assert_num_queries(len(short.captured_queries)):
        html = client.get(url(account)).content.decode()
    assert html.count('<details class="st-month"') == 51


def test_links_from_the_home_page_and_the_account_page(login, alice, account):
    client = login(alice)
    statement = url(account)
    assert statement in client.get(reverse("portal:dashboard")).content.decode()
    assert statement in client.get(reverse("portal:account_detail", kwargs={"pk": account.pk})).content.decode()
    second = factories.AccountFactory()
    factories.AccountLinkFactory(user=alice, account=second)
    home = client.get(reverse("portal:dashboard")).content.decode()
    assert statement not in home and 'class="tile" href="#accounts"' in home  # several: the account list
