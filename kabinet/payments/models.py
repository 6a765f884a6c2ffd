"""The payment centre: commission rules, payment orders with their lines per account and supplier,
the log of every acquirer callback, and the sandbox acquirer's own payments."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kabinet.billing.models import Payment, money_field
from kabinet.core.models import Organization
from kabinet.registry.models import PersonalAccount


class CommissionRule(models.Model):
    """What an organisation's payments through one acquirer cost (DOMAIN.md §8):
    fee = max(minimum, percent × amount) + fixed, paid by the payer (on top) or by the recipient (kept back)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="commission_rules")
    acquirer = models.CharField(_("acquirer"), max_length=20)
    percent = models.DecimalField(_("percent"), max_digits=6, decimal_places=3, default=0,
                                  help_text=_("E.g. 1.5 for 1.5 %."))
    minimum = money_field(_("minimum fee"))
    fixed = money_field(_("fixed part"))
    payer_pays = models.BooleanField(_("paid by the payer"), default=False,
                                     help_text=_("On: added on top of the payment. Off: kept back from what the recipient gets."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "acquirer"], name="unique_commission_rule")]
        verbose_name = _("commission rule")
        verbose_name_plural = _("commission rules")

    def __str__(self):
        return f"{self.organization}: {self.acquirer} {self.percent}%"


class PaymentOrder(models.Model):
    """One payment a consumer makes at the payment centre, possibly for several accounts and suppliers.

    `amount` goes to the debts (Σ lines), `commission` is the fee, `total` what the payer's card is
    charged (amount + commission when the payer pays it, else amount)."""

    class Status(models.TextChoices):
        # Contexts: Django merges the apps' catalogues, and "Paid" is a column elsewhere.
        CREATED = "created", pgettext_lazy("payment status", "Created")
        PENDING = "pending", _("Awaiting the bank")
        SUCCEEDED = "succeeded", pgettext_lazy("payment status", "Paid")
        FAILED = "failed", _("Not paid")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="payment_orders")
    acquirer = models.CharField(_("acquirer"), max_length=20)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CREATED)
    amount = money_field(_("amount"))
    commission = money_field(_("commission"))
    total = money_field(_("total charged"))
    named_period = models.DateField(_("period named by the payer"), null=True, blank=True)
    external_id = models.CharField(_("id at the acquirer"), max_length=100, blank=True, db_index=True)
    redirect_url = models.URLField(max_length=500, blank=True)
    failure_reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]
        verbose_name = _("payment order")
        verbose_name_plural = _("payment orders")

    def __str__(self):
        return f"{self.uuid} {self.total} {self.status}"


class PaymentOrderLine(models.Model):
    """The part of an order for one account and one supplier: `amount` pays the account's debt to the
    supplier; `commission` is this line's share of the fee; the supplier receives `to_transfer`."""

    order = models.ForeignKey(PaymentOrder, on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(PersonalAccount, on_delete=models.PROTECT, related_name="payment_order_lines")
    supplier = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    amount = money_field(_("amount"))
    commission = money_field(_("commission"))
    to_transfer = money_field(_("to transfer"))
    payment = models.OneToOneField(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="order_line")

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("payment order line")
        verbose_name_plural = _("payment order lines")

    def __str__(self):
        return f"{self.account} → {self.supplier}: {self.amount}"


class CallbackLog(models.Model):
    """Every callback an acquirer sent, with what was done about it."""

    class Outcome(models.TextChoices):
        CREDITED = "credited", _("Credited")
        DUPLICATE = "duplicate", _("Already credited")
        PENDING = "pending", _("Still pending")
        FAILED = "failed", _("Payment failed")
        OUT_OF_ORDER = "out_of_order", _("Ignored: the order is final")
        AMOUNT_MISMATCH = "amount_mismatch", _("Refused: amount differs")
        UNKNOWN_ORDER = "unknown_order", _("Refused: unknown payment")
        REJECTED = "rejected", _("Refused: not verified")

    acquirer = models.CharField(max_length=20)
    order = models.ForeignKey(PaymentOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.CharField(max_length=255, blank=True)
    body = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("acquirer callback")
        verbose_name_plural = _("acquirer callbacks")

    def __str__(self):
        return f"{self.acquirer} {self.received_at:%Y-%m-%d %H:%M:%S}: {self.outcome}"


class SandboxPayment(models.Model):
    """A payment at the built-in sandbox acquirer (its own state, as a real bank keeps its own)."""

    token = models.CharField(max_length=64, unique=True)
    order_id = models.CharField(max_length=64)
    amount = money_field(_("amount"))
    description = models.CharField(max_length=255)
    return_url = models.URLField(max_length=500)
    callback_url = models.URLField(max_length=500)
    status = models.CharField(max_length=10, default="new")  # new, pending, succeeded, failed
    card_last4 = models.CharField(max_length=4, blank=True)
    succeed_after = models.DateTimeField(null=True, blank=True)  # "pending then success" cards
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.token} {self.amount} {self.status}"
