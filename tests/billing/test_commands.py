"""The `penalty` and `bill` management commands."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kabinet.billing.models import Balance, Charge
from kabinet.registry.models import Service
from tests import factories
from tests.billing.factories import TariffFactory


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue().strip().splitlines()


@pytest.mark.django_db
def test_penalty_prints_the_breakdown_and_the_amount_last():
    lines = run("penalty", "--debt", "10000", "--due", "2024-02-10", "--paid", "2024-03-31")
    assert lines[-1] == "63.33"
    assert "12.03.2024–31.03.2024" in lines[0] and "1/300" in lines[0]


@pytest.mark.django_db
def test_penalty_2026_example_and_zero():
    assert run("penalty", "--debt", "5432.10", "--due", "2026-04-15", "--paid", "2026-06-20")[-1] == "61.93"
    assert run("penalty", "--debt", "10000", "--due", "2024-02-10", "--paid", "2024-03-11") == ["0.00"]


def test_penalty_builtin_rates_without_the_database():
    assert run("penalty", "--debt", "10000", "--due", "2024-02-10", "--paid", "2024-03-12", "--builtin-rates") == [
        "12.03.2024–12.03.2024: 10\u202f000,00 × 1 days × 1/300 × 9,5\u00a0% = 3,17", "3.17"]


@pytest.mark.parametrize("args", [["--debt", "x", "--due", "2024-02-10"], ["--debt", "1", "--due", "10.02.2024"]])
def test_penalty_refuses_bad_input(args):
    with pytest.raises(CommandError):
        run("penalty", "--builtin-rates", *args)


@pytest.mark.django_db
def test_bill_runs_the_period(org, account):
    service = factories.ServiceFactory(organization=org, method=Service.Method.FIXED, name="Домофон")
    TariffFactory(service=service, price=Decimal("120"))
    [line] = run("bill", "--period", "2026-10", "--org", str(org.pk))
    assert "1 accounts, 1 lines, 120.00" in line
    run("bill", "--period", "2026-10")  # every organisation; again: idempotent
    assert Charge.objects.get(account=account).amount == Decimal("120.00")
    assert Balance.objects.get(account=account, period=dt.date(2026, 10, 1)).closing == Decimal("120.00")


@pytest.mark.django_db
def test_bill_refuses_bad_arguments():
    with pytest.raises(CommandError):
        run("bill", "--period", "October")
    with pytest.raises(CommandError):
        run("bill", "--period", "2026-10", "--org", "999999")
