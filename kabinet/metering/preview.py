"""The readings check shared by `services.preview_readings` and `services.submit_readings`.

Reads only: it gathers the meters' previous readings, history and the period's totals, applies the
pure rules of `rules.py` and returns a ReadingPreview with every error keyed to its entry and field,
the warnings (they only flag readings for staff) and what the consumer must confirm.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.models import Organization
from kabinet.core.money import add_months, parse_period
from kabinet.metering import rules, selectors
from kabinet.metering.models import Meter, Reading, ReadingSettings, ServiceLimit
from kabinet.registry.models import PersonalAccount

MODE_READING = "reading"  # the value on the display
MODE_CONSUMPTION = "consumption"  # the consumption since the last accepted reading (seed 001)
MODES = (MODE_READING, MODE_CONSUMPTION)


class MeteringError(Exception):
    """A refused staff action; the message is shown as is. `issues` details per-zone problems."""

    def __init__(self, message: str, issues: list["Issue"] | None = None):
        super().__init__(message)
        self.message = message
        self.issues = issues or []


class ReadingsRejected(MeteringError):
    """`submit_readings` stored nothing: `preview` holds every error, keyed to its entry and field."""

    def __init__(self, preview: "ReadingPreview"):
        blocking = preview.blocking
        super().__init__(blocking[0].message if blocking else _("The readings were not accepted."), blocking)
        self.preview = preview

    def as_api_errors(self) -> list[dict]:
        return [issue.as_dict() for issue in self.issues]


# --- Entries and the preview -----------------------------------------------------------------------------


@dataclass
class ReadingEntry:
    """One zone of one meter as submitted. `value` is text as typed or a Decimal; `mode` says whether
    it is the reading on the display or the consumption since the last accepted reading."""

    meter: int
    zone: str = rules.T1
    value: str | Decimal | int | None = ""
    mode: str = MODE_READING
    period: dt.date | None = None  # if given, must be the current period (only it can be entered)

    @classmethod
    def coerce(cls, entry) -> "ReadingEntry":
        """From a ReadingEntry or a mapping with keys meter (or meter_id), zone, value, mode."""
        if isinstance(entry, cls):
            return entry
        if isinstance(entry, Mapping):
            meter = entry.get("meter", entry.get("meter_id"))
            if isinstance(meter, Meter):
                meter = meter.pk
            period = entry.get("period")
            if isinstance(period, str):
                try:
                    period = parse_period(period)  # "2026-11", as the API sends it
                except ValueError:
                    period = dt.date.min  # never the current period: reported as a wrong period
            return cls(meter=meter, zone=entry.get("zone") or rules.T1, value=entry.get("value"),
                       mode=entry.get("mode") or MODE_READING, period=period)
        raise TypeError(f"A reading entry is a ReadingEntry or a mapping, not {type(entry).__name__}.")


@dataclass
class Issue:
    """An error, a warning or a needed confirmation.

    `index` is the position of the entry in the submitted list (for the API), `field` the entry's
    field ("meter", "zone", "value", "mode", "period"), None for the whole submission; `meter_id` and `zone`
    let a form show it next to its input (also for a missing zone, which has no entry).
    """

    code: str
    message: str
    index: int | None = None
    field: str | None = None
    meter_id: int | None = None
    zone: str | None = None

    def as_dict(self) -> dict:
        return {"index": self.index, "field": self.field, "code": self.code, "message": self.message}


@dataclass
class ZonePreview:
    """One zone of a meter: the previous accepted reading, the new value and the consumption."""

    index: int
    zone: str
    label: str
    mode: str
    period: dt.date | None = None
    previous: Reading | None = None
    value: Decimal | None = None
    consumption: Decimal | None = None
    rollover: bool = False
    flags: set[str] = field(default_factory=set)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    confirmations: list[Issue] = field(default_factory=list)

    @property
    def previous_value(self) -> Decimal | None:
        return self.previous.value if self.previous else None

    @property
    def previous_date(self) -> dt.date | None:
        return self.previous.taken_on if self.previous else None


@dataclass
class MeterPreview:
    meter: Meter
    zones: list[ZonePreview] = field(default_factory=list)

    @property
    def consumption(self) -> Decimal | None:
        """Σ over zones, None if any zone's consumption is unknown."""
        values = [z.consumption for z in self.zones]
        return None if any(v is None for v in values) else sum(values, Decimal(0))


