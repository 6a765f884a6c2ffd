import datetime as dt
from decimal import Decimal

import pytest

from kabinet.accounts.services import grant_delegation
from tests import factories

LIST = "/api/v1/accounts/"


def detail(account):
    return f"/api/v1/accounts/{account.pk}/"


def numbers(response):
    assert response.status_code == 200, response.content
    return [a["number"] for a in response.json()["results"]]


@pytest.fixture
def balances(account):
    for month, closing_charge in ((8, "100.00"), (9, "200.00"), (10, "1234.56")):
        factories.BalanceFactory(
            account=account, period=dt.date(2026, month, 1), charged=Decimal(closing_charge)
        )


def test_owner_sees_the_account_with_balance_and_all_rights(client_for, alice, account, org, balances):
    response = client_for(alice).get(LIST)
    body = response.json()
    assert body["count"] == 1
    assert body["next"] is None
    assert body["results"] == [
        {
            "id": account.pk,
            "number": "1000200",
            "organization": {"id": org.pk, "name": org.name},
            "address": account.address,
            "balance": "1234.56",
            "balance_period": "2026-10",
            "rights": ["view", "readings", "payments", "appeals"],
        }
    ]
    assert client_for(alice).get(detail(account)).json() == body["results"][0]


def test_overpayment_is_a_negative_balance(client_for, alice, account):
    factories.BalanceFactory(account=account, charged=Decimal("100.00"), paid=Decimal("150.50"))
    assert client_for(alice).get(detail(account)).json()["balance"] == "-50.50"


def test_account_without_history_has_zero_balance_and_no_period(client_for, alice, account):
    body = client_for(alice).get(detail(account)).json()
    assert body["balance"] == "0.00"
    assert body["balance_period"] is None


def test_delegate_sees_the_rights_granted(client_for, alice, bob, account):
    grant_delegation(alice, account.pk, "bob@example.com", ["readings"])
    response = client_for(bob).get(LIST)
    assert numbers(response) == ["1000200"]
    assert response.json()["results"][0]["rights"] == ["view", "readings"]
    assert client_for(bob).get(detail(account)).json()["rights"] == ["view", "readings"]


def test_it_validates_ownership(client_for, alice, charlie, account):
    """A stranger gets the same 404 as for a missing account, and a list without it."""
    client = client_for(charlie)
    missing = client.get("/api/v1/accounts/999999999/")
    foreign = client.get(detail(account))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert missing.json()["code"] == "not_found"
    assert "1000200" not in numbers(client.get(LIST))
    assert len(numbers(client.get(LIST))) == 1


def test_user_with_no_links_sees_nothing(client_for, bob, account):
    assert numbers(client_for(bob).get(LIST)) == []
    assert client_for(bob).get(detail(account)).status_code == 404


def test_accounts_of_an_inactive_organisation_are_hidden_from_consumers(client_for, alice, account, org):
    org.is_active = False
    org.save()
    assert numbers(client_for(alice).get(LIST)) == []


def test_staff_sees_the_accounts_of_the_organisation_and_its_sub_organisations(
    client_for, staff, org, account, charlie
):
    sub = factories.OrganizationFactory(parent=org)
    sub_account = factories.AccountFactory(organization=sub, number="3000001")
    client = client_for(staff)
    response = client.get(LIST)
    assert sorted(numbers(response)) == ["1000200", "3000001"]
    assert all(a["rights"] == ["view"] for a in response.json()["results"])
    assert client.get(detail(sub_account)).status_code == 200
    foreign = charlie.account_links.get().account
    assert client.get(detail(foreign)).status_code == 404


def test_staff_of_a_sub_organisation_does_not_see_the_parent(client_for, org, account):
    sub = factories.OrganizationFactory(parent=org)
    sub_account = factories.AccountFactory(organization=sub)
    sub_staff = factories.StaffMembershipFactory(organization=sub).user
    client = client_for(sub_staff)
    assert numbers(client.get(LIST)) == [sub_account.number]
    assert client.get(detail(account)).status_code == 404


def test_staff_of_another_organisation_gets_404(client_for, other_staff, account):
    client = client_for(other_staff)
    assert client.get(detail(account)).status_code == 404
    assert "1000200" not in numbers(client.get(LIST))


def test_operator_sees_every_organisation(client_for, operator, account, charlie):
    assert len(numbers(client_for(operator).get(LIST))) == 2


def test_a_user_who_is_both_consumer_and_staff_sees_both_sets(client_for, alice, other_org, charlie):
    factories.StaffMembershipFactory(user=alice, organization=other_org)
    results = client_for(alice).get(LIST).json()["results"]
    by_number = {a["number"]: a["rights"] for a in results}
    assert by_number["1000200"] == ["view", "readings", "payments", "appeals"]
    foreign_number = charlie.account_links.get().account.number
    assert by_number[foreign_number] == ["view"]
    assert len(results) == 2


def test_an_account_both_linked_and_in_staff_scope_is_listed_once_with_link_rights(
    client_for, alice, org, account
):
    factories.StaffMembershipFactory(user=alice, organization=org)
    results = client_for(alice).get(LIST).json()["results"]
    assert len(results) == 1
    assert results[0]["rights"] == ["view", "readings", "payments", "appeals"]


def test_staff_filters_by_organisation_and_number(client_for, staff, org, account):
    sub = factories.OrganizationFactory(parent=org)
    factories.AccountFactory(organization=sub, number="3000001")
    factories.AccountFactory(organization=sub, number="3000002")
    client = client_for(staff)
    assert numbers(client.get(LIST, {"organization": sub.pk})) == ["3000001", "3000002"]
    assert numbers(client.get(LIST, {"organization": org.pk})) == ["1000200"]
    assert numbers(client.get(LIST, {"search": "3000002"})) == ["3000002"]
    assert numbers(client.get(LIST, {"search": "300"})) == ["3000001", "3000002"]
    assert numbers(client.get(LIST, {"search": "300", "organization": org.pk})) == []


def test_filtering_by_a_foreign_organisation_finds_nothing(client_for, staff, other_org, charlie):
    assert numbers(client_for(staff).get(LIST, {"organization": other_org.pk})) == []


def test_invalid_filter_is_400_with_field_errors(client_for, staff):
    response = client_for(staff).get(LIST, {"organization": "abc"})
    assert response.status_code == 400
    assert "organization" in response.json()["errors"]


def test_list_is_paginated_with_limit_and_offset(client_for, staff, org):
    for n in range(5):
        factories.AccountFactory(organization=org, number=f"500000{n}")
    client = client_for(staff)
    page = client.get(LIST, {"limit": 2, "offset": 2}).json()
    assert page["count"] == 5
    assert [a["number"] for a in page["results"]] == ["5000002", "5000003"]
    assert "offset=4" in page["next"]
    assert page["previous"]


def test_non_numeric_and_huge_ids_are_404(client_for, alice):
    client = client_for(alice)
    assert client.get("/api/v1/accounts/abc/").status_code == 404
    assert client.get("/api/v1/accounts/99999999999999999999999/").status_code == 404


def test_accounts_are_read_only(client_for, alice, account):
    response = client_for(alice).delete(detail(account))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
