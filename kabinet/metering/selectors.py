"""Reads of meters and readings, each through one access path.

Consumers: `accounts.services.linked_accounts(user, right)` ("readings" to submit, "view" to look).
Staff: `core.tenancy.staff_organizations(user, "readings")`. Another tenant's meter is simply absent,
exactly like a missing one, so callers answer 404 for both.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from kabinet.accounts.services import linked_accounts
from kabinet.core.roles import Role
from kabinet.core.tenancy import staff_organizations
from kabinet.metering import rules
from kabinet.metering.models import Meter, Reading, ReadingExport, ReadingSettings
from kabinet.registry.models import Premises

# --- Consumers ----------------------------------------------------------------------------------------


def consumer_meters(user, right: str = "view"):
    """Meters a consumer may see (`right="view"`) or submit readings for (`right="readings"`):
    individual, registered, active meters of their linked accounts. Collective and unregistered
    meters never appear (seed 001)."""
    return Meter.objects.visible_to_consumers().filter(account__in=linked_accounts(user, right))


def submittable_meters(user):
    """The meters `submit_readings` accepts from this consumer: the scope of the portal, app and SMS."""
    return consumer_meters(user, "readings")


def consumer_history_meters(user, right: str = "view"):
    """Meters whose page and history a consumer may open: the registered meters of their linked
    accounts, replaced and retired ones included (so the history of an old meter stays readable).
    Collective and unregistered meters never."""
    return Meter.objects.filter(account__in=linked_accounts(user, right), is_registered=True)


def consumer_meter(user, meter_id, right: str = "view") -> Meter | None:
    """One meter of `consumer_history_meters` for its page and history; None → 404."""
    try:
        meter_id = int(meter_id)
    except (TypeError, ValueError):
        return None
    return (
        consumer_history_meters(user, right).filter(pk=meter_id)
        .select_related("service", "account__premises__building", "organization")
        .first()
    )


@dataclass
class ZoneCard:
    """One zone of a meter on the readings page: the last accepted reading and the pending one."""

    zone: str
    label: str
    last: Reading | None = None  # last accepted (or billed) reading
    pending: Reading | None = None  # submitted, not yet reviewed


@dataclass
class MeterCard:
    meter: Meter
    zones: list[ZoneCard]
    can_submit: bool  # the user has the "readings" right on the account and the window is open
    window_opens_on: dt.date | None  # when submission opens, if the window is closed now
    period: dt.date  # the period a reading submitted today counts for
    verification_expired: bool

    @property
    def account(self):
        return self.meter.account


@dataclass
class AddressGroup:
    """The meters at one address (a flat), across the consumer's accounts and organisations."""

    premises: Premises
    meters: list[MeterCard] = field(default_factory=list)

    @property
    def address(self) -> str:
        return str(self.premises)


def consumer_meter_groups(user, *, today: dt.date | None = None) -> list[AddressGroup]:
    """The readings page: the consumer's meters grouped by address, with the last accepted reading
    and the pending one per zone, and whether the user may submit now. Five queries, whatever the
    number of meters (asserted in tests)."""
    today = today or timezone.localdate()
    meters = list(
        consumer_meters(user, "view")
        .select_related("service", "organization", "account__premises__building")
        .order_by("account__premises__building__settlement", "account__premises__building__street",
                  "account__premises__building__house", "account__premises__number", "service__name",
                  "serial_number", "pk")
    )
    if not meters:
        return []
    submit_accounts = set(linked_accounts(user, "readings").values_list("pk", flat=True))
    last = last_accepted_readings(meters)
    pending = pending_readings(meters)
    settings = settings_for({m.organization_id for m in meters})
    groups: dict[int, AddressGroup] = {}
    for meter in meters:
        reading_settings = settings[meter.organization_id]
        opens_on = rules.window_opens_on(today, reading_settings.window_start_day, reading_settings.window_end_day)
        card = MeterCard(
            meter=meter,
            zones=[ZoneCard(zone=z, label=meter.zone_label(z), last=last.get((meter.pk, z)),
                            pending=pending.get((meter.pk, z))) for z in meter.zones],
            can_submit=meter.account_id in submit_accounts and opens_on is None,
            window_opens_on=opens_on,
            period=rules.period_for(today, reading_settings.cutoff_day),
            verification_expired=meter.verification_expired(today),
        )
        premises = meter.account.premises
        groups.setdefault(premises.pk, AddressGroup(premises=premises)).meters.append(card)
    return list(groups.values())


def last_accepted_readings(meters) -> dict[tuple[int, str], Reading]:
    """{(meter id, zone): the latest accepted or billed reading}, in one query."""
    meter_ids = [m.pk for m in meters]
    latest = (
        Reading.objects.filter(meter=OuterRef("meter"), zone=OuterRef("zone"), status__in=Reading.COUNTED)
        .order_by("-taken_on", "-pk").values("pk")[:1]
    )
    readings = Reading.objects.filter(meter__in=meter_ids, status__in=Reading.COUNTED, pk=Subquery(latest))
    return {(r.meter_id, r.zone): r for r in readings}


