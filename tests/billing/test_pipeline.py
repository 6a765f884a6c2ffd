"""The run's background threads (`billing.pipeline`): jobs on the caller's connection and transaction,
in order; failures reach the caller; a run in threads writes exactly what a run in turn writes."""

import datetime as dt
import threading
import time
from decimal import Decimal as M

import pytest
from django.db import connection, transaction

from kabinet.billing import engine, services
from kabinet.billing.models import Balance, Charge
from kabinet.billing.pipeline import Background
from kabinet.core.models import Organization
from kabinet.core.money import add_months
from kabinet.metering.models import Reading
from kabinet.registry.models import Service
from tests import factories
from tests.billing.factories import TariffFactory, reading_history
from tests.metering.factories import MeterFactory

MAY = dt.date(2026, 5, 1)


def test_a_shared_thread_runs_jobs_in_order_inside_the_callers_transaction(db):
    seen = []

    def job(name):
        seen.append((name, threading.current_thread().name, Organization.objects.filter(
            name="Незафиксированная").exists()))
        time.sleep(0.01 if name == "first" else 0)
        return name

    with transaction.atomic():
        factories.OrganizationFactory(name="Незафиксированная")  # not committed: only this connection sees it
        with Background(threaded=True) as background:
            first, second = background.submit(job, "first"), background.submit(job, "second")
            assert (first.result(), second.result()) == ("first", "second")
    assert [s[0] for s in seen] == ["first", "second"]
    assert all(thread.startswith("billing-db") and visible for _name, thread, visible in seen)
    assert connection.allow_thread_sharing is False  # given back


@pytest.mark.parametrize("threaded", [True, False])
def test_a_failing_job_raises_at_its_result_and_later_jobs_are_dropped(db, threaded):
    ran = []

    def fail():
        raise ValueError("broken batch")

    with pytest.raises(ValueError, match="broken batch"), Background(threaded=threaded) as background:
        background.submit(ran.append, 1)
        failed = background.submit(fail)
        failed.result()
    assert ran == [1]

    with pytest.raises(RuntimeError), Background(threaded=True) as background:
        background.submit(time.sleep, 0.3)
        background.submit(ran.append, 2)  # queued behind the running job: dropped when the caller fails
        raise RuntimeError("the caller failed")
    assert ran == [1]


def _organization(accounts: int):
    org = factories.OrganizationFactory()
    upkeep = factories.ServiceFactory(organization=org, code="upkeep", unit="м²", method=Service.Method.AREA)
    TariffFactory(service=upkeep, price=M("20.00"))
    water = factories.ServiceFactory(organization=org, code="cold", unit="м³")
    TariffFactory(service=water, price=M("50.93"))
    for n in range(accounts):
        account = factories.AccountFactory(organization=org, area=M(40 + n))
        meter = MeterFactory(account=account, service=water)
        # Read in May (metered), or only until March (the average): both kinds of lines and statuses.
        history = ["3.1", "2.9", "3.4", "3.0"] + (["2.7"] if n % 3 else [])
        reading_history(meter, add_months(MAY, -5), M(100), history)
        if n % 4 == 0:
            services.record_payment(account, M("500.00"), paid_on=MAY.replace(day=2), source="bank")
    return org


def _state(org):
    charges = sorted(Charge.objects.filter(account__organization=org).values_list(
        "account_id", "service_id", "kind", "volume", "amount", "protocol"))
    balances = sorted(Balance.objects.filter(account__organization=org).values_list(
        "account_id", "period", "charged", "paid", "closing"))
    statuses = sorted(Reading.objects.filter(meter__account__organization=org).values_list("pk", "status"))
    return charges, balances, statuses


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a run works in threads on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_a_run_in_threads_writes_what_a_run_in_turn_writes(monkeypatch):
    org = _organization(7)
    connection.ensure_connection()
    main = connection.connection
    readers = []
    load = engine.MeterData.load

    def spy(account_ids, period):
        from django.db import connection as own

        readers.append((threading.current_thread().name, own.connection is main))
        return load(account_ids, period)

    monkeypatch.setattr(engine.MeterData, "load", staticmethod(spy))
    report = services.run_billing(org, MAY, batch_size=2)  # outermost transaction: reads on their own connection
    threaded = _state(org)
    assert report.accounts == 7 and len(readers) == 4
    assert all(name.startswith("billing-read") and not shared for name, shared in readers)

    monkeypatch.setattr(services, "pipelined", lambda: False)
    readers.clear()
    services.run_billing(org, MAY, batch_size=2)
    assert all(name == threading.main_thread().name for name, _shared in readers)
    assert _state(org) == threaded
    charges, balances, statuses = threaded
    assert {kind for _a, _s, kind, *_rest in charges} >= {"area", "metered", "average"}
    assert any(status == Reading.Status.BILLED for _pk, status in statuses)