@dataclass
class ReadingPreview:
    """What `preview_readings` found, and what `submit_readings` would store.

    `errors` block the submission; `confirmations` (codes "limit", "rollover") block it until the
    caller passes confirm_limit / confirm_rollover; `warnings` only flag readings for staff.
    """

    taken_on: dt.date
    meters: list[MeterPreview] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    confirmations: list[Issue] = field(default_factory=list)
    confirmed_limit: bool = False
    confirmed_rollover: bool = False

    @property
    def period(self) -> dt.date | None:
        periods = {z.period for m in self.meters for z in m.zones if z.period}
        return periods.pop() if len(periods) == 1 else None

    @property
    def needs_limit_confirmation(self) -> bool:
        return any(c.code == "limit" for c in self.confirmations)

    @property
    def needs_rollover_confirmation(self) -> bool:
        return any(c.code == "rollover" for c in self.confirmations)

    @property
    def unconfirmed(self) -> list[Issue]:
        return [c for c in self.confirmations
                if not (c.code == "limit" and self.confirmed_limit or c.code == "rollover" and self.confirmed_rollover)]

    @property
    def blocking(self) -> list[Issue]:
        return self.errors + self.unconfirmed

    @property
    def ok(self) -> bool:
        """No errors (confirmations may still be needed)."""
        return not self.errors

    def can_submit(self, *, confirm_limit: bool = False, confirm_rollover: bool = False) -> bool:
        return not self.errors and all(
            (c.code == "limit" and confirm_limit) or (c.code == "rollover" and confirm_rollover)
            for c in self.confirmations
        )

    def errors_by_key(self) -> dict[str, list[str]]:
        """For forms: {"<meter id>:<zone>": [messages]}, "<meter id>" for a meter, "__all__" otherwise."""
        result: dict[str, list[str]] = defaultdict(list)
        for issue in self.blocking:
            if issue.meter_id is not None and issue.zone:
                key = f"{issue.meter_id}:{issue.zone}"
            elif issue.meter_id is not None:
                key = str(issue.meter_id)
            else:
                key = "__all__"
            result[key].append(issue.message)
        return dict(result)

    def as_api_errors(self) -> list[dict]:
        """For the API: [{"index", "field", "code", "message"}], blocking issues only."""
        return [issue.as_dict() for issue in self.blocking]


@dataclass
class Submission:
    """What `submit_readings` stored: the new readings and the pending ones they superseded."""

    preview: ReadingPreview
    readings: list[Reading]
    superseded: list[Reading]

    @property
    def period(self) -> dt.date | None:
        return self.preview.period


# --- Settings ---------------------------------------------------------------------------------------------


def get_reading_settings(organization: Organization) -> ReadingSettings:
    """The organisation's reading settings, created with the defaults on first use."""
    reading_settings, _created = ReadingSettings.objects.get_or_create(organization=organization)
    return reading_settings


def per_resident_limit(meter: Meter, reading_settings: ReadingSettings,
                       overrides: Mapping[int, ServiceLimit]) -> Decimal | None:
    """The per-resident monthly limit for the meter's service: the service's override if any, else the
    organisation's water or electricity limit (seed 001: 10 m³, 200 kWh), else none."""
    if meter.service_id in overrides:
        return overrides[meter.service_id].per_resident
    if meter.resource in (Meter.Resource.COLD_WATER, Meter.Resource.HOT_WATER):
        return reading_settings.water_limit
    if meter.resource == Meter.Resource.ELECTRICITY:
        return reading_settings.electricity_limit
    return None


# --- Scopes -------------------------------------------------------------------------------------------------


def _meters_in_scope(scope) -> QuerySet:
    """A preview scope: a Meter queryset (already scoped by the caller), an account, or accounts."""
    if isinstance(scope, QuerySet) and scope.model is Meter:
        return scope
    if isinstance(scope, PersonalAccount):
        return Meter.objects.visible_to_consumers().filter(account=scope)
    if isinstance(scope, QuerySet) and scope.model is PersonalAccount:
        return Meter.objects.visible_to_consumers().filter(account__in=scope)
    if isinstance(scope, Iterable):
        items = list(scope)
        if all(isinstance(a, PersonalAccount) for a in items):
            return Meter.objects.visible_to_consumers().filter(account__in=[a.pk for a in items])
        if all(isinstance(m, Meter) for m in items):
            return Meter.objects.filter(pk__in=[m.pk for m in items])
    raise TypeError("The scope is a Meter queryset, a PersonalAccount, or accounts.")


