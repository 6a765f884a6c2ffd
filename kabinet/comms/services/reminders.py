"""Scheduled reminders per organisation calendar (issue 6):

- **readings** («submit your readings»): on the first day of the organisation's reading window
  (`metering.ReadingSettings`), or on `ReminderSettings.readings_day` (the 20th) when readings are
  accepted on any day; sent on any day of the window while it is open, so a missed run catches up;
- **payment** («payment due»): `payment_days_before` (3) days before the due date of the last
  period's charges (billing's due-date rules), until the due date, to consumers with a debt;
- **debt** (seed 002: the official warning of possible restriction): from the day after the due
  date of the last period's charges to the end of that month, to consumers whose latest balance is
  above `debt_threshold`.

Recipients are the active users linked to open accounts of the organisation with the right that
matters (readings; payments for the other two). One message per user, organisation and period,
naming all their accounts there; `ReminderLog` (unique per kind, user, organisation and period)
makes every run idempotent. Subscriptions and quiet hours are the outbox's (`notify_each`); the
debt warning is an urgent template, as the notification rules say.

Set-wise: each kind takes a constant number of queries whatever the number of consumers.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import DecimalField, OuterRef, Q, Subquery
from django.utils import timezone

from kabinet.accounts.models import AccountLink
from kabinet.billing.models import Balance, DueDateRule
from kabinet.billing.rules import penalties
from kabinet.comms.models import ReminderLog, ReminderSettings
from kabinet.comms.services.notifications import EMAIL, SMS, notify_each
from kabinet.core.models import Organization
from kabinet.core.money import add_months, format_money

Kind = ReminderLog.Kind
CHANNELS = (EMAIL, SMS)
DEFAULT_CUTOFF_DAY = 25


def _day_in_month(month: dt.date, day: int) -> dt.date:
    last = (add_months(month, 1) - dt.timedelta(days=1)).day
    return month.replace(day=min(day, last))


def _date(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


class _Calendar:
    """The active organisations with their reminder and reading settings and due-date rules (two queries)."""

    def __init__(self):
        self.organizations = list(
            Organization.objects.filter(is_active=True).select_related("reminder_settings", "reading_settings"))
        rules = defaultdict(list)
        for rule in DueDateRule.objects.filter(organization__in=[o.pk for o in self.organizations]):
            rules[rule.organization_id].append(penalties.DueDay(rule.valid_from, rule.day))
        self.due_days = rules

    @staticmethod
    def settings(organization) -> ReminderSettings:
        try:
            return organization.reminder_settings
        except ReminderSettings.DoesNotExist:
            return ReminderSettings(organization=organization)

    @staticmethod
    def reading(organization):
        from kabinet.metering.models import ReadingSettings

        try:
            return organization.reading_settings
        except ReadingSettings.DoesNotExist:
            return None

    def due_date(self, organization, period: dt.date) -> dt.date:
        return penalties.due_date(period, self.due_days.get(organization.pk) or penalties.DEFAULT_DUE_DAYS)


def readings_window(settings: ReminderSettings, reading, today: dt.date) -> tuple[dt.date, dt.date, dt.date] | None:
    """(period, first day, last day) of the reading window open today, or None. Without a window
    (any day) the reminder's "window" runs from `readings_day` to the cutoff day (or the month end)."""
    month = today.replace(day=1)
    if reading is not None and reading.has_window:
        start_day, end_day = reading.window_start_day, reading.window_end_day
        for opened in (month, add_months(month, -1)):
            start = _day_in_month(opened, start_day)
            end = _day_in_month(opened if end_day >= start_day else add_months(opened, 1), end_day)
            if start <= today <= end:
                return opened, start, end
        return None
    start = _day_in_month(month, settings.readings_day)
    cutoff = reading.cutoff_day if reading is not None else DEFAULT_CUTOFF_DAY
    end = _day_in_month(month, cutoff) if cutoff >= settings.readings_day else _day_in_month(month, 31)
    return (month, start, end) if start <= today <= end else None


def payment_period(calendar: _Calendar, organization, settings: ReminderSettings,
                   today: dt.date) -> tuple[dt.date, dt.date] | None:
    """(period, due date) when today is within `payment_days_before` days of the due date of the
    last period's charges, else None."""
    month = today.replace(day=1)
    for period in (add_months(month, -1), add_months(month, -2), month):
        due = calendar.due_date(organization, period)
        if due - dt.timedelta(days=settings.payment_days_before) <= today <= due:
            return period, due
    return None


