"""The ledger: billing periods, charge lines with their protocol, payments with their allocation
lines, and penalty lines. Written only by `kabinet.billing.services`, set-wise."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models.balances import money_field
from kabinet.billing.rules import allocation, volumes
from kabinet.core.models import Organization
from kabinet.registry.models import PersonalAccount, Service

VOLUME = dict(max_digits=18, decimal_places=6)


class BillingPeriod(models.Model):
    """A calendar month of one organisation: open, or closed (then nothing in it changes; corrections
    go into a later period as recalculation lines)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="billing_periods")
    period = models.DateField(_("period"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    billed_at = models.DateTimeField(_("billed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        ordering = ["organization", "-period"]
        constraints = [models.UniqueConstraint(fields=["organization", "period"], name="unique_billing_period")]
        verbose_name = _("billing period")
        verbose_name_plural = _("billing periods")

    def __str__(self):
        return f"{self.organization} {self.period:%m.%Y} ({self.get_status_display()})"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class Charge(models.Model):
    """One charge line of an account for a period: volume × tariff = amount, and how it was found.

    `automatic` lines belong to the billing run and are replaced when it runs again; others (manual
    corrections) stay. The protocol is the formula with its numbers, in the organisation's language.
    """

    class Kind(models.TextChoices):
        METERED = volumes.METERED, _("By meter")
        AVERAGE = volumes.AVERAGE, _("By average")
        NORMATIVE = volumes.NORMATIVE, _("By normative")
        RECALCULATION = volumes.RECALCULATION, _("Recalculation")
        AREA = volumes.AREA, _("By area")
        FIXED = volumes.FIXED, _("Fixed amount")
        COMMON = volumes.COMMON, _("Common-house needs")

    account = models.ForeignKey(PersonalAccount, on_delete=models.CASCADE, related_name="charges")
    period = models.DateField(_("period"))
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="charges")
    meter = models.ForeignKey("metering.Meter", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    zone = models.CharField(_("zone"), max_length=2, blank=True)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    volume = models.DecimalField(_("volume"), **VOLUME)
    tariff = models.DecimalField(_("tariff"), max_digits=14, decimal_places=4)
    amount = money_field(_("amount"))
    protocol = models.TextField(_("how it was calculated"), blank=True)
    automatic = models.BooleanField(_("from the billing run"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "period", "service", "zone", "pk"]
        indexes = [models.Index(fields=["account", "period"]), models.Index(fields=["period", "automatic"])]
        verbose_name = _("charge")
        verbose_name_plural = _("charges")

    def __str__(self):
        return f"{self.account} {self.period:%m.%Y} {self.service}: {self.amount}"


class Payment(models.Model):
    """Money received on an account. `paid_on` is the day it was paid (for penalties); `period` is the
    open billing period it is posted in (the month of `paid_on`, or the first open one after it)."""

    account = models.ForeignKey(PersonalAccount, on_delete=models.PROTECT, related_name="payments")
    amount = money_field(_("amount"))
    paid_on = models.DateField(_("paid on"))
    period = models.DateField(_("posted in period"))
    named_period = models.DateField(_("period named by the payer"), null=True, blank=True)
    bill_period = models.DateField(_("period of the bill paid"), null=True, blank=True)
    penalty_amount = money_field(_("paid for penalties"))
    include_time_barred = models.BooleanField(_("time-barred debt may be paid"), default=False)
    source = models.CharField(_("source"), max_length=30)
    external_id = models.CharField(_("external id"), max_length=100, blank=True,
                                   help_text=_("The payment's id at the bank or acquirer: the same id is recorded once."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "paid_on", "pk"]
        indexes = [models.Index(fields=["account", "period"]), models.Index(fields=["account", "external_id"])]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self):
        return f"{self.account} {self.paid_on:%d.%m.%Y}: {self.amount}"


class Allocation(models.Model):
    """A part of a payment applied to a period's service (principal or penalty), or kept as an advance.

    An advance applied later to new charges becomes a negative advance line and principal lines,
    marked with the billing period whose run applied them (`applied_by_run`), so a re-run undoes them.
    """

    class Kind(models.TextChoices):
        PRINCIPAL = allocation.PRINCIPAL, _("Principal")
        PENALTY = allocation.PENALTY, _("Penalty")
        ADVANCE = allocation.ADVANCE, _("Advance")

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="allocations")
    account = models.ForeignKey(PersonalAccount, on_delete=models.CASCADE, related_name="allocations")
    period = models.DateField(_("period paid"), null=True, blank=True)
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = money_field(_("amount"))
    paid_on = models.DateField(_("counts from"))
    applied_by_run = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["payment", "pk"]
        indexes = [models.Index(fields=["account", "period"])]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")

    def __str__(self):
        return f"{self.payment_id} {self.kind} {self.period}: {self.amount}"


class PenaltyCharge(models.Model):
    """Penalty accrued in `period` on the debt of `debt_period` (the change since the last
    calculation: the rate of the calculation day applies to the whole delay, so it may be negative)."""

    account = models.ForeignKey(PersonalAccount, on_delete=models.CASCADE, related_name="penalty_charges")
    period = models.DateField(_("period"))
    debt_period = models.DateField(_("period of the debt"))
    calculated_on = models.DateField(_("calculated on"))
    debt = money_field(_("debt"))
    total = money_field(_("penalty to date"))
    amount = money_field(_("amount"))
    protocol = models.TextField(_("how it was calculated"), blank=True)

    class Meta:
        ordering = ["account", "period", "debt_period"]
        indexes = [models.Index(fields=["account", "period"])]
        verbose_name = _("penalty line")
        verbose_name_plural = _("penalty lines")

    def __str__(self):
        return f"{self.account} {self.period:%m.%Y} ← {self.debt_period:%m.%Y}: {self.amount}"
