import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from kabinet.accounts.models import AccountLink
from kabinet.core.money import add_months
from kabinet.portal import dashboard
from tests import factories

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("portal:dashboard")


def add_history(account, months, closing_last):
    """`months` periods of balances ending in October 2026 with the last closing `closing_last`."""
    period = add_months(dt.date(2026, 10, 1), -(months - 1))
    opening = Decimal("0.00")
    for i in range(months):
        last = i == months - 1
        charged = Decimal("1000.00")
        paid = charged if not last else charged - closing_last + opening
        factories.BalanceFactory(account=account, period=period, opening=opening, charged=charged, paid=paid)
        opening = opening + charged - paid
        period = add_months(period, 1)


def test_dashboard_shows_total_debt_tiles_and_account_cards(login, alice, account, org):
    factories.BalanceFactory(account=account, opening=Decimal("0"), charged=Decimal("408.00"))
    html = login(alice).get(DASHBOARD).content.decode()
    assert "Долг" in html and "408,00\u00a0₽" in html
    for tile in ("Оплата", "Показания", "Состояние счёта", "Объявления", "Обращения"):
        assert tile in html
    assert f'href="{reverse("portal:pay")}"' in html  # the «Оплата» tile opens the payment centre
    assert "ООО «УК Пример»" in html and "1000200" in html and account.address in html
    assert "Вы — владелец счёта" in html and "за октябрь 2026" in html and "Главная" in html
    assert reverse("portal:account_detail", args=[account.pk]) in html


def test_total_over_several_accounts_with_overpayment(login, alice, account):
    factories.BalanceFactory(account=account, charged=Decimal("100.00"), paid=Decimal("1500.00"))
    second = factories.AccountFactory()
    factories.AccountLinkFactory(user=alice, account=second)
    factories.BalanceFactory(account=second, charged=Decimal("12345.67"))
    html = login(alice).get(DASHBOARD).content.decode()
    assert "12\u202f345,67\u00a0₽" in html  # thin spaces between thousands, comma for kopecks
    assert "1\u202f400,00\u00a0₽" in html and "Переплата" in html
    assert "10\u202f945,67\u00a0₽" in html  # the total debt
    assert "Итого по 2 счетам" in html


def test_delegate_sees_rights_and_stranger_sees_nothing_foreign(login, account, delegate, charlie):
    html = login(delegate.user).get(DASHBOARD).content.decode()
    assert "1000200" in html and "Вам открыт доступ: просмотр, показания" in html
    html = login(charlie).get(DASHBOARD).content.decode()
    assert "1000200" not in html


def test_user_without_accounts_is_invited_to_add_one(login, bob):
    html = login(bob).get(DASHBOARD).content.decode()
    assert "Добавить лицевой счёт" in html and "Состояние счёта" not in html


def make_accounts(user, count, months):
    for _ in range(count):
        account = factories.AccountFactory()
        factories.AccountLinkFactory(user=user, account=account,
                                     role=AccountLink.Role.OWNER)
        add_history(account, months, Decimal("250.00"))


def test_dashboard_query_count_does_not_grow_with_accounts_and_months(login, django_assert_num_queries, db):
    one = factories.UserFactory()
    many = factories.UserFactory()
    make_accounts(one, 1, 1)
    make_accounts(many, 5, 12)
    client = login(one)
    client.get(DASHBOARD)  # warm up (session, translations)
    cache.clear()  # rendered, not from the page cache (tests/portal/test_dashboard_cache.py)
    dashboard.clear_local(guesses=False)
    # session, one statement for the user, the accounts with links and balances and the
    # communication marks; then communication (issue 6): the latest news, appeals with unread replies.
    with django_assert_num_queries(4) as one_ctx:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    queries_for_one = len(one_ctx.captured_queries)
    client = login(many)
    client.get(DASHBOARD)
    cache.clear()
    dashboard.clear_local(guesses=False)
    with django_assert_num_queries(queries_for_one):
        response = client.get(DASHBOARD)
    assert response.content.decode().count("250,00") >= 5
