"""Models of communication: appeals, announcements, notifications and the inbound SMS log."""

from kabinet.comms.models.announcements import (
    Announcement,
    AnnouncementRead,
    AnnouncementStreet,
    AnnouncementVersion,
)
from kabinet.comms.models.appeals import Appeal, AppealCategory, AppealMessage, Attachment
from kabinet.comms.models.inbound import InboundSms
from kabinet.comms.models.notifications import Notification, NotificationPreference
from kabinet.comms.models.reminders import ReminderLog, ReminderSettings

__all__ = [
    "Announcement", "AnnouncementRead", "AnnouncementStreet", "AnnouncementVersion",
    "Appeal", "AppealCategory", "AppealMessage", "Attachment",
    "InboundSms", "Notification", "NotificationPreference", "ReminderLog", "ReminderSettings",
]
