"""The registry: buildings, premises, personal accounts (лицевые счета) and the services catalogue."""

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kabinet.core.models import Organization


class Building(models.Model):
    """A house at an address. Shared by every organisation that serves it (a management company and
    an electricity supplier bill the same flat), so that login by address finds all its accounts."""

    settlement = models.CharField(_("settlement"), max_length=150)
    street = models.CharField(_("street"), max_length=150)
    house = models.CharField(_("house"), max_length=30)
    postcode = models.CharField(_("postcode"), max_length=6, blank=True)
    common_area = models.DecimalField(
        _("common area, m²"), max_digits=11, decimal_places=2, null=True, blank=True,
        help_text=_("Area of the common property (stairs, corridors): the cap of common-house needs since 2017."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["settlement", "street", "house"]
        constraints = [
            models.UniqueConstraint(fields=["settlement", "street", "house"], name="unique_building_address")
        ]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self):
        return gettext("%(settlement)s, %(street)s, h. %(house)s") % {
            "settlement": self.settlement, "street": self.street, "house": self.house,
        }


class Premises(models.Model):
    """A flat or a non-residential room in a building."""

    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential")
        NON_RESIDENTIAL = "non_residential", _("Non-residential")

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="premises")
    number = models.CharField(_("flat"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.RESIDENTIAL)
    area = models.DecimalField(_("area, m²"), max_digits=9, decimal_places=2, null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["building", "number"]
        constraints = [models.UniqueConstraint(fields=["building", "number"], name="unique_premises")]
        verbose_name = _("premises")
        verbose_name_plural = _("premises")

    def __str__(self):
        if self.number:
            return gettext("%(building)s, fl. %(number)s") % {"building": self.building, "number": self.number}
        return str(self.building)


class PersonalAccountQuerySet(models.QuerySet):
    def with_address(self):
        return self.select_related("premises__building", "organization")

    def for_lists(self):
        """With address, loading only what lists and cards show: a narrower row is cheaper to build,
        send and turn into objects on the pages that every consumer opens."""
        return self.with_address().only(
            "number", "holder_name", "residents", "area", "is_open", "organization_id", "premises_id",
            "organization__name", "organization__short_name", "organization__path",
            "premises__number", "premises__building__settlement", "premises__building__street",
            "premises__building__house",
        )


class PersonalAccount(models.Model):
    """Лицевой счёт: what a consumer pays on. The number is unique within the organisation; the
    receipt code is a secret printed on the bill, used to prove possession at registration."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="accounts")
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="accounts")
    number = models.CharField(_("account number"), max_length=30)
    holder_name = models.CharField(_("account holder"), max_length=255, blank=True)
    residents = models.PositiveSmallIntegerField(_("residents registered"), default=0)
    owners = models.PositiveSmallIntegerField(_("owners"), default=1)
    area = models.DecimalField(_("area, m²"), max_digits=9, decimal_places=2, null=True, blank=True)
    receipt_code = models.CharField(_("receipt code"), max_length=20)
    is_open = models.BooleanField(_("open"), default=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    e_receipt = models.BooleanField(_("electronic receipt"), default=False)
    history = HistoricalRecords(excluded_fields=["receipt_code"])

    objects = PersonalAccountQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "number"]
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="unique_account_number")]
        indexes = [models.Index(fields=["number"])]
        verbose_name = _("personal account")
        verbose_name_plural = _("personal accounts")

    def __str__(self):
        return self.number

    @property
    def address(self) -> str:
        return str(self.premises)


class Service(models.Model):
    """A housing or utility service an organisation charges for, and who receives the money."""

    class Method(models.TextChoices):
        METERED = "metered", _("By meter")
        AREA = "area", _("By area")
        RESIDENTS = "residents", _("By residents")
        FIXED = "fixed", _("Fixed amount")
        # Wastewater without its own meter (ПП 354 п. 42): the cold and hot water volumes of the period.
        SUM_OF_VOLUMES = "sum", _("Sum of other services' volumes")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="services")
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=150)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    method = models.CharField(_("charged"), max_length=20, choices=Method.choices, default=Method.METERED)
    supplier = models.ForeignKey(
        Organization, verbose_name=_("supplier"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="supplied_services",
        help_text=_("Recipient of the money; the organisation itself if empty."),
    )
    normative = models.DecimalField(_("normative per month"), max_digits=12, decimal_places=6, null=True, blank=True)
    max_average_periods = models.PositiveSmallIntegerField(
        _("periods billed by the average"), null=True, blank=True,
        help_text=_("Without readings, this many periods are billed by the average, then by the normative; "
                    "empty: the organisation's setting (some electricity suppliers use 6)."))
    volume_of = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="+", verbose_name=_("volume of"),
        help_text=_("For a service charged by the sum of volumes (wastewater): the services whose volumes of "
                    "the period are added up, usually cold and hot water."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="unique_service_code")]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self):
        return self.name
