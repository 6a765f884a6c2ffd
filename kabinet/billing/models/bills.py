"""The bill (ЕПД) of an account for a closed period: the PDF as issued and the figures it shows.

An issued bill is never regenerated: what the consumer downloaded once is what they download later,
whatever recalculations come afterwards (those appear on a later period's bill).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models.balances import money_field
from kabinet.comms.storage import private_storage
from kabinet.core.models import Organization
from kabinet.registry.models import PersonalAccount


def bill_path(instance, filename: str) -> str:
    return f"bills/{instance.period:%Y/%m}/{instance.account_id}-{instance.sha256[:16]}.pdf"


class Bill(models.Model):
    account = models.ForeignKey(PersonalAccount, on_delete=models.PROTECT, related_name="bills")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="bills")
    period = models.DateField(_("period"))
    amount_due = money_field(_("amount due"))
    figures = models.JSONField(_("figures"), default=dict, help_text=_("What the bill shows, as issued."))
    qr_payload = models.TextField(_("payment QR"), blank=True)
    pdf = models.FileField(_("PDF"), storage=private_storage, upload_to=bill_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    emailed_at = models.DateTimeField(_("sent by email at"), null=True, blank=True)

    class Meta:
        ordering = ["account", "-period"]
        constraints = [models.UniqueConstraint(fields=["account", "period"], name="unique_bill_period")]
        verbose_name = _("bill")
        verbose_name_plural = _("bills")

    def __str__(self):
        return f"{self.account} {self.period:%m.%Y}"

    @property
    def filename(self) -> str:
        return f"bill-{self.account.number}-{self.period:%Y-%m}.pdf"
