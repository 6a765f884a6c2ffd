"""External billing: an organisation with its own billing loads charges and payments; the engine does
not run for it; the statement, allocation, bills and the turnover sheet work on the loaded data."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kabinet.billing import external, reports, services, tasks
from kabinet.billing.ledger import BillingError
from kabinet.billing.models import Balance, BillingSchedule, BillingSettings, Charge, Payment
from kabinet.billing.statement import account_statement
from kabinet.core.spreadsheets import TableError, read_table, xlsx_bytes
from kabinet.registry.models import PersonalAccount
from tests import factories

D = dt.date
M = Decimal
pytestmark = pytest.mark.django_db

CHARGES = """account;period;service;amount;volume;tariff;kind;protocol
1000200;2026-09;cold_water;254,65;5;50,93;metered;ХВС: 5 м³ × 50,93 ₽
1000200;2026-09;upkeep;1 086,00;54,3;20;area;
1000200;2026-10;cold_water;300,00;;;average;
""".encode()


@pytest.fixture
def external_org(org, account):
    BillingSettings.objects.create(organization=org, mode=BillingSettings.Mode.EXTERNAL)
    for code in ("cold_water", "upkeep"):
        factories.ServiceFactory(organization=org, code=code, name=code)
    return org


def load(org, content=CHARGES, name="charges.csv"):
    return services.load_charges(org, external.parse_charges(org, read_table(content, name)))


def test_loaded_charges_make_the_statement_and_balances(external_org, account):
    assert load(external_org) == 3
    sept, octo = (Balance.objects.get(account=account, period=D(2026, m, 1)) for m in (9, 10))
    assert (sept.opening, sept.charged, sept.closing) == (M("0"), M("1340.65"), M("1340.65"))
    assert (octo.opening, octo.charged, octo.closing) == (M("1340.65"), M("300.00"), M("1640.65"))
    statement = account_statement(account)
    assert [p.period for p in statement] == [D(2026, 10, 1), D(2026, 9, 1)]
    water = next(line for line in statement[1].charges if line.service == "cold_water")
    assert (water.kind, water.volume, water.tariff, water.protocol) == ("metered", M("5"), M("50.93"),
                                                                         "ХВС: 5 м³ × 50,93 ₽")
    assert statement[0].charges[0].protocol == "loaded from the organisation's billing"


def test_a_payment_pays_the_oldest_loaded_debt_and_the_sheet_reconciles(external_org, account):
    load(external_org)
    payments = b"account,paid_on,amount,id\n1000200,05.11.2026,1340.65,op-1\n"
    rows = external.parse_payments(external_org, read_table(payments, "p.csv"))
    assert services.load_payments(external_org, rows) == 1
    assert services.load_payments(external_org, rows) == 0  # the same id again: nothing new
    payment = Payment.objects.get(account=account)
    assert payment.source == "import" and payment.external_id == "op-1"
    paid = {(a.period, a.amount) for a in payment.allocations.all()}
    assert sum(a for _p, a in paid) == M("1340.65")
    assert {p for p, _a in paid} == {D(2026, 9, 1)}  # the oldest debt first, not October's
    sheet = reports.turnover(PersonalAccount.objects.filter(organization=external_org), D(2026, 9, 1), D(2026, 11, 1))
    assert sheet.reconciles
    assert sheet.total.closing == M("300.00")


def test_loading_again_replaces_the_accounts_period_and_keeps_manual_lines(external_org, account, staff):
    load(external_org)
    upkeep = account.organization.services.get(code="upkeep")
    services.add_recalculation(account, upkeep, M("-50.00"), reason="Перерасчёт", acting_user=staff,
                               period=D(2026, 10, 5))
    load(external_org, b"account;period;service;amount\n1000200;2026-10;cold_water;310.00\n")
    october = Charge.objects.filter(account=account, period=D(2026, 10, 1))
    assert sorted(c.amount for c in october) == [M("-50.00"), M("310.00")]
    assert Charge.objects.filter(account=account, period=D(2026, 9, 1)).count() == 2  # not in the file: kept
    assert Balance.objects.get(account=account, period=D(2026, 10, 1)).closing == M("1600.65")


def test_a_file_with_bad_rows_is_refused_whole_with_every_problem(external_org, account, other_org):
    factories.AccountFactory(organization=other_org, number="777")
    bad = (b"account;period;service;amount;kind\n"
           b"1000200;2026-09;cold_water;100.00;metered\n"
           b"777;2026-09;cold_water;1;metered\n"
           b"1000200;2026-13;gas;abc;bogus\n"
           b"1000200;2026-09;upkeep;1.005;area\n")
    with pytest.raises(external.LoadError) as error:
        load(external_org, bad)
    problems = error.value.problems
    assert problems[0].startswith("line 3, account: no such account")
    assert {p.split(":")[0] for p in problems} == {"line 3, account", "line 4, service", "line 4, period",
                                                   "line 4, amount", "line 4, kind", "line 5, amount"}
    assert not Charge.objects.exists()


def test_missing_columns_and_closed_periods_are_refused(external_org, account):
    with pytest.raises(external.LoadError, match="Columns missing: amount"):
        load(external_org, b"account;period;service\n1000200;2026-09;upkeep\n")
    load(external_org)
    services.close_period(external_org, D(2026, 9, 1))
    with pytest.raises(external.LoadError, match="line 2, period: the period is closed"):
        load(external_org, b"account;period;service;amount\n1000200;09.2026;upkeep;1.00\n")


def test_xlsx_is_read_like_csv(external_org, account):
    content = xlsx_bytes("Начисления", [("Account", "Period", "Service", "Amount"), (1000200, "2026-09", "upkeep", 12.5)])
    assert load(external_org, content, "charges.xlsx") == 1
    assert Charge.objects.get().amount == M("12.50")
    with pytest.raises(TableError):
        read_table(b"not a workbook", "broken.xlsx")


def test_the_engine_refuses_an_external_organisation(external_org):
    with pytest.raises(BillingError, match="keeps its own billing"):
        services.run_billing(external_org, D(2026, 10, 1))
    with pytest.raises(BillingError, match="keeps its own billing"):
        tasks.start_billing_run(external_org, D(2026, 10, 1))
    BillingSchedule.objects.create(organization=external_org, close_day=25)
    assert tasks.monthly_billing_runs(D(2026, 10, 25)) == []
    out = StringIO()
    call_command("bill", "--period", "2026-10", stdout=out, stderr=StringIO())
    assert str(external_org) not in out.getvalue()


def test_load_billing_command(external_org, account, tmp_path):
    path = tmp_path / "charges.csv"
    path.write_bytes(CHARGES)
    out = StringIO()
    call_command("load_billing", "charges", str(path), "--org", str(external_org.pk), stdout=out)
    assert "3 charges loaded" in out.getvalue()
    path.write_bytes(b"account;period;service;amount\n999;2026-09;upkeep;1\n")
    with pytest.raises(CommandError, match="line 2, account: no such account"):
        call_command("load_billing", "charges", str(path), "--org", str(external_org.pk))
    engine_org = factories.OrganizationFactory()
    with pytest.raises(CommandError, match="billed by Kabinet's engine"):
        call_command("load_billing", "charges", str(path), "--org", str(engine_org.pk))
