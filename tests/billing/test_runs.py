"""Billing runs as tasks: progress and report recorded, failures recorded, one active run per period,
and the monthly run on the close day (idempotent)."""

import datetime as dt
from decimal import Decimal

import pytest
from huey.contrib.djhuey import HUEY

from kabinet.billing import tasks
from kabinet.billing.models import BillingRun, BillingSchedule, Charge
from kabinet.billing.services import BillingError, close_period
from kabinet.billing.tasks import execute_billing_run, live_progress, monthly_billing_runs, start_billing_run
from kabinet.registry.models import Service
from tests import factories
from tests.billing.factories import TariffFactory

OCT, NOV = dt.date(2026, 10, 1), dt.date(2026, 11, 1)


@pytest.fixture
def billed(org):
    service = factories.ServiceFactory(organization=org, method=Service.Method.AREA, unit="м²")
    TariffFactory(service=service, price=Decimal("31.40"))
    for _ in range(3):
        factories.AccountFactory(organization=org)  # 54.30 m² each: 1 705.02
    return service


@pytest.fixture
def progress_log(monkeypatch):
    log = []
    put = HUEY.put

    def recording(key, value):
        log.append(value)
        return put(key, value)

    monkeypatch.setattr(HUEY, "put", recording)
    return log


def test_a_run_records_progress_and_report(org, staff, billed, progress_log, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = start_billing_run(org, dt.date(2026, 10, 17), acting_user=staff)
    run.refresh_from_db()
    assert (run.status, run.period, run.started_by) == (BillingRun.Status.DONE, OCT, staff)
    assert (run.done, run.total, run.percent) == (3, 3, 100)
    assert (run.lines, run.amount, run.problems) == (3, Decimal("5115.06"), {})
    assert run.started_at <= run.finished_at
    assert progress_log == [(0, 3), (3, 3)]
    assert Charge.objects.filter(account__organization=org, period=OCT).count() == 3
    assert HUEY.get(tasks._progress_key(run.pk), peek=True) is None  # the live figures are dropped


def test_live_progress_comes_from_the_store_while_running(org, billed):
    run = BillingRun.objects.create(organization=org, period=OCT, status=BillingRun.Status.RUNNING)
    HUEY.put(tasks._progress_key(run.pk), (1000, 4000))
    try:
        assert live_progress(run) == (1000, 4000)
        assert tasks.with_live_progress(run).percent == 25
    finally:
        HUEY.get(tasks._progress_key(run.pk))
    run.status = BillingRun.Status.DONE
    run.done = run.total = 7
    assert live_progress(run) == (7, 7)


def test_a_refused_run_is_recorded_as_failed(org, billed):
    run = BillingRun.objects.create(organization=org, period=OCT)
    close_period(org, OCT)
    execute_billing_run(run.pk)
    run.refresh_from_db()
    assert run.status == BillingRun.Status.FAILED and "10.2026" in run.error  # the service's message
    assert run.finished_at is not None and not Charge.objects.exists()


def test_an_unexpected_error_is_recorded_as_failed(org, billed, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasks, "run_billing", broken)
    run = BillingRun.objects.create(organization=org, period=OCT)
    execute_billing_run(run.pk)
    run.refresh_from_db()
    assert run.status == BillingRun.Status.FAILED and "RuntimeError" in run.error


def test_a_run_is_executed_once(org, billed):
    run = BillingRun.objects.create(organization=org, period=OCT)
    assert execute_billing_run(run.pk).status == BillingRun.Status.DONE
    assert execute_billing_run(run.pk) is None  # a repeated task does nothing


def test_a_closed_period_is_refused_and_nothing_is_queued(org, billed):
    close_period(org, OCT)
    for period in (OCT, dt.date(2026, 9, 1)):
        with pytest.raises(BillingError):
            start_billing_run(org, period)
    assert not BillingRun.objects.exists()


def test_an_active_run_is_not_doubled(org, billed):
    first = start_billing_run(org, OCT)  # not committed in this test: stays queued
    assert start_billing_run(org, OCT) == first
    assert start_billing_run(org, NOV) != first
    assert BillingRun.objects.count() == 2


def test_the_monthly_run_starts_on_the_close_day_once(org, other_org, billed, django_capture_on_commit_callbacks):
    BillingSchedule.objects.create(organization=org, close_day=26)
    BillingSchedule.objects.create(organization=other_org, close_day=27)
    BillingSchedule.objects.create(organization=factories.OrganizationFactory(), close_day=None)
    assert monthly_billing_runs(dt.date(2026, 11, 25)) == []
    with django_capture_on_commit_callbacks(execute=True):
        (run,) = monthly_billing_runs(dt.date(2026, 11, 26))
    run.refresh_from_db()
    assert (run.organization, run.period, run.scheduled_for, run.status) == (org, NOV, NOV, BillingRun.Status.DONE)
    with django_capture_on_commit_callbacks(execute=True):
        assert monthly_billing_runs(dt.date(2026, 11, 26)) == [run]  # the hourly repeat starts nothing
    assert BillingRun.objects.filter(organization=org).count() == 1
    # A manual run of the same period does not block the monthly one, nor the other way round.
    assert start_billing_run(org, NOV).pk != run.pk


def test_the_monthly_run_may_bill_the_previous_month(org, billed):
    BillingSchedule.objects.create(organization=org, close_day=3, month=BillingSchedule.Month.PREVIOUS)
    (run,) = monthly_billing_runs(dt.date(2026, 12, 3))
    assert run.period == NOV


def test_the_monthly_run_skips_a_closed_period(org, billed):
    BillingSchedule.objects.create(organization=org, close_day=26)
    close_period(org, NOV)
    assert monthly_billing_runs(dt.date(2026, 11, 26)) == []
    assert not BillingRun.objects.exists()


def test_the_periodic_task_is_registered():
    assert any(t.__name__.endswith("monthly_billing_runs_task") for t in HUEY._registry._periodic_tasks)