def submission_scope(acting_user, source: str, organization: Organization | None) -> QuerySet:
    """Consumers submit for their accounts with the "readings" right; staff, imports and ASKUE for the
    organisations the user serves with the "readings" role (or `organization` for an unattended job)."""
    if source in Reading.CONSUMER_SOURCES:
        if acting_user is None:
            raise ValueError("A consumer submission needs the acting user.")
        return selectors.submittable_meters(acting_user)
    if acting_user is not None:
        return selectors.staff_meters(acting_user)
    if organization is not None and source in (Reading.Source.IMPORT, Reading.Source.ASKUE):
        return Meter.objects.filter(organization__path__startswith=organization.path)
    raise ValueError("A staff submission needs the acting user.")


def meter_ids_of(entries: list[ReadingEntry]) -> list[int]:
    ids = set()
    for entry in entries:
        try:
            ids.add(int(entry.meter))
        except (TypeError, ValueError):
            continue
    return sorted(ids)


def load_meters(scope: QuerySet, ids: list[int]) -> dict[int, Meter]:
    meters = scope.filter(pk__in=ids).select_related("service", "organization", "account", "building")
    return {m.pk: m for m in meters}


def lock_meters(ids: Iterable[int]) -> list[int]:
    """Lock meter rows in pk order (the one lock order, so two submissions cannot deadlock)."""
    return list(Meter.objects.select_for_update().filter(pk__in=list(ids)).order_by("pk").values_list("pk", flat=True))


# --- Preview -------------------------------------------------------------------------------------------------


def preview_readings(scope, entries, *, today: dt.date | None = None, source: str = Reading.Source.PORTAL,
                     confirm_limit: bool = False, confirm_rollover: bool = False) -> ReadingPreview:
    """Check readings without storing anything: step one of the portal's two-step form.

    `scope` is what the entries may refer to: a Meter queryset the caller has scoped (e.g.
    `selectors.submittable_meters(user)`), a PersonalAccount, or accounts. `entries` are ReadingEntry
    objects or mappings {meter, zone, value, mode}. A meter outside the scope is reported like a
    missing one. Returns a ReadingPreview; pass confirm_* to see the preview as it would be after the
    consumer confirmed.
    """
    today = today or timezone.localdate()
    entries = [ReadingEntry.coerce(e) for e in entries]
    meters = load_meters(_meters_in_scope(scope), meter_ids_of(entries))
    return evaluate(meters, entries, today=today, source=source, confirm_limit=confirm_limit,
                     confirm_rollover=confirm_rollover)


