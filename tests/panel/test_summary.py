"""The summary page: counts and money for the current organisation and its subtree."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.core.roles import Role
from tests import factories


def _fill(org, n):
    for _ in range(n):
        account = factories.AccountFactory(organization=org)
        factories.AccountLinkFactory(account=account)
        factories.BalanceFactory(account=account, period=dt.date(2026, 9, 1), charged=Decimal("100.00"))
        factories.BalanceFactory(account=account, period=dt.date(2026, 10, 1), charged=Decimal("50.00"))


def test_summary_counts(as_user, org, sub_org, other_org, make_staff, alice, charlie):
    staff = make_staff(org, [])
    factories.StaffMembershipFactory(organization=sub_org, roles=[])
    factories.AccountFactory(organization=sub_org, is_open=False)
    factories.BalanceFactory(account=alice.account_links.get().account, period=dt.date(2026, 9, 1),
                             charged=Decimal("999.00"))
    factories.BalanceFactory(account=alice.account_links.get().account, period=dt.date(2026, 10, 1),
                             opening=Decimal("0"), charged=Decimal("408.00"))
    debtor_less = factories.AccountFactory(organization=sub_org)
    factories.BalanceFactory(account=debtor_less, period=dt.date(2026, 10, 1), charged=Decimal("0"),
                             paid=Decimal("120.50"))
    factories.BalanceFactory(account=charlie.account_links.get().account, charged=Decimal("5000"))
    stats = as_user(staff).get(reverse("panel:summary")).context["stats"]
    assert stats["accounts"] == 3
    assert stats["open_accounts"] == 2
    assert stats["consumers"] == 1
    assert stats["staff"] == 2
    assert stats["debt"] == Decimal("408.00")  # only the latest period counts
    assert stats["overpayment"] == Decimal("120.50")
    assert stats["debtors"] == 1


def test_summary_shows_money_formatted(as_user, org, make_staff, account):
    factories.BalanceFactory(account=account, charged=Decimal("12345.67"))
    page = as_user(make_staff(org, [])).get(reverse("panel:summary")).content.decode()
    assert "12\u202f345,67\u00a0₽" in page


def test_summary_narrowed_by_switcher(as_user, org, sub_org, make_staff):
    factories.AccountFactory(organization=org)
    factories.AccountFactory(organization=sub_org)
    client = as_user(make_staff(org, []))
    assert client.get(reverse("panel:summary")).context["stats"]["accounts"] == 2
    client.post(reverse("panel:switch_organization"), {"organization": sub_org.pk})
    assert client.get(reverse("panel:summary")).context["stats"]["accounts"] == 1


def test_operator_summary_covers_everyone(as_user, operator, org, other_org):
    factories.AccountFactory(organization=org)
    factories.AccountFactory(organization=other_org)
    assert as_user(operator).get(reverse("panel:summary")).context["stats"]["accounts"] == 2


@pytest.mark.parametrize("role_list", [[], [Role.USERS, Role.STAFF]])
def test_summary_query_count_is_constant(as_user, org, sub_org, make_staff, django_assert_num_queries, role_list):
    client = as_user(make_staff(org, role_list))
    _fill(org, 2)
    client.get(reverse("panel:summary"))
    with django_assert_num_queries(9) as few:
        client.get(reverse("panel:summary"))
    _fill(org, 10)
    _fill(sub_org, 10)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("panel:summary"))
