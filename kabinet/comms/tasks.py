"""Queue tasks of communication (Huey): sending the outbox and publishing scheduled announcements.

Back-off lives in the outbox rows (`next_attempt_at`), not in Huey's retry counter, so a message
survives a restart of the queue: a failed send re-schedules itself, and the periodic task below
picks up anything due that was missed.
"""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def send_notification(notification_id: int):
    from kabinet.comms.models import Notification
    from kabinet.comms.services.notifications import deliver_notification

    result = deliver_notification(notification_id)
    if result is not None and result.status == Notification.Status.FAILED and result.next_attempt_at:
        delay = max(1, int((result.next_attempt_at - timezone.now()).total_seconds()))
        send_notification.schedule(args=(notification_id,), delay=delay)
    return result.status if result is not None else None

@db_periodic_task(crontab(minute="*"))
def send_due_notifications():
    from kabinet.comms.services.notifications import send_due_notifications as send_due

    return send_due()

@db_periodic_task(crontab(minute="*"))
def dispatch_due_announcements():
    from kabinet.comms.services.announcements import dispatch_due_announcements as dispatch

    return dispatch(now=timezone.now())


@db_periodic_task(crontab(hour="10", minute="0"))
def send_reminders():
    """Readings, payment and debt reminders per organisation calendar, once a day (idempotent)."""
    from kabinet.comms.services.reminders import send_reminders as send

    return send()
