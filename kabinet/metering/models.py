"""Meters (individual on an account, collective on a building), their readings, seals, the
organisation's reading settings and the export log."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kabinet.core.models import Organization
from kabinet.metering import rules
from kabinet.registry.models import Building, PersonalAccount, Service

VOLUME = dict(max_digits=18, decimal_places=6)  # a 9-digit meter with decimals; consumption too

DAY_OF_MONTH = [MinValueValidator(1), MaxValueValidator(31)]


class ReadingSettings(models.Model):
    """How one organisation takes readings: window, cutoff day, limits (DOMAIN.md §1–2).

    One row per organisation, created with the defaults on first use (`services.get_reading_settings`).
    """

    class LimitMode(models.TextChoices):
        CONFIRM = rules.LIMIT_CONFIRM, _("Ask the consumer to confirm, flag for review")
        REFUSE = rules.LIMIT_REFUSE, _("Refuse, send the consumer to the office")

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="reading_settings")
    window_start_day = models.PositiveSmallIntegerField(
        _("submission opens on day"), null=True, blank=True, validators=DAY_OF_MONTH,
        help_text=_("Empty: readings are accepted on any day."),
    )
    window_end_day = models.PositiveSmallIntegerField(
        _("submission closes after day"), null=True, blank=True, validators=DAY_OF_MONTH,
    )
    cutoff_day = models.PositiveSmallIntegerField(
        _("cutoff day"), default=rules.DEFAULT_CUTOFF_DAY, validators=DAY_OF_MONTH,
        help_text=_("Readings taken after this day count for the next period."),
    )
    limit_mode = models.CharField(_("above the limit"), max_length=10, choices=LimitMode.choices,
                                  default=LimitMode.CONFIRM)
    water_limit = models.DecimalField(_("water limit per resident, m³/month"), max_digits=10, decimal_places=3,
                                      null=True, blank=True, default=Decimal("10"))
    electricity_limit = models.DecimalField(_("electricity limit per resident, kWh/month"), max_digits=10,
                                            decimal_places=3, null=True, blank=True, default=Decimal("200"))
    high_factor = models.DecimalField(_("high consumption factor"), max_digits=5, decimal_places=2,
                                      default=rules.DEFAULT_HIGH_FACTOR,
                                      help_text=_("Flag consumption above this many times the 6-month average."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reading settings")
        verbose_name_plural = _("reading settings")

    def __str__(self):
        return str(self.organization)

    @property
    def has_window(self) -> bool:
        return self.window_start_day is not None and self.window_end_day is not None


class ServiceLimit(models.Model):
    """A per-service override of the per-resident monthly limit (empty limit: none for this service)."""

    settings = models.ForeignKey(ReadingSettings, on_delete=models.CASCADE, related_name="service_limits")
    service = models.OneToOneField(Service, on_delete=models.CASCADE, related_name="reading_limit")
    per_resident = models.DecimalField(_("limit per resident per month"), max_digits=10, decimal_places=3,
                                       null=True, blank=True)

    class Meta:
        verbose_name = _("service limit")
        verbose_name_plural = _("service limits")

    def __str__(self):
        return f"{self.service}: {self.per_resident}"


class MeterQuerySet(models.QuerySet):
    def individual(self):
        return self.filter(account__isnull=False)

    def collective(self):
        return self.filter(building__isnull=False)

    def visible_to_consumers(self):
        """Seed 001: collective and unregistered meters never appear in the consumer's list."""
        return self.filter(account__isnull=False, is_registered=True).exclude(status=Meter.Status.RETIRED)

    def accepting_readings(self):
        return self.filter(status=Meter.Status.ACTIVE, is_registered=True)


