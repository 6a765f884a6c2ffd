"""The turnover sheet: sums per account, roll-ups per building and organisation, reconciliation, and a
constant number of queries."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing.models import Balance
from kabinet.billing.reports import turnover
from kabinet.registry.models import PersonalAccount
from tests import factories

D = Decimal
JUL, AUG, SEP, OCT, NOV = (dt.date(2026, m, 1) for m in (7, 8, 9, 10, 11))


def balance(account, period, opening="0", charged="0", paid="0", penalty="0", recalculated="0"):
    return factories.BalanceFactory(account=account, period=period, opening=D(opening), charged=D(charged),
                                    paid=D(paid), penalty=D(penalty), recalculated=D(recalculated))


@pytest.fixture
def sheet(org, other_org):
    first = factories.BuildingFactory(street="ул. Ленина", house="12")
    second = factories.BuildingFactory(street="ул. Мира", house="3")
    a1 = factories.AccountFactory(organization=org, number="100", premises__building=first, premises__number="1")
    a2 = factories.AccountFactory(organization=org, number="101", premises__building=first, premises__number="2")
    a3 = factories.AccountFactory(organization=org, number="102", premises__building=second, premises__number="7")
    a4 = factories.AccountFactory(organization=org, number="103", premises__building=second)
    balance(a1, AUG, charged="100")  # before the range: its closing opens September
    balance(a1, SEP, opening="100", charged="200", paid="100", penalty="5", recalculated="-10")
    balance(a1, OCT, opening="195", charged="200", paid="195")
    balance(a2, JUL, charged="50")  # nothing since July: opening = closing = 50
    balance(a3, OCT, charged="300", paid="400")  # an overpayment
    balance(a4, NOV, charged="999")  # after the range: not in the sheet
    balance(factories.AccountFactory(organization=other_org), OCT, charged="777")  # not in the queryset
    return {"accounts": PersonalAccount.objects.filter(organization=org), "a1": a1, "a2": a2, "a3": a3,
            "first": first, "second": second}


def figures(item):
    return tuple(getattr(item, name) for name in ("opening", "charged", "recalculated", "paid", "penalty", "closing"))


def test_account_rows(sheet):
    report = turnover(sheet["accounts"], SEP, OCT)
    rows = {row.number: row for row in report.rows}
    assert set(rows) == {"100", "101", "102"}
    assert figures(rows["100"]) == (D("100"), D("400"), D("-10"), D("295"), D("5"), D("200"))
    assert figures(rows["101"]) == (D("50"), 0, 0, 0, 0, D("50"))
    assert figures(rows["102"]) == (0, D("300"), 0, D("400"), 0, D("-100"))
    assert rows["100"].address == "Кемерово, ул. Ленина, h. 12, fl. 1"
    assert [row.number for row in report.rows] == ["100", "101", "102"]  # by address, then number


def test_roll_ups_and_totals(sheet):
    report = turnover(sheet["accounts"], SEP, OCT)
    (first, second) = report.buildings
    assert (first.building_id, first.accounts) == (sheet["first"].pk, 2)
    assert figures(first) == (D("150"), D("400"), D("-10"), D("295"), D("5"), D("250"))
    assert figures(second) == (0, D("300"), 0, D("400"), 0, D("-100"))
    assert first.address == "Кемерово, ул. Ленина, h. 12"
    (organization,) = report.organizations
    assert organization.accounts == 3 and organization.name == "ООО «УК Пример»"
    assert figures(organization) == figures(report.total) == (D("150"), D("700"), D("-10"), D("695"), D("5"),
                                                              D("150"))
    assert report.reconciles and report.mismatches == []
    assert "reconciles" in report.statement and "150,00" in report.statement


def test_a_single_period_and_a_reversed_range(sheet):
    report = turnover(sheet["accounts"], dt.date(2026, 10, 15), dt.date(2026, 10, 20))
    assert figures(report.total) == (D("245"), D("500"), 0, D("595"), 0, D("150"))
    assert figures(turnover(sheet["accounts"], OCT, SEP).total) == figures(turnover(sheet["accounts"], SEP, OCT).total)


def test_a_broken_chain_does_not_reconcile(sheet):
    # Loaded data: October's closing does not follow from its figures.
    Balance.objects.filter(account=sheet["a1"], period=OCT).update(closing=D("210"))
    report = turnover(sheet["accounts"], SEP, OCT)
    assert not report.reconciles
    assert [row.number for row in report.mismatches] == ["100"]
    assert report.mismatches[0].difference == D("10")
    assert "does not reconcile" in report.statement and "1" in report.statement


def test_a_period_not_opening_with_the_previous_closing_does_not_reconcile(sheet):
    Balance.objects.filter(account=sheet["a1"], period=OCT).update(opening=D("0"), closing=D("5"))
    report = turnover(sheet["accounts"], SEP, OCT)
    assert [row.number for row in report.mismatches] == ["100"]
    # Within one period the chain is not crossed, so October alone reconciles.
    assert turnover(sheet["accounts"], OCT, OCT).reconciles


def test_empty(org):
    report = turnover(PersonalAccount.objects.filter(organization=org), SEP, OCT)
    assert list(report.rows) == [] and report.buildings == [] and report.organizations == []
    assert figures(report.total) == (0,) * 6 and report.reconciles


def test_query_count_is_constant(sheet, org, django_assert_num_queries):
    def run():
        report = turnover(PersonalAccount.objects.filter(organization=org), SEP, OCT)
        len(report.rows), report.rows[0:25]

    with django_assert_num_queries(6):
        run()
    for n in range(15):
        account = factories.AccountFactory(organization=org)
        balance(account, SEP, charged=str(n))
        balance(account, OCT, opening=str(n), charged="10", paid="5")
    with django_assert_num_queries(6):
        run()
