"""Notification preferences and the outbox of every email and SMS Kabinet sends."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationPreference(models.Model):
    """What a consumer subscribed to (seed 001, «Настройки»), and hours with no messages.

    A user without a row has the defaults: everything on, no quiet hours.
    """

    TOPICS = ("readings_reminder", "payment_reminder", "news", "appeal_replies", "e_receipt")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference")
    readings_reminder = models.BooleanField(_("readings reminder"), default=True)
    payment_reminder = models.BooleanField(_("payment reminder"), default=True)
    news = models.BooleanField(_("news and announcements"), default=True)
    appeal_replies = models.BooleanField(_("replies to appeals"), default=True)
    e_receipt = models.BooleanField(_("electronic receipt"), default=True)
    quiet_from = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_to = models.TimeField(_("quiet hours to"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.user)

    def wants(self, topic: str | None) -> bool:
        return topic is None or bool(getattr(self, topic))


class Notification(models.Model):
    """One message in the outbox. Rows are never deleted on failure: a failed message keeps its error
    and the time of its next attempt, and the periodic task sends it again."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        DELIVERED = "delivered", _("Delivered")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="notifications")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    template_key = models.CharField(_("template"), max_length=50)
    context = models.JSONField(default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    gateway_id = models.CharField(max_length=100, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return f"{self.channel} → {self.recipient}: {self.template_key} ({self.status})"
