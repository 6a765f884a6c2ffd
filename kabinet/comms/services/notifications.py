"""The notification outbox: `notify` makes rows (respecting subscriptions and quiet hours),
`deliver_notification` sends one, `send_due_notifications` sends what is due (the periodic task).

Nothing is lost when a gateway is down: a failed attempt keeps the row with its error and the time
of the next attempt (exponential back-off), until `KABINET_NOTIFY_MAX_ATTEMPTS` is reached.
"""

import datetime as dt
import logging

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.comms import conf, messages, rules
from kabinet.comms.models import Notification, NotificationPreference
from kabinet.comms.services import CommsError

logger = logging.getLogger("kabinet.notifications")

EMAIL, SMS = Notification.Channel.EMAIL, Notification.Channel.SMS
LEASE = dt.timedelta(minutes=5)  # a claimed row is retried if its worker died mid-send


# --- Preferences ------------------------------------------------------------------------------------


def get_preferences(user) -> NotificationPreference:
    """The user's preferences (an unsaved row with the defaults if they never changed them)."""
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref or NotificationPreference(user=user)


@transaction.atomic
def update_preferences(user, changes: dict) -> NotificationPreference:
    """Change subscriptions (booleans named as in NotificationPreference.TOPICS) and quiet hours
    (`quiet_from`, `quiet_to`: datetime.time, both or neither)."""
    unknown = set(changes) - set(NotificationPreference.TOPICS) - {"quiet_from", "quiet_to"}
    if unknown:
        raise CommsError(_("Unknown notification settings: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    pref, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    for name, value in changes.items():
        if name in NotificationPreference.TOPICS:
            value = bool(value)
        setattr(pref, name, value)
    if (pref.quiet_from is None) != (pref.quiet_to is None):
        raise CommsError(_("Give both the start and the end of the quiet hours, or neither."), "quiet_hours")
    pref.save()
    return pref


# --- Making outbox rows -----------------------------------------------------------------------------


def _address(user, channel: str) -> str | None:
    """Only confirmed contacts get messages (an unconfirmed email gets nothing but its confirmation)."""
    if channel == EMAIL:
        return user.email if user.email and user.email_confirmed else None
    return user.phone if user.phone and user.phone_confirmed else None


def _first_attempt(pref: NotificationPreference | None, template: messages.MessageTemplate, now: dt.datetime):
    if template.urgent or pref is None:
        return now
    local = timezone.localtime(now)
    end = rules.quiet_hours_end(local, pref.quiet_from, pref.quiet_to)
    return end if end is not None else now


def _row(user, channel, recipient, key, context, pref, now) -> Notification:
    template = messages.get_template(key)
    subject, body = messages.render(key, context)
    return Notification(
        user=user, channel=channel, recipient=recipient, template_key=key, context=context,
        subject=subject[:255], body=body, next_attempt_at=_first_attempt(pref, template, now), created_at=now,
    )


def _check_channels(channels) -> list[str]:
    channels = list(channels)
    for channel in channels:
        if channel not in Notification.Channel.values:
            raise ValueError(f"Unknown channel {channel!r}")
    return channels


def notify(user_or_recipient, template_key: str, context: dict | None = None,
           channels=(EMAIL,)) -> list[Notification]:
    """Queue a message to a user (or to a bare email / phone) on each channel.

    For a user: skipped on a channel without a confirmed contact, skipped when the template's topic
    is unsubscribed, delayed to the end of quiet hours (urgent templates are not). A bare recipient
    gets it on the channel its form implies ("@" → email, else SMS). Rows are sent on commit.
    Returns the rows made.
    """
    context = dict(context or {})
    template = messages.get_template(template_key)
    now = timezone.now()
    rows = []
    if isinstance(user_or_recipient, str):
        recipient = user_or_recipient
        channel = EMAIL if "@" in recipient else SMS
        rows.append(_row(None, channel, recipient, template_key, context, None, now))
    else:
        user = user_or_recipient
        if not user.is_active:
            return []
        pref = get_preferences(user)
        if not template.urgent and not pref.wants(template.topic):
            return []
        for channel in _check_channels(channels):
            address = _address(user, channel)
            if address:
                rows.append(_row(user, channel, address, template_key, context, pref, now))
    with transaction.atomic():
        for row in rows:
            row.save()
        _send_on_commit([row.pk for row in rows if row.next_attempt_at <= now])
    return rows


def notify_many(users, template_key: str, context: dict | None = None, channels=(EMAIL,)) -> int:
    """`notify` for a queryset of users, set-wise: preferences in one query, rows in bulk.
    Returns the number of rows queued."""
    context = dict(context or {})
    template = messages.get_template(template_key)
    channels = _check_channels(channels)
    now = timezone.now()
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user__in=users)}
    rows = []
    for user in users.filter(is_active=True).only("pk", "email", "email_confirmed", "phone", "phone_confirmed"):
        pref = prefs.get(user.pk)
        if not template.urgent and pref is not None and not pref.wants(template.topic):
            continue
        for channel in channels:
            address = _address(user, channel)
            if address:
                rows.append(_row(user, channel, address, template_key, context, pref, now))
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows, batch_size=500)
        # bulk_create returns pks on PostgreSQL, MariaDB and SQLite ≥ 3.35; else the periodic task sends.
        _send_on_commit([row.pk for row in created if row.pk and row.next_attempt_at <= now])
    return len(rows)


