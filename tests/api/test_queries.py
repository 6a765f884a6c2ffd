"""The API lists make a constant number of SQL queries, whatever the number of accounts and months."""

import datetime as dt

import pytest

from kabinet.accounts.models import AccountLink
from kabinet.core.money import add_months
from tests import factories

# Token lookup + its last_used_at touch, staff memberships, the page count, the page itself.
LIST_QUERIES = 5


def add_accounts(n, *, user=None, organization):
    for _ in range(n):
        account = factories.AccountFactory(organization=organization)
        for month in range(12):
            factories.BalanceFactory(account=account, period=add_months(dt.date(2025, 11, 1), month))
        if user is not None:
            factories.AccountLinkFactory(
                user=user, account=account, role=AccountLink.Role.DELEGATE, can_payments=True
            )


@pytest.mark.parametrize("n", [1, 20])
def test_consumer_list_queries_are_constant(client_for, bob, org, n, django_assert_num_queries):
    add_accounts(n, user=bob, organization=org)
    client = client_for(bob)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get("/api/v1/accounts/")
    results = response.json()["results"]
    assert len(results) == n
    assert {a["balance_period"] for a in results} == {"2026-10"}
    assert {tuple(a["rights"]) for a in results} == {("view", "payments")}


@pytest.mark.parametrize("n", [1, 20])
def test_staff_list_queries_are_constant(client_for, staff, org, n, django_assert_num_queries):
    sub = factories.OrganizationFactory(parent=org)
    add_accounts(n, organization=sub)
    client = client_for(staff)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get("/api/v1/accounts/")
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [1, 20])
def test_detail_and_me_queries_are_constant(client_for, bob, org, n, django_assert_num_queries):
    add_accounts(n, user=bob, organization=org)
    client = client_for(bob)
    client.get("/api/v1/me/")  # the token's last_used_at is touched once a minute: not in the counts
    account_id = bob.account_links.first().account_id
    with django_assert_num_queries(3):  # token, staff memberships, the account
        assert client.get(f"/api/v1/accounts/{account_id}/").status_code == 200
    with django_assert_num_queries(3):  # token, staff memberships, linked accounts count
        assert client.get("/api/v1/me/").json()["linked_accounts_count"] == n
