"""The outbox: preferences, quiet hours, retries with back-off after a gateway failure."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from kabinet.comms import sms
from kabinet.comms.models import Notification
from kabinet.comms.services import CommsError
from kabinet.comms.services import notifications as services
from tests import factories

NOON = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)  # 12:00 in Moscow


@pytest.fixture
def user(db):
    return factories.UserFactory(email="eve@example.com", email_confirmed=True, phone="+79120000009",
                                 phone_confirmed=True)


class FlakySmsBackend(sms.BaseSmsBackend):
    """Down for the first `failures` messages, then up."""

    failures = 1
    calls = 0

    def send(self, phone, text):
        type(self).calls += 1
        if type(self).calls <= type(self).failures:
            raise sms.SmsError("SMS gateway unreachable: connection refused")
        sms.outbox.append((phone, text))
        return f"gw-{type(self).calls}"


@pytest.fixture
def flaky(settings):
    settings.SMS_BACKEND = "tests.comms.test_notifications.FlakySmsBackend"
    FlakySmsBackend.calls, FlakySmsBackend.failures = 0, 1
    return FlakySmsBackend


@time_machine.travel(NOON, tick=False)
def test_notify_renders_and_sends_on_commit(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        rows = services.notify(user, "payment_reminder", {"account": "1000200", "amount": "1 500,00 ₽",
                                                          "due": "25.11"}, channels=("email", "sms"))
    assert [r.channel for r in rows] == ["email", "sms"]
    assert all(r.status == "queued" for r in rows)  # the objects as made; the rows are sent
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert mail.outbox[0].subject == "Payment due"
    assert "1000200: 1 500,00 ₽ to pay by 25.11" in mail.outbox[0].body
    assert sms.outbox == [("+79120000009", "Account 1000200: 1 500,00 ₽ to pay by 25.11.")]


def test_unconfirmed_contacts_get_nothing(db):
    user = factories.UserFactory(email="new@example.com", phone="+79120000010")
    assert services.notify(user, "payment_reminder", {}, channels=("email", "sms")) == []


def test_unsubscribed_topic_is_skipped_but_urgent_is_not(user):
    services.update_preferences(user, {"payment_reminder": False, "news": False})
    assert services.notify(user, "payment_reminder", {}, channels=("email",)) == []
    assert services.notify(user, "debt_warning", {}, channels=("email",)) == []  # a payment reminder too
    emergency = {"organization": "УК", "title": "Авария", "text": "Нет воды"}
    assert len(services.notify(user, "announcement_emergency", emergency, channels=("email",))) == 1
    assert len(services.notify(user, "appeal_reply", {}, channels=("email",))) == 1


def test_quiet_hours_hold_messages_until_they_end(user, django_capture_on_commit_callbacks):
    services.update_preferences(user, {"quiet_from": dt.time(22), "quiet_to": dt.time(8)})
    night = dt.datetime(2026, 11, 20, 20, 30, tzinfo=dt.UTC)  # 23:30 in Moscow
    with time_machine.travel(night, tick=False), django_capture_on_commit_callbacks(execute=True):
        (row,) = services.notify(user, "appeal_reply", {"appeal": 1}, channels=("sms",))
        (urgent,) = services.notify(user, "announcement_emergency", {"title": "Авария"}, channels=("sms",))
    row.refresh_from_db()
    urgent.refresh_from_db()
    assert row.status == "queued" and row.next_attempt_at == dt.datetime(2026, 11, 21, 5, 0, tzinfo=dt.UTC)
    assert urgent.status == "sent"  # emergencies are not held
    assert services.send_due_notifications(now=night + dt.timedelta(hours=3)) == 0
    assert services.send_due_notifications(now=dt.datetime(2026, 11, 21, 5, 0, tzinfo=dt.UTC)) == 1
    row.refresh_from_db()
    assert row.status == "sent"


def test_quiet_hours_need_both_ends(user):
    with pytest.raises(CommsError, match="both the start and the end"):
        services.update_preferences(user, {"quiet_from": dt.time(22)})
    with pytest.raises(CommsError, match="Unknown notification settings"):
        services.update_preferences(user, {"spam": True})


def test_a_failed_send_is_retried_with_back_off_and_nothing_is_lost(user, flaky, django_capture_on_commit_callbacks):
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        (row,) = services.notify(user, "appeal_reply", {"appeal": 7, "text": "Готово"}, channels=("sms",))
    row.refresh_from_db()
    # The first attempt failed: the row keeps the error and the time of the next attempt.
    assert row.status == "failed" and row.attempts == 1
    assert "connection refused" in row.last_error
    assert row.next_attempt_at == NOON + dt.timedelta(seconds=60)
    assert sms.outbox == []
    # Not yet due: nothing happens. Due: the periodic task sends it.
    assert services.send_due_notifications(now=NOON + dt.timedelta(seconds=30)) == 0
    assert services.send_due_notifications(now=NOON + dt.timedelta(seconds=61)) == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2 and row.gateway_id == "gw-2"
    assert sms.outbox == [("+79120000009", row.body)]
    assert services.send_due_notifications(now=NOON + dt.timedelta(hours=1)) == 0  # sent once only


def test_back_off_doubles_and_gives_up_after_the_last_attempt(settings, user, flaky):
    settings.KABINET_NOTIFY_MAX_ATTEMPTS = 3
    flaky.failures = 99
    (row,) = services.notify(user, "appeal_reply", {}, channels=("sms",))
    now = row.next_attempt_at
    delays = []
    for _ in range(3):
        result = services.deliver_notification(row.pk, now=now)
        if result.next_attempt_at:
            delays.append((result.next_attempt_at - now).total_seconds())
            now = result.next_attempt_at
    row.refresh_from_db()
    assert delays == [60, 120]
    assert row.status == "failed" and row.attempts == 3 and row.next_attempt_at is None
    assert services.send_due_notifications(now=now + dt.timedelta(days=1)) == 0
    flaky.failures = 0
    services.retry_notification(row.pk)  # staff send it again
    assert services.send_due_notifications(now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)) == 1


def test_the_huey_task_reschedules_a_failed_send(user, flaky, django_capture_on_commit_callbacks):
    from kabinet.comms import tasks

    (row,) = services.notify(user, "appeal_reply", {}, channels=("sms",))
    assert tasks.send_notification.call_local(row.pk) == "failed"
    row.refresh_from_db()
    assert row.next_attempt_at > dt.datetime.now(dt.UTC)
    assert tasks.send_notification.call_local(row.pk) is None  # not due yet: left alone
    with time_machine.travel(row.next_attempt_at + dt.timedelta(seconds=1)):
        assert tasks.send_due_notifications.call_local() == 1
    row.refresh_from_db()
    assert row.status == "sent"


def test_email_failure_is_recorded(settings, user):
    settings.EMAIL_BACKEND = "tests.comms.test_notifications.BrokenEmailBackend"
    (row,) = services.notify(user, "appeal_reply", {}, channels=("email",))
    result = services.deliver_notification(row.pk, now=row.next_attempt_at)
    assert result.status == "failed" and "SMTP down" in result.last_error


class BrokenEmailBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise OSError("SMTP down")


def test_notify_many_is_set_wise(django_assert_max_num_queries, user):
    from kabinet.accounts.models import User

    others = [factories.UserFactory(email_confirmed=True) for _ in range(5)]
    services.update_preferences(others[0], {"news": False})
    users = User.objects.filter(pk__in=[user.pk] + [u.pk for u in others])
    with django_assert_max_num_queries(6):
        count = services.notify_many(users, "announcement", {"title": "Новость"}, channels=("email",))
    assert count == 5


def test_delivery_reports(user, settings):
    settings.SMS_BACKEND = "tests.comms.test_notifications.FlakySmsBackend"
    FlakySmsBackend.calls, FlakySmsBackend.failures = 0, 0
    (row,) = services.notify(user, "appeal_reply", {}, channels=("sms",))
    services.deliver_notification(row.pk, now=row.next_attempt_at)
    assert services.record_delivery("gw-1", delivered=True) == 1
    row.refresh_from_db()
    assert row.status == "delivered" and row.delivered_at


def test_a_bare_recipient(db):
    (row,) = services.notify("+79120000011", "sms_reply", {"text": "Привет"})
    assert row.channel == "sms" and row.body == "Привет" and row.user is None
