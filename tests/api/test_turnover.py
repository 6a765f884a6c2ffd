"""GET /api/v1/reports/turnover/: staff with the panel's turnover roles only, scoped to their
organisations; rows, roll-ups and totals as `billing.reports.turnover` gives them; the parameters'
checks; pagination; a constant number of queries."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from kabinet.billing.models import Balance
from kabinet.billing.reports import FIGURES, turnover
from kabinet.core.roles import ALL_ROLES, Role
from kabinet.registry.models import PersonalAccount
from tests import factories

URL = "/api/v1/reports/turnover/"
D = Decimal
JUL, AUG, SEP, OCT, NOV = (dt.date(2026, m, 1) for m in (7, 8, 9, 10, 11))
RANGE = {"from": "2026-09", "to": "2026-10"}


def balance(account, period, opening="0", charged="0", paid="0", penalty="0", recalculated="0"):
    return factories.BalanceFactory(account=account, period=period, opening=D(opening), charged=D(charged),
                                    paid=D(paid), penalty=D(penalty), recalculated=D(recalculated))


@pytest.fixture
def sheet(org, other_org):
    """The billing tests' sheet: two buildings of `org`, an account billed before the range only, one
    after it, and an account of another organisation."""
    first = factories.BuildingFactory(street="ул. Ленина", house="12")
    second = factories.BuildingFactory(street="ул. Мира", house="3")
    a1 = factories.AccountFactory(organization=org, number="100", premises__building=first, premises__number="1")
    a2 = factories.AccountFactory(organization=org, number="101", premises__building=first, premises__number="2")
    a3 = factories.AccountFactory(organization=org, number="102", premises__building=second, premises__number="7")
    a4 = factories.AccountFactory(organization=org, number="103", premises__building=second)
    balance(a1, AUG, charged="100")
    balance(a1, SEP, opening="100", charged="200", paid="100", penalty="5", recalculated="-10")
    balance(a1, OCT, opening="195", charged="200", paid="195")
    balance(a2, JUL, charged="50")
    balance(a3, OCT, charged="300", paid="400")
    balance(a4, NOV, charged="999")
    foreign_building = factories.BuildingFactory(street="ул. Чужая", house="1")
    foreign = factories.AccountFactory(organization=other_org, number="900", premises__building=foreign_building)
    balance(foreign, OCT, charged="777")
    return {"a1": a1, "first": first, "second": second, "foreign_building": foreign_building}


def get(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()


def figures(item) -> dict:
    return {name: f"{getattr(item, name):.2f}" for name in FIGURES} | {"reconciles": item.reconciles}


def staff_with(organization, *roles):
    return factories.StaffMembershipFactory(organization=organization, roles=list(roles)).user


# --- Values -------------------------------------------------------------------------------------------


def test_rows_roll_ups_and_totals_are_the_domain_report(client_for, staff, org, sheet):
    body = get(client_for(staff), **RANGE)
    report = turnover(PersonalAccount.objects.filter(organization=org), SEP, OCT)
    assert (body["period_from"], body["period_to"]) == ("2026-09", "2026-10")
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None
    assert body["results"] == [
        {"account_id": row.account_id, "number": row.number, "address": row.address,
         "organization_id": row.organization_id, "building_id": row.building_id, **figures(row)}
        for row in report.rows
    ]
    assert [row["number"] for row in body["results"]] == ["100", "101", "102"]
    assert body["results"][0] | {"address": ""} == {
        "account_id": sheet["a1"].pk, "number": "100", "address": "", "organization_id": org.pk,
        "building_id": sheet["first"].pk, "opening": "100.00", "charged": "400.00", "recalculated": "-10.00",
        "paid": "295.00", "penalty": "5.00", "closing": "200.00", "reconciles": True}
    assert body["buildings"] == [
        {"building_id": b.building_id, "address": b.address, "accounts": b.accounts, **figures(b)}
        for b in report.buildings
    ]
    assert [(b["building_id"], b["accounts"]) for b in body["buildings"]] == [(sheet["first"].pk, 2),
                                                                              (sheet["second"].pk, 1)]
    assert body["organizations"] == [
        {"organization_id": org.pk, "name": "ООО «УК Пример»", "accounts": 3, **figures(report.total)}]
    assert body["total"] == figures(report.total) == {
        "opening": "150.00", "charged": "700.00", "recalculated": "-10.00", "paid": "695.00", "penalty": "5.00",
        "closing": "150.00", "reconciles": True}
    assert body["reconciles"] is True and body["mismatches"] == []
    assert body["statement"] == report.statement


def test_a_sheet_that_does_not_reconcile_says_so(client_for, staff, sheet):
    Balance.objects.filter(account=sheet["a1"], period=OCT).update(closing=D("210"))
    body = get(client_for(staff), **RANGE)
    assert body["reconciles"] is False
    assert [row["number"] for row in body["mismatches"]] == ["100"]
    assert body["mismatches"][0]["reconciles"] is False
    assert body["results"][0]["reconciles"] is False


def test_without_periods_it_is_last_month_and_one_end_is_that_month(client_for, staff, sheet):
    client = client_for(staff)
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC), tick=False):
        body = get(client)
    assert (body["period_from"], body["period_to"]) == ("2026-10", "2026-10")
    assert body["total"]["charged"] == "500.00"
    for params in ({"from": "2026-09"}, {"to": "2026-09"}, {"from": "2026-09", "to": ""}):
        body = get(client, **params)
        assert (body["period_from"], body["period_to"]) == ("2026-09", "2026-09"), params


def test_account_rows_are_paginated_and_the_roll_ups_are_whole(client_for, staff, sheet):
    client = client_for(staff)
    page = get(client, limit=2, **RANGE)
    assert page["count"] == 3
    assert [row["number"] for row in page["results"]] == ["100", "101"]
    assert "offset=2" in page["next"] and "from=2026-09" in page["next"] and page["previous"] is None
    assert len(page["buildings"]) == 2 and page["total"]["charged"] == "700.00"
    last = get(client, limit=2, offset=2, **RANGE)
    assert [row["number"] for row in last["results"]] == ["102"]
    assert last["next"] is None and last["previous"]
    assert get(client, limit=2, offset=10, **RANGE)["results"] == []


def test_filter_by_building(client_for, staff, sheet):
    body = get(client_for(staff), building=sheet["second"].pk, **RANGE)
    assert [row["number"] for row in body["results"]] == ["102"]
    assert [b["building_id"] for b in body["buildings"]] == [sheet["second"].pk]
    assert body["total"]["charged"] == "300.00"


def test_filter_by_organisation_includes_its_sub_organisations(client_for, staff, org, sheet):
    sub = factories.OrganizationFactory(parent=org, name="Дочка")
    balance(factories.AccountFactory(organization=sub, number="200"), OCT, charged="10")
    client = client_for(staff)
    assert get(client, **RANGE)["count"] == 4
    body = get(client, organization=sub.pk, **RANGE)
    assert [row["number"] for row in body["results"]] == ["200"]
    assert [o["name"] for o in body["organizations"]] == ["Дочка"]
    parent = get(client, organization=org.pk, **RANGE)
    assert parent["count"] == 4
    assert {o["name"] for o in parent["organizations"]} == {"ООО «УК Пример»", "Дочка"}


# --- Parameters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "parameter"), [
    ({"from": "2026-13"}, "from"),
    ({"to": "2026/10"}, "to"),
    ({"building": "abc"}, "building"),
    ({"organization": "0"}, "organization"),
])
def test_bad_parameters_are_400(client_for, staff, params, parameter):
    response = client_for(staff).get(URL, params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and body["detail"].startswith(f"{parameter}: ")
    assert list(body["errors"]) == [parameter]


def test_from_after_to_is_400(client_for, staff):
    response = client_for(staff).get(URL, {"from": "2026-10", "to": "2026-09"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["detail"] == "“from” (2026-10) is after “to” (2026-09)."


def test_a_building_or_organisation_out_of_scope_is_404_like_a_missing_one(client_for, staff, other_org, sheet):
    client = client_for(staff)
    for name, foreign in (("building", sheet["foreign_building"].pk), ("organization", other_org.pk)):
        missing = client.get(URL, {name: 999999999})
        out_of_scope = client.get(URL, {name: foreign})
        assert out_of_scope.status_code == missing.status_code == 404, name
        assert out_of_scope.json() == missing.json()
        assert "777" not in out_of_scope.content.decode()


def test_a_building_without_accounts_of_the_organisation_is_404(client_for, staff, sheet):
    empty = factories.BuildingFactory()
    assert client_for(staff).get(URL, {"building": empty.pk}).status_code == 404


# --- Access -------------------------------------------------------------------------------------------


def test_consumers_get_403(client_for, alice, sheet):
    response = client_for(alice).get(URL, RANGE, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only staff with the data loading or organisation role can read the turnover sheet.",
        "code": "permission_denied"}


def test_messages_are_in_russian_by_default(client_for, alice, staff, sheet):
    assert client_for(alice).get(URL).json()["detail"] == (
        "Оборотно-сальдовую ведомость видят только сотрудники с ролью «Загрузка данных» или «Свойства организации».")
    assert client_for(staff).get(URL, {"building": 999999999}).json()["detail"] == "Такого дома нет."
    assert client_for(staff).get(URL, {"organization": 999999999}).json()["detail"] == "Такой организации нет."


@pytest.mark.parametrize("roles", [[Role.DATA_LOADING], [Role.ORGANIZATION]])
def test_either_turnover_role_of_the_panel_is_enough(client_for, org, sheet, roles):
    assert get(client_for(staff_with(org, *roles)), **RANGE)["count"] == 3


def test_staff_without_a_turnover_role_get_403(client_for, org, sheet):
    others = [role for role in ALL_ROLES if role not in (Role.DATA_LOADING, Role.ORGANIZATION)]
    assert client_for(staff_with(org, *others)).get(URL, RANGE).status_code == 403


def test_the_role_covers_only_the_organisations_where_it_is_held(client_for, org, other_org, sheet):
    """Turnover role on the other organisation, only "readings" on `org`: the other one's sheet only."""
    user = staff_with(other_org, Role.ORGANIZATION)
    factories.StaffMembershipFactory(user=user, organization=org, roles=[Role.READINGS])
    client = client_for(user)
    body = get(client, **RANGE)
    assert [row["number"] for row in body["results"]] == ["900"]
    assert client.get(URL, {"organization": org.pk}).status_code == 404
    assert client.get(URL, {"building": sheet["first"].pk}).status_code == 404


