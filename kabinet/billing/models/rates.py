"""What the engine prices with: tariffs, normatives, the key-rate table, penalty rules, due days and
the organisation's billing settings. Tariffs and normatives are edited by hand, so they keep history."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kabinet.billing.rules import keyrates
from kabinet.core.models import Organization
from kabinet.registry.models import Building, Service

PRICE = dict(max_digits=14, decimal_places=4)


class BuildingGroup(models.Model):
    """Buildings of one organisation that share tariffs (say, houses with gas stoves, or without a
    lift): a tariff for the group applies to each of its buildings."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="building_groups")
    name = models.CharField(_("name"), max_length=150)
    buildings = models.ManyToManyField(Building, verbose_name=_("buildings"), related_name="tariff_groups",
                                       blank=True)
    history = HistoricalRecords(m2m_fields=[buildings])

    class Meta:
        ordering = ["organization", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="unique_building_group_name")]
        verbose_name = _("building group")
        verbose_name_plural = _("building groups")

    def __str__(self):
        return self.name

    def clean(self):
        taken = BuildingGroup.objects.filter(organization_id=self.organization_id, name=self.name)
        if self.name and taken.exclude(pk=self.pk).exists():
            raise ValidationError({"name": _("The organisation already has a group with this name.")})


class Tariff(models.Model):
    """The price of a unit of a service (per zone for multi-zone meters), valid from/to a date.

    Scope: the whole organisation, a group of buildings, or one building — the narrowest wins
    (building, then group, then organisation). For area services the price is per m², for fixed
    services it is the monthly amount.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tariffs")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="tariffs")
    zone = models.CharField(_("zone"), max_length=2, blank=True,
                            help_text=_("T1, T2 or T3 for a multi-zone meter; empty for every zone."))
    price = models.DecimalField(_("price"), validators=[MinValueValidator(Decimal(0))], **PRICE)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    building = models.ForeignKey(Building, verbose_name=_("building"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="tariffs",
                                 help_text=_("Only for this building; empty for the whole organisation."))
    building_group = models.ForeignKey(BuildingGroup, verbose_name=_("building group"), null=True, blank=True,
                                       on_delete=models.CASCADE, related_name="tariffs",
                                       help_text=_("Only for the buildings of this group."))
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization", "service", "zone", "valid_from"]
        indexes = [models.Index(fields=["service", "valid_from"])]
        constraints = [models.CheckConstraint(
            condition=models.Q(building__isnull=True) | models.Q(building_group__isnull=True),
            name="tariff_building_or_group")]
        verbose_name = _("tariff")
        verbose_name_plural = _("tariffs")

    def __str__(self):
        return f"{self.service} {self.zone} {self.price} ({self.valid_from:%d.%m.%Y})"

    def clean(self):
        errors = {}
        if self.building_id and self.building_group_id:
            errors["building_group"] = _("A tariff is for one building or for a group of buildings, not both.")
        if self.building_group_id and self.building_group.organization_id != self.organization_id:
            errors["building_group"] = _("The group belongs to another organisation.")
        if self.service_id and self.service.organization_id != self.organization_id:
            errors["service"] = _("The service belongs to another organisation.")
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            errors["valid_to"] = _("The end is before the start.")
        same_start = Tariff.objects.filter(service_id=self.service_id, zone=self.zone, building_id=self.building_id,
                                           building_group_id=self.building_group_id, valid_from=self.valid_from)
        if not errors and same_start.exclude(pk=self.pk).exists():
            errors["valid_from"] = _("A tariff for this service, zone and scope already starts on this day: "
                                     "change that one instead.")
        if errors:
            raise ValidationError(errors)


class Normative(models.Model):
    """A consumption normative (ПП №306): per resident per month, per m² per month, or per m² of the
    building's common property per month (the cap of common-house needs, DOMAIN.md §7)."""

    class Basis(models.TextChoices):
        PER_RESIDENT = "resident", _("Per resident per month")
        PER_AREA = "area", _("Per m² per month")
        PER_COMMON_AREA = "common", _("Per m² of common property per month")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="normatives")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="normatives")
    value = models.DecimalField(_("normative"), max_digits=14, decimal_places=6,
                                validators=[MinValueValidator(Decimal(0))])
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices, default=Basis.PER_RESIDENT)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization", "service", "valid_from"]
        verbose_name = _("normative")
        verbose_name_plural = _("normatives")

    def __str__(self):
        return f"{self.service} {self.value} ({self.valid_from:%d.%m.%Y})"

    def clean(self):
        errors = {}
        if self.service_id and self.service.organization_id != self.organization_id:
            errors["service"] = _("The service belongs to another organisation.")
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            errors["valid_to"] = _("The end is before the start.")
        same_start = Normative.objects.filter(service_id=self.service_id, basis=self.basis, valid_from=self.valid_from)
        if not errors and same_start.exclude(pk=self.pk).exists():
            errors["valid_from"] = _("A normative for this service and basis already starts on this day: "
                                     "change that one instead.")
        if errors:
            raise ValidationError(errors)