class Meter(models.Model):
    """A metering device (прибор учёта). Individual: on a personal account; collective (house meter):
    on a building. Exactly one of the two is set. Manual edits are audited (simple-history)."""

    class Resource(models.TextChoices):
        COLD_WATER = "cold_water", _("Cold water")
        HOT_WATER = "hot_water", _("Hot water")
        ELECTRICITY = "electricity", _("Electricity")
        GAS = "gas", _("Gas")
        HEAT = "heat", _("Heat")
        OTHER = "other", _("Other")

    class Zones(models.IntegerChoices):
        SINGLE = 1, _("Single rate (T1)")
        TWO = 2, _("Day / night (T1, T2)")
        THREE = 3, _("Peak / night / half-peak (T1, T2, T3)")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RETIRED = "retired", _("Retired")
        REPLACED = "replaced", _("Replaced")

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="meters")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="meters")
    account = models.ForeignKey(PersonalAccount, on_delete=models.PROTECT, related_name="meters",
                                null=True, blank=True)
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="collective_meters",
                                 null=True, blank=True, help_text=_("Only for a collective (house) meter."))
    resource = models.CharField(_("resource"), max_length=20, choices=Resource.choices, default=Resource.COLD_WATER)
    serial_number = models.CharField(_("serial number"), max_length=50)
    zone_count = models.PositiveSmallIntegerField(_("tariff zones"), choices=Zones.choices, default=Zones.SINGLE)
    digits = models.PositiveSmallIntegerField(_("integer digits"), default=5,
                                              validators=[MinValueValidator(1), MaxValueValidator(9)])
    decimals = models.PositiveSmallIntegerField(_("decimal digits"), default=3,
                                                validators=[MaxValueValidator(4)])
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    verification_due = models.DateField(_("verification due"), null=True, blank=True)
    seal_number = models.CharField(_("seal number"), max_length=50, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    replaced_by = models.ForeignKey("self", verbose_name=_("replaced by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="replaces")
    is_registered = models.BooleanField(_("registered"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    objects = MeterQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "serial_number"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(account__isnull=False, building__isnull=True)
                           | models.Q(account__isnull=True, building__isnull=False)),
                name="meter_on_account_or_building",
            ),
        ]
        indexes = [models.Index(fields=["organization", "serial_number"])]
        verbose_name = _("meter")
        verbose_name_plural = _("meters")

    def __str__(self):
        return f"{self.service} №{self.serial_number}"

    @property
    def is_collective(self) -> bool:
        return self.account_id is None

    @property
    def zones(self) -> tuple[str, ...]:
        return rules.zones_for(self.zone_count)

    def zone_label(self, zone: str) -> str:
        return rules.zone_label(zone, self.zone_count)

    def verification_expired(self, today) -> bool:
        return self.verification_due is not None and self.verification_due < today

    def state(self) -> rules.MeterState:
        return rules.MeterState(
            zone_count=self.zone_count, digits=self.digits, decimals=self.decimals,
            is_active=self.status == self.Status.ACTIVE, is_registered=self.is_registered,
            is_collective=self.is_collective,
        )


class SealRecord(models.Model):
    """One seal put on a meter; the seal history of the meter, newest last."""

    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="seals")
    seal_number = models.CharField(_("seal number"), max_length=50)
    sealed_on = models.DateField(_("sealed on"))
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["meter", "sealed_on", "pk"]
        verbose_name = _("seal")
        verbose_name_plural = _("seals")

    def __str__(self):
        return self.seal_number


class ReadingExport(models.Model):
    """One export of readings for a period; readings it took point to it, so the next export can
    take "only new since the last export"."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="reading_exports")
    period = models.DateField(_("period"))
    only_new = models.BooleanField(_("only new"), default=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("reading export")
        verbose_name_plural = _("reading exports")

    def __str__(self):
        return f"{self.organization} {self.period:%m.%Y} ({self.rows})"


class Reading(models.Model):
    """One value of one zone of a meter, bound to a billing period by the cutoff day.

    `consumption` is from the previous accepted reading of the same meter and zone (with a confirmed
    rollover, 10^digits − previous + value). Flags mark what staff should review; a re-submission in
    the same period supersedes the earlier pending reading, which is kept.
    """

    class Zone(models.TextChoices):
        T1 = rules.T1, "T1"
        T2 = rules.T2, "T2"
        T3 = rules.T3, "T3"

    class Source(models.TextChoices):
        PORTAL = "portal", _("Portal")
        APP = "app", _("Mobile app")
        SMS = "sms", _("SMS")
        STAFF = "staff", _("Staff")
        IMPORT = "import", _("Import")
        ASKUE = "askue", _("Automatic metering (ASKUE)")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        BILLED = "billed", _("Billed")
        SUPERSEDED = "superseded", _("Superseded")

    CONSUMER_SOURCES = (Source.PORTAL, Source.APP, Source.SMS)
    COUNTED = (Status.ACCEPTED, Status.BILLED)  # statuses a previous reading and history are taken from

    meter = models.ForeignKey(Meter, on_delete=models.CASCADE, related_name="readings")
    zone = models.CharField(_("zone"), max_length=2, choices=Zone.choices, default=Zone.T1)
    value = models.DecimalField(_("reading"), **VOLUME)
    consumption = models.DecimalField(_("consumption"), null=True, blank=True, **VOLUME)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                                 help_text=_("The accepted reading the consumption is counted from."))
    taken_on = models.DateField(_("taken on"))
    period = models.DateField(_("period"), help_text=_("First day of the billing month it counts for."))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    reject_reason = models.CharField(_("reason for rejection"), max_length=500, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="submitted_readings")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    flag_over_limit = models.BooleanField(_("above the limit, confirmed"), default=False)
    flag_high = models.BooleanField(_("high against the 6-month average"), default=False)
    flag_zero = models.BooleanField(_("zero for 3+ months"), default=False)
    flag_hot_above_cold = models.BooleanField(_("hot water above cold"), default=False)
    flag_rollover = models.BooleanField(_("rollover"), default=False)
    flag_verification_expired = models.BooleanField(_("verification expired"), default=False)
    export = models.ForeignKey(ReadingExport, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="readings")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    FLAG_FIELDS = ("flag_over_limit", "flag_high", "flag_zero", "flag_hot_above_cold", "flag_rollover",
                   "flag_verification_expired")

    class Meta:
        ordering = ["meter", "zone", "-taken_on", "-pk"]
        indexes = [
            models.Index(fields=["meter", "zone", "status", "taken_on"]),
            models.Index(fields=["period", "status"]),
        ]
        verbose_name = _("reading")
        verbose_name_plural = _("readings")

    def __str__(self):
        return f"{self.meter_id} {self.zone} {self.value} ({self.taken_on})"

    @property
    def flags(self) -> list[str]:
        return [name.removeprefix("flag_") for name in self.FLAG_FIELDS if getattr(self, name)]

    @property
    def needs_review(self) -> bool:
        return self.status == self.Status.NEW and bool(self.flags)
