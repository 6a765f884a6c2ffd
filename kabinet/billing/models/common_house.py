"""What a billing run found about the common-house needs (ОДН, DOMAIN.md §7) of each building: one row
per organisation, building, service and period, replaced by every run of the period."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kabinet.billing.models.balances import money_field
from kabinet.billing.models.ledger import VOLUME
from kabinet.billing.models.rates import PRICE
from kabinet.core.models import Organization
from kabinet.registry.models import Building, Service


class CommonHouseLoss(models.Model):
    """The house meter's volume of a building, what the premises were charged individually, the common
    volume, the normative cap, what was distributed to the accounts and the excess — the organisation's
    loss (in volume and in roubles at the tariff). Written only by the billing run
    (`kabinet.billing.common_house`)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="common_house_losses")
    building = models.ForeignKey(Building, verbose_name=_("building"), on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="+")
    period = models.DateField(_("period"))
    house_volume = models.DecimalField(_("house meter volume"), **VOLUME)
    individual_volume = models.DecimalField(_("individual volume"), **VOLUME)
    common_volume = models.DecimalField(_("common volume"), **VOLUME)
    normative = models.DecimalField(_("normative per m² of common property"), max_digits=14, decimal_places=6,
                                    null=True, blank=True)
    common_area = models.DecimalField(_("common area, m²"), max_digits=11, decimal_places=2, null=True, blank=True)
    cap_volume = models.DecimalField(_("cap by the normative"), null=True, blank=True, **VOLUME)
    distributed_volume = models.DecimalField(_("distributed volume"), **VOLUME)
    loss_volume = models.DecimalField(_("loss volume"), **VOLUME)
    tariff = models.DecimalField(_("tariff"), **PRICE)
    distributed_amount = money_field(_("distributed amount"))
    loss_amount = money_field(_("loss amount"))
    individual_exceeds_house = models.BooleanField(
        _("individual volume above the house meter"), default=False,
        help_text=_("More was charged to the premises than the house meter counted: check the meters."))
    accounts = models.PositiveIntegerField(_("accounts charged"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "-period", "building"]
        constraints = [models.UniqueConstraint(fields=["organization", "building", "service", "period"],
                                               name="unique_common_house_loss")]
        indexes = [models.Index(fields=["organization", "period"])]
        verbose_name = _("common-house needs of a building")
        verbose_name_plural = _("common-house needs and losses")

    def __str__(self):
        return f"{self.building} {self.service} {self.period:%m.%Y}: {self.loss_amount}"