def test_staff_of_another_organisation_see_only_their_own(client_for, other_staff, sheet):
    body = get(client_for(other_staff), **RANGE)
    assert [row["number"] for row in body["results"]] == ["900"]
    assert body["total"]["charged"] == "777.00"
    assert "ООО «УК Пример»" not in str(body)


def test_staff_of_a_sub_organisation_do_not_see_the_parent(client_for, org, sheet):
    sub = factories.OrganizationFactory(parent=org)
    balance(factories.AccountFactory(organization=sub, number="200"), OCT, charged="10")
    body = get(client_for(staff_with(sub, Role.DATA_LOADING)), **RANGE)
    assert [row["number"] for row in body["results"]] == ["200"]


def test_operator_sees_every_organisation(client_for, operator, org, other_org, sheet):
    body = get(client_for(operator), **RANGE)
    assert body["count"] == 4
    assert {o["name"] for o in body["organizations"]} == {"ООО «Чужая УК»", "ООО «УК Пример»"}
    assert get(client_for(operator), organization=other_org.pk, **RANGE)["count"] == 1


def test_without_a_token_it_is_401(api, db):
    assert api.get(URL).status_code == 401


def test_it_is_read_only(client_for, staff):
    assert client_for(staff).post(URL, {}, format="json").status_code == 405