def evaluate(meters: dict[int, Meter], entries: list[ReadingEntry], *, today: dt.date, source: str,
              confirm_limit: bool, confirm_rollover: bool) -> ReadingPreview:
    """The validation shared by preview and submit; reads only."""
    by_consumer = source in Reading.CONSUMER_SOURCES
    preview = ReadingPreview(taken_on=today, confirmed_limit=confirm_limit, confirmed_rollover=confirm_rollover)
    if not entries:
        preview.errors.append(Issue("empty", _("Enter at least one reading.")))
        return preview

    # 1. Each entry refers to a meter in scope, in a known mode; group the entries by meter.
    groups: dict[int, list[tuple[int, ReadingEntry]]] = {}
    for index, entry in enumerate(entries):
        meter = meters.get(int_or_none(entry.meter))
        if meter is None:
            preview.errors.append(Issue("meter_not_found", _("No such meter."), index, "meter"))
            continue
        if entry.mode not in MODES:
            preview.errors.append(Issue("mode", _("Choose whether you enter the reading or the consumption."),
                                        index, "mode", meter.pk, entry.zone))
            continue
        groups.setdefault(meter.pk, []).append((index, entry))

    # 2. The meter takes readings, with exactly its zones.
    valid: list[tuple[Meter, int, ReadingEntry]] = []
    for meter_id, items in groups.items():
        meter = meters[meter_id]
        first_index = items[0][0]
        try:
            rules.check_meter_accepts_readings(meter.state(), by_consumer=by_consumer)
        except rules.RuleError as error:
            preview.errors.append(Issue(error.code, error.message, first_index, "meter", meter.pk))
            continue
        unknown, missing, _repeated = rules.check_zones(meter.state(), [e.zone for _i, e in items])
        seen = set()
        for index, entry in items:
            if entry.zone in unknown:
                preview.errors.append(Issue("zone", rules.unknown_zone_message(entry.zone, meter.zone_count),
                                            index, "zone", meter.pk, entry.zone))
            elif entry.zone in seen:
                preview.errors.append(Issue("zone_repeated", _("This zone is entered twice."), index, "zone",
                                            meter.pk, entry.zone))
            else:
                seen.add(entry.zone)
                valid.append((meter, index, entry))
        for zone in missing:
            preview.errors.append(Issue("required", rules.missing_zone_message(zone, meter.zone_count),
                                        first_index, "zone", meter.pk, zone))

    # 3. The organisation's window and the current period, once per organisation.
    organizations = {meters[mid].organization_id: meters[mid].organization for mid in groups}
    settings_by_org = {org_id: get_reading_settings(org) for org_id, org in organizations.items()}
    overrides = {s.service_id: s for s in ServiceLimit.objects.filter(
        service_id__in={meters[mid].service_id for mid in groups})}
    period_by_org: dict[int, dt.date] = {}
    for org_id, reading_settings in settings_by_org.items():
        if by_consumer and reading_settings.has_window:
            opens_on = rules.window_opens_on(today, reading_settings.window_start_day, reading_settings.window_end_day)
            if opens_on is not None:
                preview.errors.append(Issue("window_closed", rules.window_closed_message(
                    reading_settings.window_start_day, reading_settings.window_end_day, opens_on)))
                continue
        period_by_org[org_id] = rules.period_for(today, reading_settings.cutoff_day)
    valid_in_period = []
    for meter, index, entry in valid:
        current = period_by_org.get(meter.organization_id)
        if entry.period is not None and current is not None and entry.period != current:
            preview.errors.append(Issue("period", rules.only_current_period_message(current), index, "period",
                                        meter.pk, entry.zone))
        else:
            valid_in_period.append((meter, index, entry))
    valid = valid_in_period

    # 4. Per zone: parse, previous reading, consumption, rollover.
    previous = selectors.last_accepted_readings([meters[mid] for mid in groups])
    by_meter: dict[int, MeterPreview] = {}
    zone_previews: list[tuple[Meter, ZonePreview]] = []
    for meter, index, entry in valid:
        zp = ZonePreview(index=index, zone=entry.zone, label=meter.zone_label(entry.zone), mode=entry.mode,
                         period=period_by_org.get(meter.organization_id), previous=previous.get((meter.pk, entry.zone)))
        by_meter.setdefault(meter.pk, MeterPreview(meter=meter)).zones.append(zp)
        zone_previews.append((meter, zp))
        try:
            number = rules.parse_value(entry.value, digits=meter.digits, decimals=meter.decimals)
        except rules.RuleError as error:
            _add(preview, zp, "errors", Issue(error.code, error.message, index, "value", meter.pk, entry.zone))
            continue
        prev_value = zp.previous_value
        if entry.mode == MODE_CONSUMPTION:
            if prev_value is None:
                _add(preview, zp, "errors", Issue("no_previous", _(
                    "There is no accepted reading of this meter yet: enter the reading on its display."
                ), index, "value", meter.pk, entry.zone))
                continue
            zp.value, zp.rollover = rules.reading_from_consumption(prev_value, number, meter.digits)
            zp.consumption = number
        else:
            zp.value = number
            if prev_value is not None:
                if rules.is_below_previous(prev_value, number):
                    zp.rollover = True
                    zp.consumption = rules.rollover_consumption(prev_value, number, meter.digits)
                    _add(preview, zp, "confirmations", Issue(
                        "rollover", rules.rollover_confirmation_message(prev_value, number, zp.consumption)
                        if confirm_rollover else rules.below_previous_message(prev_value),
                        index, "value", meter.pk, entry.zone))
                else:
                    zp.consumption = number - prev_value
        if zp.rollover:
            zp.flags.add("rollover")
    preview.meters = list(by_meter.values())

    # 5. Warnings and limits need the history and the period's other readings.
    computed = [(m, zp) for m, zp in zone_previews if zp.consumption is not None and zp.period is not None]
    if computed:
        _check_history(preview, computed, settings_by_org)
        _check_period_totals(preview, computed, settings_by_org, overrides, by_consumer, confirm_limit)
    for meter, zp in zone_previews:
        if meter.verification_expired(today):
            zp.flags.add("verification_expired")
            _add(preview, zp, "warnings", Issue("verification_expired", rules.warning_message(
                "verification_expired", date=meter.verification_due.strftime("%d.%m.%Y")),
                zp.index, "value", meter.pk, zp.zone))
    return preview