class KeyRate(models.Model):
    """The Central Bank key rate from a date on (seeded with the 2016–2026 history)."""

    date = models.DateField(_("effective from"), unique=True)
    rate = models.DecimalField(_("rate, % per year"), max_digits=6, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("key rate")
        verbose_name_plural = _("key rates")

    def __str__(self):
        return f"{self.date:%d.%m.%Y}: {self.rate} %"


class PenaltyRule(models.Model):
    """A moratorium (no penalty), a fixed rate or a cap over a range of days of delay (DOMAIN.md §3)."""

    class Kind(models.TextChoices):
        NONE = keyrates.NO_PENALTY, _("No penalty (moratorium)")
        FIXED = keyrates.FIXED_RATE, _("Fixed rate")
        CAP = keyrates.CAP_RATE, _("The lesser of the rate and the key rate")

    start = models.DateField(_("from"))
    end = models.DateField(_("to"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    rate = models.DecimalField(_("rate, % per year"), max_digits=6, decimal_places=2, null=True, blank=True)
    source = models.CharField(_("legal source"), max_length=255, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["start"]
        verbose_name = _("penalty rule")
        verbose_name_plural = _("penalty rules")

    def __str__(self):
        return f"{self.start:%d.%m.%Y} {self.get_kind_display()}"


class DueDateRule(models.Model):
    """From `valid_from`, payment for a month is due on `day` of the following month (per organisation;
    without rules the law's default applies: the 10th, from 01.03.2026 the 15th)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="due_date_rules")
    valid_from = models.DateField(_("valid from"))
    day = models.PositiveSmallIntegerField(_("day of the following month"),
                                           validators=[MinValueValidator(1), MaxValueValidator(31)])
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization", "valid_from"]
        constraints = [models.UniqueConstraint(fields=["organization", "valid_from"], name="unique_due_date_rule")]
        verbose_name = _("due date rule")
        verbose_name_plural = _("due date rules")

    def __str__(self):
        return f"{self.organization}: {self.day} ({self.valid_from:%d.%m.%Y})"


class BillingSettings(models.Model):
    """The configurable points of ПП 354 for one organisation (DOMAIN.md §1), with the defaults, and
    who computes the charges: Kabinet's engine, or the organisation's own billing (loaded data)."""

    class Mode(models.TextChoices):
        ENGINE = "engine", _("Kabinet computes the charges")
        EXTERNAL = "external", _("Charges are loaded from the organisation's billing")

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="billing_settings")
    mode = models.CharField(_("billing"), max_length=10, choices=Mode.choices, default=Mode.ENGINE)
    max_average_periods = models.PositiveSmallIntegerField(
        _("periods billed by the average"), default=3,
        help_text=_("Without readings, this many periods are billed by the average, then by the normative."))
    failure_multiplier = models.DecimalField(_("multiplier for a failed or unverified meter"), max_digits=5,
                                             decimal_places=2, default=Decimal("1.5"))
    no_meter_k = models.DecimalField(
        _("K without a meter"), max_digits=5, decimal_places=2, default=Decimal("0.5"),
        help_text=_("Formula 4: the increase where a meter could be installed but is absent."))
    limitation_years = models.PositiveSmallIntegerField(_("limitation period, years"), default=3)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")

    def __str__(self):
        return str(self.organization)