def notify_each(pairs, template_key: str, channels=(EMAIL,)) -> list[list[Notification]]:
    """`notify_many` with a context of its own per message: `pairs` is a list of (user id, context).
    Set-wise: the users and their preferences in two queries, all rows in one bulk insert. Returns,
    for each pair in order, the rows made for it (empty: inactive, unsubscribed, or no confirmed
    contact)."""
    from kabinet.accounts.models import User

    template = messages.get_template(template_key)
    channels = _check_channels(channels)
    pairs = list(pairs)
    if not pairs:
        return []
    now = timezone.now()
    ids = {user_id for user_id, _context in pairs}
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=ids)}
    users = {u.pk: u for u in User.objects.filter(pk__in=ids, is_active=True).only(
        "pk", "email", "email_confirmed", "phone", "phone_confirmed")}
    made, rows = [], []
    for user_id, context in pairs:
        user, pref, mine = users.get(user_id), prefs.get(user_id), []
        if user is not None and (template.urgent or pref is None or pref.wants(template.topic)):
            for channel in channels:
                address = _address(user, channel)
                if address:
                    mine.append(_row(user, channel, address, template_key, dict(context), pref, now))
        made.append(mine)
        rows.extend(mine)
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows, batch_size=500)
        _send_on_commit([row.pk for row in created if row.pk and row.next_attempt_at <= now])
    return made


def _send_on_commit(ids: list[int]) -> None:
    if not ids:
        return

    def enqueue():
        from kabinet.comms import tasks

        for pk in ids:
            tasks.send_notification(pk)

    transaction.on_commit(enqueue)


# --- Sending ----------------------------------------------------------------------------------------


def _claim(notification_id: int, now: dt.datetime) -> bool:
    """Take the row for this worker if it is due and unsent (an atomic compare-and-set: two workers
    never send one message twice)."""
    return bool(
        Notification.objects.filter(
            pk=notification_id, status__in=(Notification.Status.QUEUED, Notification.Status.FAILED),
            next_attempt_at__lte=now,
        ).update(next_attempt_at=now + LEASE)
    )


def _transmit(notification: Notification) -> str | None:
    if notification.channel == EMAIL:
        email = EmailMessage(notification.subject, notification.body, None, [notification.recipient])
        attachment = (notification.context or {}).get("attachment")
        if attachment:  # a private stored file (e.g. a bill's PDF), read when the message is sent
            from kabinet.comms.storage import private_storage

            with private_storage.open(attachment["name"], "rb") as handle:
                email.attach(attachment["filename"], handle.read(), attachment.get("content_type"))
        email.send()
        return None
    from kabinet.comms.sms import send_sms

    return send_sms(notification.recipient, notification.body)


def deliver_notification(notification_id: int, *, now: dt.datetime | None = None) -> Notification | None:
    """Send one due message. On success: sent. On failure: failed, with the error, the attempt
    counted and the next attempt scheduled with back-off (none after the last allowed attempt).
    Returns the row, or None when it was not due (sent already, held, or taken by another worker)."""
    now = now or timezone.now()
    if not _claim(notification_id, now):
        return None
    notification = Notification.objects.get(pk=notification_id)
    try:
        gateway_id = _transmit(notification)
    except Exception as exc:  # any gateway failure is recorded, never lost
        attempts = notification.attempts + 1
        retry = attempts < conf.notify_max_attempts()
        delay = rules.retry_delay(attempts, conf.notify_retry_base_seconds())
        notification.attempts = attempts
        notification.status = Notification.Status.FAILED
        notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        notification.next_attempt_at = now + dt.timedelta(seconds=delay) if retry else None
        notification.save(update_fields=["attempts", "status", "last_error", "next_attempt_at"])
        logger.warning("Notification %s failed (attempt %s): %s", notification.pk, attempts, exc)
        return notification
    notification.attempts += 1
    notification.status = Notification.Status.SENT
    notification.sent_at = timezone.now()
    notification.next_attempt_at = None
    notification.gateway_id = (gateway_id or "")[:100]
    notification.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at", "gateway_id"])
    return notification


def due_notifications(now: dt.datetime | None = None):
    """Queued or failed rows whose next attempt has come, oldest first."""
    now = now or timezone.now()
    return Notification.objects.filter(
        Q(status=Notification.Status.QUEUED) | Q(status=Notification.Status.FAILED),
        next_attempt_at__lte=now,
    ).order_by("next_attempt_at", "pk")


def send_due_notifications(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Deliver up to `limit` due messages (the periodic task); returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for pk in list(due_notifications(now).values_list("pk", flat=True)[:limit]):
        result = deliver_notification(pk, now=now)
        if result is not None and result.status == Notification.Status.SENT:
            sent += 1
    return sent


def retry_notification(notification_id: int) -> Notification:
    """Staff: send a given-up message again now (attempts start over)."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().get(pk=notification_id)
        if notification.status not in (Notification.Status.FAILED, Notification.Status.QUEUED):
            raise CommsError(_("Only a failed message can be sent again."), "not_failed")
        notification.status = Notification.Status.QUEUED
        notification.attempts = 0
        notification.next_attempt_at = timezone.now()
        notification.save(update_fields=["status", "attempts", "next_attempt_at"])
        _send_on_commit([notification.pk])
    return notification


def record_delivery(gateway_id: str, delivered: bool, error: str = "") -> int:
    """A delivery report from the gateway: mark sent rows delivered (or failed, with the reason)."""
    rows = Notification.objects.filter(gateway_id=gateway_id, status=Notification.Status.SENT)
    if delivered:
        return rows.update(status=Notification.Status.DELIVERED, delivered_at=timezone.now())
    return rows.update(status=Notification.Status.FAILED, last_error=(error or "not delivered")[:2000])