def debt_period(calendar: _Calendar, organization, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """(period, due date) when the due date of a period's charges has passed earlier this month
    (warnings go out from the day after the due date to the end of that month), else None."""
    month = today.replace(day=1)
    for period in (add_months(month, -1), add_months(month, -2)):
        due = calendar.due_date(organization, period)
        if due < today and due.replace(day=1) == month:
            return period, due
    return None


# --- The three kinds -------------------------------------------------------------------------------------


def _already_sent(kind: str, periods: dict[int, dt.date]) -> set[tuple[int, int]]:
    """(user id, organisation id) pairs already reminded of `kind` for each organisation's period."""
    if not periods:
        return set()
    match = Q()
    for org_id, period in periods.items():
        match |= Q(organization_id=org_id, period=period)
    return set(ReminderLog.objects.filter(match, kind=kind).values_list("user_id", "organization_id"))


def _send(kind: str, template_key: str, periods: dict[int, dt.date], pairs: list[tuple[int, int, dict]],
          now: dt.datetime) -> int:
    """Queue (user id, organisation id, context) reminders and log those that produced a message."""
    with transaction.atomic():
        made = notify_each([(user_id, context) for user_id, _org, context in pairs], template_key, CHANNELS)
        logs = [ReminderLog(kind=kind, user_id=user_id, organization_id=org_id, period=periods[org_id], sent_at=now)
                for (user_id, org_id, _context), rows in zip(pairs, made, strict=True) if rows]
        ReminderLog.objects.bulk_create(logs, batch_size=500, ignore_conflicts=True)
    return len(logs)


def _links(right: str, org_ids, **filters):
    return AccountLink.objects.with_right(right).filter(
        account__organization_id__in=org_ids, account__is_open=True, user__is_active=True, **filters)


def _balance_subquery():
    latest = Balance.objects.filter(account=OuterRef("account_id")).order_by("-period")
    return Subquery(latest.values("closing")[:1], output_field=DecimalField(max_digits=14, decimal_places=2))


def send_readings_reminders(today: dt.date | None = None, calendar: _Calendar | None = None) -> int:
    today = today or timezone.localdate()
    calendar = calendar or _Calendar()
    periods, until, names = {}, {}, {}
    for org in calendar.organizations:
        settings = calendar.settings(org)
        window = readings_window(settings, calendar.reading(org), today) if settings.readings_enabled else None
        if window:
            periods[org.pk], until[org.pk], names[org.pk] = window[0], window[2], str(org)
    if not periods:
        return 0
    sent = _already_sent(Kind.READINGS, periods)
    accounts = defaultdict(list)
    for user_id, org_id, number in _links("readings", list(periods)).order_by("account__number").values_list(
            "user_id", "account__organization_id", "account__number"):
        if (user_id, org_id) not in sent and number not in accounts[(user_id, org_id)]:
            accounts[(user_id, org_id)].append(number)
    pairs = [(user_id, org_id, {"account": ", ".join(numbers), "until": _date(until[org_id]),
                                "organization": names[org_id]})
             for (user_id, org_id), numbers in sorted(accounts.items())]
    return _send(Kind.READINGS, "readings_reminder", periods, pairs, timezone.now())


def _debtors(kind: str, template_key: str, periods: dict[int, dt.date], thresholds: dict[int, Decimal],
             contexts: dict[int, dict]) -> int:
    sent = _already_sent(kind, periods)
    debts = defaultdict(dict)  # (user, org) → {account number: balance}
    rows = (_links("payments", list(periods)).annotate(balance=_balance_subquery())
            .filter(balance__gt=0).order_by("account__number")
            .values_list("user_id", "account__organization_id", "account__number", "balance"))
    for user_id, org_id, number, balance in rows:
        if (user_id, org_id) not in sent and balance > thresholds[org_id]:
            debts[(user_id, org_id)][number] = balance
    pairs = [(user_id, org_id, {**contexts[org_id], "account": ", ".join(numbers),
                                "amount": format_money(sum(numbers.values(), Decimal("0")))})
             for (user_id, org_id), numbers in sorted(debts.items())]
    return _send(kind, template_key, periods, pairs, timezone.now())


def send_payment_reminders(today: dt.date | None = None, calendar: _Calendar | None = None) -> int:
    today = today or timezone.localdate()
    calendar = calendar or _Calendar()
    periods, thresholds, contexts = {}, {}, {}
    for org in calendar.organizations:
        settings = calendar.settings(org)
        found = payment_period(calendar, org, settings, today) if settings.payment_enabled else None
        if found:
            periods[org.pk], thresholds[org.pk] = found[0], Decimal("0")
            contexts[org.pk] = {"due": _date(found[1]), "organization": str(org)}
    return _debtors(Kind.PAYMENT, "payment_reminder", periods, thresholds, contexts) if periods else 0


def send_debt_warnings(today: dt.date | None = None, calendar: _Calendar | None = None) -> int:
    today = today or timezone.localdate()
    calendar = calendar or _Calendar()
    periods, thresholds, contexts = {}, {}, {}
    for org in calendar.organizations:
        settings = calendar.settings(org)
        found = debt_period(calendar, org, today) if settings.debt_enabled else None
        if not found:
            continue
        periods[org.pk] = found[0]
        thresholds[org.pk] = settings.debt_threshold
        contexts[org.pk] = {"due": _date(today + dt.timedelta(days=settings.debt_days_to_pay)),
                            "organization": str(org)}
    return _debtors(Kind.DEBT, "debt_warning", periods, thresholds, contexts) if periods else 0


def send_reminders(today: dt.date | None = None) -> dict[str, int]:
    """All three kinds (the daily periodic task); returns the number of users reminded per kind."""
    today = today or timezone.localdate()
    calendar = _Calendar()
    return {
        Kind.READINGS: send_readings_reminders(today, calendar),
        Kind.PAYMENT: send_payment_reminders(today, calendar),
        Kind.DEBT: send_debt_warnings(today, calendar),
    }
