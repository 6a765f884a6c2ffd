"""The turnover sheet in the panel: roles, scope, roll-ups, reconciliation in words, CSV/XLSX parsed
back, and a constant number of queries."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kabinet.billing.models import Balance
from kabinet.core.roles import Role
from tests import factories

D = Decimal
SEP, OCT = dt.date(2026, 9, 1), dt.date(2026, 10, 1)
RANGE = {"period_from": "2026-09", "period_to": "2026-10"}


def balance(account, period, opening="0", charged="0", paid="0"):
    return factories.BalanceFactory(account=account, period=period, opening=D(opening), charged=D(charged),
                                    paid=D(paid))


@pytest.fixture
def accountant(org, make_staff):
    return make_staff(org, [Role.DATA_LOADING])


@pytest.fixture
def sheet(org, sub_org, other_org):
    building = factories.BuildingFactory(street="ул. Ленина", house="12")
    a1 = factories.AccountFactory(organization=org, number="7000001", premises__building=building)
    a2 = factories.AccountFactory(organization=sub_org, number="7000002")
    balance(a1, SEP, charged="1000")
    balance(a1, OCT, opening="1000", charged="1000", paid="1500")
    balance(a2, OCT, charged="200", paid="300")
    foreign = factories.AccountFactory(organization=other_org, number="9999999")
    balance(foreign, OCT, charged="4242")
    return {"a1": a1, "a2": a2, "building": building}


def _get(client, **params):
    return client.get(reverse("panel:turnover"), {**RANGE, **params})


@pytest.mark.parametrize("role", [Role.DATA_LOADING, Role.ORGANIZATION])
def test_roles_that_see_the_sheet(org, make_staff, as_user, sheet, role):
    response = _get(as_user(make_staff(org, [role])))
    assert response.status_code == 200
    body = response.content.decode()
    assert "7000001" in body and "7000002" in body and "9999999" not in body
    assert "ул. Ленина" in body


def test_other_roles_consumers_and_anonymous(org, make_staff, as_user, alice, client, sheet):
    assert _get(as_user(make_staff(org, [Role.READINGS]))).status_code == 403
    assert _get(as_user(alice)).status_code == 403
    client.logout()
    response = _get(client)
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    assert client.get(reverse("panel:turnover_export"), {"file_format": "csv"}).status_code == 302


def test_other_organisation_staff_see_nothing_of_ours(other_org, make_staff, as_user, sheet):
    client = as_user(make_staff(other_org, [Role.DATA_LOADING]))
    body = _get(client).content.decode()
    assert "9999999" in body and "7000001" not in body and "ООО «УК Пример»" not in body
    rows = list(csv.reader(io.StringIO(client.get(reverse("panel:turnover_export"), {
        **RANGE, "file_format": "csv"}).content.decode("utf-8-sig")), delimiter=";"))
    assert [r[1] for r in rows if r[0] == "account"] == ["9999999"]
    # Our building chosen in the filter is not one of theirs: the form ignores it, nothing of ours shows.
    assert "7000001" not in _get(client, building=sheet["building"].pk).content.decode()


def test_menu_and_reconciliation_in_words(accountant, as_user, sheet):
    client = as_user(accountant)
    body = _get(client).content.decode()
    assert reverse("panel:turnover") in body and reverse("panel:billing_runs") in body
    assert "Сходится" in body or "reconciles" in body


def test_switcher_and_building_filter(accountant, as_user, org, sub_org, sheet):
    client = as_user(accountant)
    client.post(reverse("panel:switch_organization"), {"organization": str(sub_org.pk)})
    body = _get(client).content.decode()
    assert "7000002" in body and "7000001" not in body
    client.post(reverse("panel:switch_organization"), {"organization": "all"})
    body = _get(client, building=sheet["building"].pk).content.decode()
    assert "7000001" in body and "7000002" not in body


def test_a_sheet_that_does_not_reconcile_says_so(accountant, as_user, sheet):
    Balance.objects.filter(account=sheet["a1"], period=OCT).update(closing=D("1"))
    body = _get(as_user(accountant)).content.decode()
    assert "reconcile-bad" in body and "7000001 (" in body


def _csv(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_csv_export(accountant, as_user, sheet):
    response = as_user(accountant).get(reverse("panel:turnover_export"), {**RANGE, "file_format": "csv"})
    assert 'filename="turnover-2026-09-2026-10.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    accounts = {r["account"]: r for r in rows if r["level"] == "account"}
    assert set(accounts) == {"7000001", "7000002"}
    a1 = accounts["7000001"]
    assert (a1["opening"], a1["charged"], a1["paid"], a1["closing"]) == ("0.00", "2000.00", "1500.00", "500.00")
    (total,) = [r for r in rows if r["level"] == "total"]
    assert (total["opening"], total["charged"], total["paid"], total["closing"]) == (
        "0.00", "2200.00", "1800.00", "400.00")
    assert len([r for r in rows if r["level"] == "organization"]) == 2
    assert len([r for r in rows if r["level"] == "building"]) == 2
    (statement,) = [r for r in rows if r["level"] == "statement"]
    assert statement["address"]


def test_xlsx_export(accountant, as_user, sheet):
    response = as_user(accountant).get(reverse("panel:turnover_export"), {**RANGE, "file_format": "xlsx"})
    assert "spreadsheetml" in response["Content-Type"]
    sheet_ = load_workbook(io.BytesIO(response.content), read_only=True).active
    header, *rows = list(sheet_.iter_rows(values_only=True))
    rows = [dict(zip(header, row, strict=True)) for row in rows]
    (total,) = [r for r in rows if r["level"] == "total"]
    assert D(str(total["closing"])) == D("400") and D(str(total["charged"])) == D("2200")
    assert {r["account"] for r in rows if r["level"] == "account"} == {"7000001", "7000002"}


def test_page_queries_are_constant(accountant, as_user, org, sheet, django_assert_max_num_queries):
    client = as_user(accountant)
    client.get(reverse("panel:turnover"))  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        _get(client)
    for n in range(30):
        account = factories.AccountFactory(organization=org)
        balance(account, OCT, charged=str(n + 1))
    with CaptureQueriesContext(connection) as second:
        _get(client)
    assert len(second) == len(first)