# --- Queries ------------------------------------------------------------------------------------------


# Token, staff memberships, then the report's total, buildings, organisations and mismatches, the page's
# count and the page.
TURNOVER_QUERIES = 8


@pytest.mark.parametrize("n", [1, 20])
def test_query_count_is_constant(client_for, staff, org, n, django_assert_num_queries):
    for _ in range(n):
        account = factories.AccountFactory(organization=org)
        for period in (SEP, OCT):
            balance(account, period, charged="100", paid="50")
    client = client_for(staff)
    client.get("/api/v1/me/")  # the token's last_used_at is touched once a minute: not in the counts
    with django_assert_num_queries(TURNOVER_QUERIES):
        body = get(client, **RANGE)
    assert body["count"] == n and len(body["results"]) == n
    with django_assert_num_queries(TURNOVER_QUERIES + 2):  # the organisation and the building looked up
        get(client, organization=org.pk, building=account.premises.building_id, **RANGE)


def test_consumer_refusal_costs_two_queries(client_for, alice, django_assert_num_queries):
    client = client_for(alice)
    client.get("/api/v1/me/")
    with django_assert_num_queries(2):  # token, staff memberships
        assert client.get(URL).status_code == 403


def test_schema_documents_the_turnover_sheet(api, db):
    schema = api.get("/api/v1/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/reports/turnover/"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"from", "to", "building", "organization", "limit",
                                                            "offset"}
    assert set(operation["responses"]) >= {"200", "400", "401", "403", "404"}
    body = schema["components"]["schemas"]["Turnover"]["properties"]
    assert set(body) >= {"count", "next", "previous", "results", "buildings", "organizations", "total",
                         "reconciles"}
