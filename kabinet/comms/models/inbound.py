"""The log of inbound SMS commands and the replies sent to them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.registry.models import PersonalAccount


class InboundSms(models.Model):
    """Every message the SMS gateway delivered to the webhook, with what was answered and why."""

    class Outcome(models.TextChoices):
        OK = "ok", _("Done")
        UNKNOWN_SENDER = "unknown_sender", _("Unknown number")
        INVALID = "invalid", _("Not a command")
        REFUSED = "refused", _("Refused")
        REJECTED = "rejected", _("Readings not accepted")

    phone = models.CharField(_("phone"), max_length=32, db_index=True)
    text = models.TextField(_("text"))
    gateway_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    account = models.ForeignKey(PersonalAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    command = models.CharField(_("command"), max_length=20, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    reply = models.TextField(_("reply"), blank=True)
    reply_notification = models.ForeignKey("comms.Notification", null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("inbound SMS")
        verbose_name_plural = _("inbound SMS")

    def __str__(self):
        return f"{self.phone}: {self.text[:40]}"
