"""Scheduled reminders: the per-organisation settings and the log that makes each reminder
idempotent (one per kind, user, organisation and period)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import Organization

DAY_OF_MONTH = [MinValueValidator(1), MaxValueValidator(31)]


class ReminderSettings(models.Model):
    """When one organisation's consumers are reminded. An organisation without a row has the defaults."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="reminder_settings")
    readings_enabled = models.BooleanField(_("remind to submit readings"), default=True)
    readings_day = models.PositiveSmallIntegerField(
        _("readings reminder day"), default=20, validators=DAY_OF_MONTH,
        help_text=_("Used when readings are accepted on any day; otherwise the reminder goes out on the "
                    "first day of the reading window."))
    payment_enabled = models.BooleanField(_("remind of the payment due date"), default=True)
    payment_days_before = models.PositiveSmallIntegerField(
        _("payment reminder, days before the due date"), default=3, validators=[MaxValueValidator(28)])
    debt_enabled = models.BooleanField(_("send debt warnings"), default=True)
    debt_threshold = models.DecimalField(
        _("debt warning threshold"), max_digits=12, decimal_places=2, default=Decimal("5000.00"),
        help_text=_("Consumers whose debt is above this amount get an official warning after the due date."))
    debt_days_to_pay = models.PositiveSmallIntegerField(
        _("days to pay after a debt warning"), default=20, validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")

    def __str__(self):
        return str(self.organization)


class ReminderLog(models.Model):
    """A reminder sent: at most one per kind, user, organisation and period (a month's first day)."""

    class Kind(models.TextChoices):
        READINGS = "readings", _("Submit readings")
        PAYMENT = "payment", _("Payment due")
        DEBT = "debt", _("Debt warning")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    period = models.DateField(_("period"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["kind", "user", "organization", "period"],
                                               name="unique_reminder_per_period")]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")

    def __str__(self):
        return f"{self.kind} {self.user_id} {self.organization_id} {self.period:%Y-%m}"
