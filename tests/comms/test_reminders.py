"""Scheduled reminders per organisation calendar: readings, payment due, debt warnings — the right
recipients, subscriptions and quiet hours, idempotent re-runs, constant queries per run."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.billing.models import DueDateRule
from kabinet.comms.models import Notification, ReminderLog, ReminderSettings
from kabinet.comms.services import reminders
from kabinet.comms.services.notifications import update_preferences
from kabinet.metering.models import ReadingSettings
from tests import factories

NOON = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)  # 12:00 in Moscow
NOV, DEC = dt.date(2026, 11, 1), dt.date(2026, 12, 1)


def consumer(account, **link):
    user = factories.UserFactory(email_confirmed=True, phone=None)
    factories.AccountLinkFactory(user=user, account=account, **link)
    return user


def debt(account, amount, period=NOV):
    return factories.BalanceFactory(account=account, period=period, charged=Decimal(amount))


def recipients(template_key):
    return sorted(Notification.objects.filter(template_key=template_key).values_list("user_id", flat=True))


@pytest.fixture(autouse=True)
def _noon():
    with time_machine.travel(NOON, tick=False):
        yield


# --- Readings -------------------------------------------------------------------------------------


def test_readings_reminder_on_the_first_day_of_the_window(org, other_org, account):
    ReadingSettings.objects.create(organization=org, window_start_day=20, window_end_day=25)
    ReadingSettings.objects.create(organization=other_org, window_start_day=1, window_end_day=5)
    owner = consumer(account)
    reader = consumer(account, role="delegate", can_readings=True)
    consumer(account, role="delegate", can_payments=True)  # no readings right
    unsubscribed = consumer(account)
    update_preferences(unsubscribed, {"readings_reminder": False})
    consumer(factories.AccountFactory(organization=org, is_open=False))  # closed account
    consumer(factories.AccountFactory(organization=other_org))  # window not open there

    assert reminders.send_readings_reminders(dt.date(2026, 11, 19)) == 0
    assert reminders.send_readings_reminders(dt.date(2026, 11, 20)) == 2
    assert recipients("readings_reminder") == sorted([owner.pk, reader.pk])
    row = Notification.objects.get(user=owner)
    assert row.body == "Submit the meter readings of account 1000200 by 25.11.2026 in Kabinet or by SMS."
    assert set(ReminderLog.objects.values_list("kind", "organization_id", "period")) == {("readings", org.pk, NOV)}

    # idempotent: a re-run (or the next day of the window) sends nothing new
    assert reminders.send_readings_reminders(dt.date(2026, 11, 20)) == 0
    assert reminders.send_readings_reminders(dt.date(2026, 11, 21)) == 0
    assert Notification.objects.count() == 2


def test_one_reminder_per_user_names_all_accounts(org, account):
    owner = consumer(account)
    factories.AccountLinkFactory(user=owner, account=factories.AccountFactory(organization=org, number="1000300"))
    assert reminders.send_readings_reminders(dt.date(2026, 11, 20)) == 1
    assert "account 1000200, 1000300 by" in Notification.objects.get().body


def test_any_day_window_uses_the_configured_day(org, account):
    owner = consumer(account)
    assert reminders.send_readings_reminders(dt.date(2026, 11, 10)) == 0  # default: the 20th
    ReminderSettings.objects.create(organization=org, readings_day=10)
    assert reminders.send_readings_reminders(dt.date(2026, 11, 10)) == 1
    assert recipients("readings_reminder") == [owner.pk]
    ReminderSettings.objects.filter(organization=org).update(readings_enabled=False)
    ReminderLog.objects.all().delete()
    assert reminders.send_readings_reminders(dt.date(2026, 11, 10)) == 0


def test_readings_reminder_waits_for_the_end_of_quiet_hours(account):
    owner = consumer(account)
    update_preferences(owner, {"quiet_from": dt.time(11, 0), "quiet_to": dt.time(14, 0)})
    assert reminders.send_readings_reminders(dt.date(2026, 11, 20)) == 1
    row = Notification.objects.get()
    assert row.status == Notification.Status.QUEUED
    assert row.next_attempt_at == dt.datetime(2026, 11, 20, 11, 0, tzinfo=dt.UTC)  # 14:00 in Moscow


def test_wrapping_window_belongs_to_the_month_it_opened(org, account):
    ReadingSettings.objects.create(organization=org, window_start_day=28, window_end_day=3)
    consumer(account)
    assert reminders.send_readings_reminders(dt.date(2026, 10, 28)) == 1
    assert reminders.send_readings_reminders(dt.date(2026, 11, 2)) == 0  # same window, already reminded
    assert ReminderLog.objects.get().period == dt.date(2026, 10, 1)


# --- Payment due ----------------------------------------------------------------------------------


def test_payment_reminder_days_before_the_due_date(org, account):
    owner = consumer(account)
    payer = consumer(account, role="delegate", can_payments=True)
    consumer(account, role="delegate", can_readings=True)  # no payments right
    unsubscribed = consumer(account)
    update_preferences(unsubscribed, {"payment_reminder": False})
    debt(account, "1523.40")
    consumer(factories.AccountFactory(organization=org))  # no balance
    paid = factories.AccountFactory(organization=org)
    consumer(paid)
    factories.BalanceFactory(account=paid, period=NOV, charged=Decimal("100"), paid=Decimal("300"))  # overpaid

    # November's charges are due on 15.12 (the law's default): reminded from the 12th (3 days before)
    assert reminders.send_payment_reminders(dt.date(2026, 12, 11)) == 0
    assert reminders.send_payment_reminders(dt.date(2026, 12, 12)) == 2
    assert recipients("payment_reminder") == sorted([owner.pk, payer.pk])
    body = Notification.objects.filter(user=owner).get().body
    assert body.startswith("Account 1000200: 1") and "523,40" in body and body.endswith("to pay by 15.12.2026.")
    assert reminders.send_payment_reminders(dt.date(2026, 12, 13)) == 0  # idempotent per period
    assert ReminderLog.objects.filter(kind="payment", period=NOV).count() == 2
    assert reminders.send_payment_reminders(dt.date(2026, 12, 16)) == 0  # after the due date: none


def test_payment_reminder_follows_the_organisation_rules(org, account):
    DueDateRule.objects.create(organization=org, valid_from=dt.date(2026, 1, 1), day=25)
    ReminderSettings.objects.create(organization=org, payment_days_before=5)
    consumer(account)
    debt(account, "900")
    assert reminders.send_payment_reminders(dt.date(2026, 12, 19)) == 0
    assert reminders.send_payment_reminders(dt.date(2026, 12, 20)) == 1
    assert "25.12.2026" in Notification.objects.get().body


# --- Debt warnings --------------------------------------------------------------------------------


def test_debt_warning_above_the_threshold(org, other_org, account):
    owner = consumer(account)
    update_preferences(owner, {"payment_reminder": False, "news": False, "readings_reminder": False})
    debt(account, "7000")
    small = factories.AccountFactory(organization=org)
    consumer(small)
    debt(small, "3000")
    elsewhere = factories.AccountFactory(organization=other_org)
    stranger = consumer(elsewhere)
    debt(elsewhere, "3000")
    ReminderSettings.objects.create(organization=other_org, debt_threshold=Decimal("2000"))

    assert reminders.send_debt_warnings(dt.date(2026, 12, 15)) == 0  # November's due date not passed yet
    # The owner unsubscribed from payment reminders, which the warning respects (issue 6).
    assert reminders.send_debt_warnings(dt.date(2026, 12, 16)) == 1
    assert recipients("debt_warning") == [stranger.pk]
    update_preferences(owner, {"payment_reminder": True})
    ReminderLog.objects.all().delete()
    Notification.objects.all().delete()
    assert reminders.send_debt_warnings(dt.date(2026, 12, 16)) == 2
    assert recipients("debt_warning") == sorted([owner.pk, stranger.pk])
    body = Notification.objects.get(user=owner).body
    assert "1000200" in body and "05.01.2027" in body  # 20 days to pay
    assert reminders.send_debt_warnings(dt.date(2026, 12, 20)) == 0  # idempotent per period
    assert reminders.send_debt_warnings(dt.date(2027, 1, 5)) == 0  # after the month of the due date
    assert set(ReminderLog.objects.values_list("period", flat=True)) == {NOV}


def test_debt_warnings_can_be_switched_off(org, account):
    consumer(account)
    debt(account, "9000")
    ReminderSettings.objects.create(organization=org, debt_enabled=False)
    assert reminders.send_debt_warnings(dt.date(2026, 12, 16)) == 0


# --- The run as a whole ---------------------------------------------------------------------------


def _populate(org, n):
    for _i in range(n):
        account = factories.AccountFactory(organization=org)
        consumer(account)
        consumer(account, role="delegate", can_payments=True, can_readings=True)
        debt(account, "8000")


def _queries(today):
    with CaptureQueriesContext(connection) as ctx:
        reminders.send_reminders(today)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("today", [dt.date(2026, 11, 20), dt.date(2026, 12, 13)])
def test_constant_queries_per_run(org, other_org, today):
    _populate(org, 1)
    small = _queries(today)
    ReminderLog.objects.all().delete()
    _populate(org, 6)
    _populate(other_org, 3)
    assert _queries(today) == small
    assert ReminderLog.objects.count() > 10


def test_send_reminders_task_runs_all_kinds(org):
    from kabinet.comms import tasks

    _populate(org, 2)
    with time_machine.travel(dt.datetime(2026, 12, 16, 7, 0, tzinfo=dt.UTC), tick=False):
        result = tasks.send_reminders.call_local()
    assert result == {"readings": 0, "payment": 0, "debt": 4}
