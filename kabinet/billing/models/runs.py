"""Billing runs started from the panel or by the schedule, with their progress and report, and the
organisation's schedule (the close day of the monthly run)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.core.models import Organization


class BillingRun(models.Model):
    """One execution of `run_billing` for an organisation and a period, as a task.

    `done`/`total` count accounts; while the run's transaction is open the live figures are kept in
    the task queue's store (see `kabinet.billing.tasks.live_progress`), the row gets them at the end.
    `scheduled_for` is set (to the period) only for the monthly run, so that it starts once per
    organisation and period.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="billing_runs")
    period = models.DateField(_("period"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(_("accounts done"), default=0)
    total = models.PositiveIntegerField(_("accounts in all"), default=0)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    lines = models.PositiveIntegerField(_("charge lines"), default=0)
    amount = models.DecimalField(_("amount charged"), max_digits=16, decimal_places=2, default=0)
    problems = models.JSONField(_("not charged, by reason"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("started by"))
    scheduled_for = models.DateField(_("monthly run of the period"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "period"])]
        constraints = [
            # NULLs are distinct: manual runs repeat freely, the monthly run happens once per period.
            models.UniqueConstraint(fields=["organization", "scheduled_for"], name="unique_scheduled_billing_run"),
        ]
        verbose_name = _("billing run")
        verbose_name_plural = _("billing runs")

    def __str__(self):
        return f"{self.organization} {self.period:%m.%Y} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class BillingSchedule(models.Model):
    """When the monthly billing run starts for an organisation: on `close_day` of each month, for the
    current month (after the readings cutoff) or for the previous one. Without a close day there is
    no automatic run."""

    class Month(models.TextChoices):
        CURRENT = "current", _("the current month")
        PREVIOUS = "previous", _("the previous month")

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="billing_schedule")
    close_day = models.PositiveSmallIntegerField(
        _("close day"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("Day of the month (1–28) the monthly billing run starts on; empty for no automatic run."))
    month = models.CharField(_("the run bills"), max_length=10, choices=Month.choices, default=Month.CURRENT)

    class Meta:
        verbose_name = _("billing schedule")
        verbose_name_plural = _("billing schedules")

    def __str__(self):
        return f"{self.organization}: {self.close_day or '—'}"