def _add(preview: ReadingPreview, zp: ZonePreview, kind: str, issue: Issue) -> None:
    getattr(zp, kind).append(issue)
    getattr(preview, kind).append(issue)


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _check_history(preview, computed, settings_by_org) -> None:
    """Soft warnings against the 6 months before the period: high (k × average) and zero streaks."""
    earliest = min(zp.period for _m, zp in computed)
    rows = Reading.objects.filter(
        meter__in={m.pk for m, _zp in computed}, status__in=Reading.COUNTED,
        period__gte=add_months(earliest, -rules.AVERAGE_MONTHS), consumption__isnull=False,
    ).values_list("meter_id", "zone", "period", "consumption")
    monthly: dict[tuple[int, str], dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for meter_id, zone, period, consumption in rows:
        monthly[(meter_id, zone)][period] += consumption
    for meter, zp in computed:
        by_period = monthly.get((meter.pk, zp.zone), {})
        months = [add_months(zp.period, -i) for i in range(rules.AVERAGE_MONTHS, 0, -1)]
        history = [by_period[p] for p in months if p in by_period]
        factor = settings_by_org[meter.organization_id].high_factor
        if rules.is_high(zp.consumption, history, factor):
            zp.flags.add("high")
            _add(preview, zp, "warnings", Issue("high", rules.warning_message("high", factor=rules.format_volume(factor)),
                                                zp.index, "value", meter.pk, zp.zone))
        streak = [by_period.get(add_months(zp.period, -i)) for i in range(rules.ZERO_STREAK_MONTHS - 1, 0, -1)]
        if None not in streak and rules.is_zero_streak(zp.consumption, streak):
            zp.flags.add("zero")
            _add(preview, zp, "warnings", Issue("zero", rules.warning_message(
                "zero", months=rules.ZERO_STREAK_MONTHS), zp.index, "value", meter.pk, zp.zone))


def _check_period_totals(preview, computed, settings_by_org, overrides, by_consumer, confirm_limit) -> None:
    """Per account and service for the period: the per-resident limit; per account: hot above cold.

    The period's total is this submission plus what is already stored for the period (accepted,
    billed, and pending readings this submission does not supersede).
    """
    individual = [(m, zp) for m, zp in computed if m.account_id]
    if not individual:
        return
    submitted = {(m.pk, zp.zone) for m, zp in individual}
    stored = Reading.objects.filter(
        meter__account__in={m.account_id for m, _zp in individual}, period__in={zp.period for _m, zp in individual},
        status__in=[Reading.Status.NEW, *Reading.COUNTED], consumption__isnull=False,
    ).values_list("meter_id", "zone", "status", "period", "consumption", "meter__account_id", "meter__service_id",
                  "meter__resource")
    by_service: dict[tuple, Decimal] = defaultdict(Decimal)
    by_resource: dict[tuple, Decimal] = defaultdict(Decimal)
    for meter_id, zone, status, period, consumption, account_id, service_id, resource in stored:
        if status == Reading.Status.NEW and (meter_id, zone) in submitted:
            continue  # will be superseded by this submission
        by_service[(account_id, service_id, period)] += consumption
        by_resource[(account_id, resource, period)] += consumption
    groups: dict[tuple, list] = defaultdict(list)
    for meter, zp in individual:
        by_service[(meter.account_id, meter.service_id, zp.period)] += zp.consumption
        by_resource[(meter.account_id, meter.resource, zp.period)] += zp.consumption
        groups[(meter.account_id, meter.service_id, zp.period)].append((meter, zp))

    for key, items in groups.items():
        meter, first = items[0]
        reading_settings = settings_by_org[meter.organization_id]
        per_resident = per_resident_limit(meter, reading_settings, overrides)
        people = rules.resident_count(meter.account.residents, meter.account.owners)
        total = by_service[key]
        unit = meter.service.unit
        mode = reading_settings.limit_mode if by_consumer else rules.LIMIT_CONFIRM
        try:
            outcome = rules.check_limit(total, per_resident=per_resident, people=people, mode=mode, unit=unit,
                                        office_phone=meter.organization.phone)
        except rules.RuleError as error:
            _add(preview, first, "errors", Issue(error.code, error.message, first.index, "value", meter.pk, first.zone))
            continue
        if outcome is None:
            continue
        if by_consumer:
            _add(preview, first, "confirmations", Issue(
                "limit", rules.limit_confirmation_message(total, rules.consumption_limit(per_resident, people), unit),
                first.index, "value", meter.pk, first.zone))
        if confirm_limit or not by_consumer:
            for _m, zp in items:
                zp.flags.add("over_limit")

    hot, cold = Meter.Resource.HOT_WATER, Meter.Resource.COLD_WATER
    for meter, zp in individual:
        if meter.resource not in (hot, cold):
            continue
        hot_total = by_resource.get((meter.account_id, hot, zp.period))
        cold_total = by_resource.get((meter.account_id, cold, zp.period))
        if rules.is_hot_above_cold(hot_total, cold_total):
            zp.flags.add("hot_above_cold")
            if meter.resource == hot:
                _add(preview, zp, "warnings", Issue("hot_above_cold", rules.warning_message("hot_above_cold"),
                                                    zp.index, "value", meter.pk, zp.zone))