def pending_readings(meters) -> dict[tuple[int, str], Reading]:
    """{(meter id, zone): the latest reading waiting for review (status new)}, in one query."""
    readings = Reading.objects.filter(meter__in=[m.pk for m in meters], status=Reading.Status.NEW) \
        .order_by("taken_on", "pk")
    return {(r.meter_id, r.zone): r for r in readings}  # later ones overwrite earlier ones


def reading_history(meter: Meter, *, period: dt.date | None = None, period_from: dt.date | None = None,
                    period_to: dt.date | None = None, statuses=None):
    """Every reading of one (already access-checked) meter, newest first, optionally for one period
    or a range of periods (first days of months). Rejected ones carry `reject_reason` for the consumer."""
    readings = Reading.objects.filter(meter=meter).select_related("submitted_by")
    if period is not None:
        readings = readings.filter(period=period)
    if period_from is not None:
        readings = readings.filter(period__gte=period_from)
    if period_to is not None:
        readings = readings.filter(period__lte=period_to)
    if statuses:
        readings = readings.filter(status__in=list(statuses))
    return readings.order_by("-period", "-taken_on", "-pk", "zone")


def settings_for(organization_ids) -> dict[int, ReadingSettings]:
    """Reading settings per organisation in one query; defaults (unsaved) where none were made yet."""
    found = {s.organization_id: s for s in ReadingSettings.objects.filter(organization_id__in=list(organization_ids))}
    return {org_id: found.get(org_id) or ReadingSettings(organization_id=org_id) for org_id in organization_ids}


# --- Staff ---------------------------------------------------------------------------------------------


def staff_meters(user, role: str = Role.READINGS):
    """Meters of the organisations the user serves as staff with `role` (sub-organisations included)."""
    return Meter.objects.filter(organization__in=staff_organizations(user, role))


def staff_meter(user, meter_id, role: str = Role.READINGS) -> Meter | None:
    try:
        meter_id = int(meter_id)
    except (TypeError, ValueError):
        return None
    return staff_meters(user, role).filter(pk=meter_id).first()


def staff_readings(user, *, period=None, building=None, service=None, source=None, status=None,
                   flagged: bool | None = None, organization=None, account=None):
    """The staff review list: readings of the user's organisations, newest first, with filters.

    Filters take model instances or ids; `status` and `source` a value or a list of values;
    `flagged=True` keeps readings with any review flag (over limit, high, zero, hot above cold,
    rollover, verification expired). The building filter covers individual meters in the building
    and its collective meters.
    """
    readings = Reading.objects.filter(meter__organization__in=staff_organizations(user, Role.READINGS))
    if period is not None:
        readings = readings.filter(period=period)
    if organization is not None:
        readings = readings.filter(meter__organization=organization)
    if building is not None:
        readings = readings.filter(Q(meter__account__premises__building=building) | Q(meter__building=building))
    if service is not None:
        readings = readings.filter(meter__service=service)
    if account is not None:
        readings = readings.filter(meter__account=account)
    if source:
        readings = readings.filter(source__in=[source] if isinstance(source, str) else list(source))
    if status:
        readings = readings.filter(status__in=[status] if isinstance(status, str) else list(status))
    if flagged is not None:
        any_flag = Q()
        for name in Reading.FLAG_FIELDS:
            any_flag |= Q(**{name: True})
        readings = readings.filter(any_flag) if flagged else readings.exclude(any_flag)
    return readings.select_related(
        "meter__service", "meter__account__premises__building", "meter__building", "meter__organization",
        "submitted_by",
    ).order_by("-created_at", "-pk")


EXPORT_STATUSES = (Reading.Status.NEW, Reading.Status.ACCEPTED, Reading.Status.BILLED)

EXPORT_COLUMNS = ("account", "address", "service", "meter", "zone", "taken_on", "period", "value", "consumption",
                  "source", "status", "flags", "reading_id")


def export_queryset(organization, period: dt.date, *, only_new: bool = False):
    """Readings of one organisation (and its sub-organisations) for a period that an export takes:
    new, accepted and billed; with `only_new`, only those no earlier export took."""
    readings = Reading.objects.filter(
        meter__organization__path__startswith=organization.path, period=period, status__in=EXPORT_STATUSES,
    )
    if only_new:
        readings = readings.filter(export__isnull=True)
    return readings.select_related("meter__service", "meter__account__premises__building", "meter__building") \
        .order_by("meter__account__number", "meter__serial_number", "meter_id", "zone", "taken_on", "pk")


def export_rows(readings) -> list[dict]:
    """Plain rows (EXPORT_COLUMNS) for CSV/XLSX writers, from `export_queryset`."""
    rows = []
    for r in readings:
        meter = r.meter
        rows.append({
            "account": meter.account.number if meter.account_id else "",
            "address": str(meter.account.premises) if meter.account_id else str(meter.building),
            "service": meter.service.code,
            "meter": meter.serial_number,
            "zone": r.zone,
            "taken_on": r.taken_on,
            "period": r.period,
            "value": r.value,
            "consumption": r.consumption,
            "source": r.source,
            "status": r.status,
            "flags": ",".join(r.flags),
            "reading_id": r.pk,
        })
    return rows


def last_export(organization, period: dt.date) -> ReadingExport | None:
    return ReadingExport.objects.filter(organization=organization, period=period).first()
