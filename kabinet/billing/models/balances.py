"""Billing: balances per account per period. The engine (charges, payments, penalties) builds on them."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.registry.models import PersonalAccount

ZERO = Decimal("0.00")


def money_field(label):
    return models.DecimalField(label, max_digits=14, decimal_places=2, default=ZERO)


class Balance(models.Model):
    """The state of an account for one billing period (a calendar month, stored as its first day).

    closing = opening + charged + recalculated + penalty − paid; positive is a debt, negative an
    overpayment (advance).
    """

    account = models.ForeignKey(PersonalAccount, on_delete=models.CASCADE, related_name="balances")
    period = models.DateField(_("period"))
    opening = money_field(_("opening balance"))
    charged = money_field(_("charged"))
    recalculated = money_field(_("recalculated"))
    paid = money_field(_("paid"))
    penalty = money_field(_("penalty"))
    closing = money_field(_("closing balance"))

    class Meta:
        ordering = ["account", "-period"]
        constraints = [models.UniqueConstraint(fields=["account", "period"], name="unique_balance_period")]
        verbose_name = _("balance")
        verbose_name_plural = _("balances")

    def __str__(self):
        return f"{self.account} {self.period:%Y-%m}: {self.closing}"

    def save(self, *args, **kwargs):
        self.closing = self.compute_closing()
        super().save(*args, **kwargs)

    def compute_closing(self) -> Decimal:
        return self.opening + self.charged + self.recalculated + self.penalty - self.paid
