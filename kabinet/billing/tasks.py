"""Billing runs as tasks: started from the panel (`start_billing_run`) or by the monthly schedule
(`monthly_billing_runs`, on the organisation's close day), executed by the task queue
(`execute_billing_run`), which records the progress and the report on the `BillingRun`.

`run_billing` works in one transaction, so a progress written to the run's row from inside it would
be seen by nobody until the end. The live figures go to the task queue's own store instead (SQLite
file or Redis: shared by the web processes and the workers, outside the database transaction), and
the row gets the final ones.
"""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from kabinet.billing.ledger import BillingError, closed_periods
from kabinet.billing.models import BillingRun, BillingSchedule, BillingSettings
from kabinet.billing.services import ensure_engine, run_billing
from kabinet.core.models import Organization
from kabinet.core.money import add_months, period_start

logger = logging.getLogger(__name__)
audit = logging.getLogger("kabinet.audit")


def _progress_key(run_id: int) -> str:
    return f"kabinet:billing-run:{run_id}:progress"


def live_progress(run: BillingRun) -> tuple[int, int]:
    """(done, total) accounts of a run: live while it runs, from the row otherwise."""
    if run.status == BillingRun.Status.RUNNING:
        value = HUEY.get(_progress_key(run.pk), peek=True)
        if value:
            return value
    return run.done, run.total


def with_live_progress(run: BillingRun) -> BillingRun:
    """The run with `done`/`total` set to the live figures (not saved), for showing it."""
    run.done, run.total = live_progress(run)
    return run


def start_billing_run(organization: Organization, period: dt.date, *, acting_user=None,
                      scheduled: bool = False) -> BillingRun:
    """Queue a billing run of `organization` for `period` and return it.

    A period that is closed (or before a closed one) is refused with BillingError. While a run of the
    same organisation and period is queued or running, that run is returned instead of a second one.
    `scheduled` marks the monthly run: one per organisation and period, ever (a repeat returns the
    first). The task is sent when the transaction commits.
    """
    period = period_start(period)
    ensure_engine(organization)
    closed = closed_periods(organization)
    if period in closed or any(p > period for p in closed):
        raise BillingError(_("The period %(period)s is closed: corrections go into an open period.") % {
            "period": f"{period:%m.%Y}"})
    with transaction.atomic():
        if scheduled:
            existing = BillingRun.objects.filter(organization=organization, scheduled_for=period).first()
        else:
            existing = (BillingRun.objects.select_for_update()
                        .filter(organization=organization, period=period,
                                status__in=(BillingRun.Status.QUEUED, BillingRun.Status.RUNNING)).first())
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                run = BillingRun.objects.create(
                    organization=organization, period=period, scheduled_for=period if scheduled else None,
                    started_by=acting_user if getattr(acting_user, "pk", None) else None)
        except IntegrityError:  # the monthly run was started by another worker meanwhile
            return BillingRun.objects.get(organization=organization, scheduled_for=period)
        transaction.on_commit(lambda: billing_run_task(run.pk))
    audit.info("billing run %s queued: %s %s by %s", run.pk, organization.pk, f"{period:%Y-%m}",
               getattr(acting_user, "pk", None))
    return run


def execute_billing_run(run_id: int) -> BillingRun | None:
    """Run a queued run: `running` with the start time, progress per batch, then `done` with the
    report or `failed` with the reason. A run that is not queued any more (a repeated task) is left."""
    claimed = BillingRun.objects.filter(pk=run_id, status=BillingRun.Status.QUEUED).update(
        status=BillingRun.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return None
    run = BillingRun.objects.select_related("organization", "started_by").get(pk=run_id)
    key = _progress_key(run.pk)
    seen = {"done": 0, "total": 0}

    def progress(done: int, total: int):
        seen.update(done=done, total=total)
        HUEY.put(key, (done, total))

    try:
        report = run_billing(run.organization, run.period, acting_user=run.started_by, progress=progress)
    except BillingError as exc:
        run.status, run.error = BillingRun.Status.FAILED, str(exc)
    except Exception as exc:  # the run is recorded as failed; the details go to the log
        logger.exception("billing run %s failed", run.pk)
        run.status = BillingRun.Status.FAILED
        run.error = _("Unexpected error (%(kind)s); the details are in the server log.") % {
            "kind": type(exc).__name__}
    else:
        run.status = BillingRun.Status.DONE
        run.lines, run.amount, run.problems = report.lines, report.amount, dict(report.problems)
        seen["done"] = seen["total"] = max(seen["total"], report.accounts)
    finally:
        HUEY.get(key)  # drop the live figures
    run.done, run.total = seen["done"], seen["total"]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "lines", "amount", "problems", "done", "total", "finished_at"])
    return run


@db_task()
def billing_run_task(run_id: int):
    execute_billing_run(run_id)


def monthly_billing_runs(today: dt.date | None = None) -> list[BillingRun]:
    """Start the monthly run of every active organisation whose close day is `today` (idempotent per
    organisation and period: running it again the same day, or every hour, starts nothing new).
    Organisations with their own billing (external mode) load their charges instead."""
    today = today or timezone.localdate()
    runs = []
    schedules = (BillingSchedule.objects.filter(close_day=today.day, organization__is_active=True)
                 .exclude(organization__billing_settings__mode=BillingSettings.Mode.EXTERNAL))
    for schedule in schedules.select_related("organization").order_by("organization_id"):
        period = period_start(today)
        if schedule.month == BillingSchedule.Month.PREVIOUS:
            period = add_months(period, -1)
        try:
            runs.append(start_billing_run(schedule.organization, period, scheduled=True))
        except BillingError as exc:
            logger.warning("monthly billing run of %s for %s not started: %s", schedule.organization_id,
                           f"{period:%Y-%m}", exc)
    return runs


# Every hour, so a worker that was down at night still starts the day's runs; a repeat does nothing.
@db_periodic_task(crontab(minute="7"))
def monthly_billing_runs_task():
    monthly_billing_runs()


def set_billing_schedule(organization: Organization, close_day: int | None, month: str, *,
                         acting_user=None) -> BillingSchedule:
    """Set the close day of the monthly run (None: no automatic run) and which month it bills."""
    schedule, _created = BillingSchedule.objects.update_or_create(
        organization=organization, defaults={"close_day": close_day, "month": month})
    audit.info("billing schedule of %s: day %s, %s, by %s", organization.pk, close_day, month,
               getattr(acting_user, "pk", None))
    return schedule


@db_task(retries=3, retry_delay=60)
def issue_period_bills_task(organization_id: int, period: str):
    """Bills (ЕПД) of a closed period, after `close_period`; e-receipt accounts get them by email."""
    from kabinet.billing.bills import issue_bills

    organization = Organization.objects.get(pk=organization_id)
    count = issue_bills(organization, dt.date.fromisoformat(period))
    audit.info("bills of %s for %s issued: %s", organization_id, period, count)
    return count
