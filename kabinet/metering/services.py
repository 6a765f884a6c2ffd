"""Actions that write meters and readings. Each is one transaction with an audit trail
(django-simple-history records who changed what); the portal, the app, the SMS channel, imports,
the panel and the API all call these same functions.

Readings go in two steps: `preview_readings` (nothing is written) shows the previous reading, the
consumption, warnings and what needs confirmation; `submit_readings` validates the same way under row
locks and stores everything or nothing.
"""

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kabinet.core.models import Organization
from kabinet.core.roles import Role
from kabinet.core.tenancy import staff_organizations
from kabinet.metering import rules, selectors
from kabinet.metering.models import Meter, Reading, ReadingExport, SealRecord, ServiceLimit
from kabinet.metering.preview import (  # noqa: F401  (re-exported: the public API of readings lives here)
    MODE_CONSUMPTION,
    MODE_READING,
    MODES,
    Issue,
    MeteringError,
    MeterPreview,
    ReadingEntry,
    ReadingPreview,
    ReadingsRejected,
    Submission,
    ZonePreview,
    evaluate,
    get_reading_settings,
    int_or_none,
    load_meters,
    lock_meters,
    meter_ids_of,
    per_resident_limit,
    preview_readings,
    submission_scope,
)
from kabinet.registry.models import PersonalAccount

# --- Submit -----------------------------------------------------------------------------------------------------


def submit_readings(entries, *, acting_user, source: str, confirm_limit: bool = False,
                    confirm_rollover: bool = False, today: dt.date | None = None,
                    organization: Organization | None = None, accept: bool = False) -> Submission:
    """Store readings, all or nothing: any error (or a needed confirmation not given) raises
    ReadingsRejected with the preview and stores nothing.

    The meters are locked in pk order first, so two concurrent submissions for one meter run one
    after the other; a pending (new) reading of the same meter, zone and period is marked superseded
    (both stay in the history). Entries may mix reading and consumption modes and give values as text
    or Decimal. Scope: consumer sources (portal, app, sms) → the acting user's meters with the
    "readings" right; staff, import, askue → the user's organisations with the "readings" role (an
    unattended import/askue job passes `organization` and no user). `accept=True` (staff) stores them
    accepted. Returns a Submission.
    """
    today = today or timezone.localdate()
    entries = [ReadingEntry.coerce(e) for e in entries]
    with transaction.atomic():
        scope = submission_scope(acting_user, source, organization)
        in_scope = list(scope.filter(pk__in=meter_ids_of(entries)).values_list("pk", flat=True))
        lock_meters(in_scope)
        meters = load_meters(Meter.objects.all(), in_scope)
        preview = evaluate(meters, entries, today=today, source=source, confirm_limit=confirm_limit,
                            confirm_rollover=confirm_rollover)
        if preview.blocking:
            raise ReadingsRejected(preview)
        created, superseded = [], []
        now = timezone.now()
        for meter_preview in preview.meters:
            meter = meter_preview.meter
            for zp in meter_preview.zones:
                pending = Reading.objects.filter(meter=meter, zone=zp.zone, period=zp.period,
                                                 status=Reading.Status.NEW)
                for old in pending:
                    old.status = Reading.Status.SUPERSEDED
                    _save(old, acting_user, "superseded by a new submission")
                    superseded.append(old)
                reading = Reading(
                    meter=meter, zone=zp.zone, value=zp.value, consumption=zp.consumption, previous=zp.previous,
                    taken_on=today, period=zp.period, source=source, submitted_by=acting_user,
                    status=Reading.Status.ACCEPTED if accept else Reading.Status.NEW,
                    reviewed_by=acting_user if accept else None, reviewed_at=now if accept else None,
                    **{f"flag_{flag}": True for flag in zp.flags},
                )
                _save(reading, acting_user, f"submitted ({source})")
                created.append(reading)
    return Submission(preview=preview, readings=created, superseded=superseded)


def _save(obj, acting_user, reason: str, **kwargs) -> None:
    """Save with the acting user and a reason in the audit trail (simple-history)."""
    obj._history_user = acting_user
    obj._change_reason = reason
    obj.save(**kwargs)


def entries_for_account(account: PersonalAccount, values: list, *, mode: str = MODE_READING) -> list[ReadingEntry]:
    """For the SMS channel: an account number and values in order → entries.

    The values go to the account's consumer-visible meters ordered by service name, serial number,
    and within a meter by zone (T1, T2, T3). Raises MeteringError if the count does not match.
    """
    meters = list(Meter.objects.visible_to_consumers().filter(account=account)
                  .select_related("service").order_by("service__name", "serial_number", "pk"))
    slots = [(meter, zone) for meter in meters for zone in meter.zones]
    if len(values) != len(slots):
        raise MeteringError(_(
            "Account %(number)s needs these values, in this order: %(order)s (%(expected)s in all). "
            "You sent %(sent)s."
        ) % {"number": account.number, "expected": len(slots), "sent": len(values),
             "order": "; ".join(f"{m.service} №{m.serial_number} {z}" for m, z in slots) or "—"})
    return [ReadingEntry(meter=m.pk, zone=z, value=v, mode=mode) for (m, z), v in zip(slots, values, strict=True)]


# --- Staff ---------------------------------------------------------------------------------------------------------


def _not_found() -> MeteringError:
    return MeteringError(_("No such meter or reading."))


def _staff_reading(acting_user, reading) -> Reading:
    """The reading if the user is staff of its organisation with the "readings" role, locked with its meter."""
    reading_id = reading.pk if isinstance(reading, Reading) else int_or_none(reading)
    found = Reading.objects.filter(pk=reading_id, meter__organization__in=staff_organizations(
        acting_user, Role.READINGS)).values_list("meter_id", flat=True).first()
    if found is None:
        raise _not_found()
    lock_meters([found])
    return Reading.objects.select_for_update().select_related("meter").get(pk=reading_id)


def _staff_meter(acting_user, meter, role: str = Role.MANUAL_EDITING) -> Meter:
    """The meter, locked, if the user is staff of its organisation with `role` (by default
    "manual editing": changing meters is manual editing of data, seed 003)."""
    meter_id = meter.pk if isinstance(meter, Meter) else int_or_none(meter)
    if not selectors.staff_meters(acting_user, role).filter(pk=meter_id).exists():
        raise _not_found()
    lock_meters([meter_id])
    return Meter.objects.select_related("organization", "service", "account").get(pk=meter_id)


@transaction.atomic
def accept_reading(reading, *, acting_user) -> Reading:
    """Staff accept a new reading. The consumption is recounted from the previous accepted reading
    (one may have been accepted since the submission)."""
    reading = _staff_reading(acting_user, reading)
    if reading.status != Reading.Status.NEW:
        raise MeteringError(_("Only a new reading can be accepted."))
    previous = (Reading.objects.filter(meter=reading.meter_id, zone=reading.zone, status__in=Reading.COUNTED,
                                       taken_on__lte=reading.taken_on).exclude(pk=reading.pk)
                .order_by("-taken_on", "-pk").first())
    if previous is not None:
        try:
            reading.consumption = rules.consumption_between(previous.value, reading.value, reading.meter.digits,
                                                            rollover=reading.flag_rollover)
        except rules.RuleError as error:
            raise MeteringError(error.message) from None
    reading.previous = previous
    reading.status = Reading.Status.ACCEPTED
    reading.reviewed_by = acting_user
    reading.reviewed_at = timezone.now()
    _save(reading, acting_user, "accepted")
    return reading


@transaction.atomic
def reject_reading(reading, reason: str, *, acting_user) -> Reading:
    """Staff reject a new or accepted (not yet billed) reading; the consumer sees the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise MeteringError(_("Give the reason: the consumer will see it."))
    reading = _staff_reading(acting_user, reading)
    if reading.status not in (Reading.Status.NEW, Reading.Status.ACCEPTED):
        raise MeteringError(_("Only a new or accepted reading that is not billed yet can be rejected."))
    reading.status = Reading.Status.REJECTED
    reading.reject_reason = reason[:500]
    reading.reviewed_by = acting_user
    reading.reviewed_at = timezone.now()
    _save(reading, acting_user, "rejected")
    return reading


def _zone_values(values) -> list[tuple[str, object]]:
    """{zone: value} or values in zone order → [(zone, value)]."""
    if isinstance(values, Mapping):
        return list(values.items())
    values = list(values) if isinstance(values, list | tuple) else [values]
    return [(f"T{i}", value) for i, value in enumerate(values, start=1)]


def enter_reading_for_consumer(meter, values, *, acting_user, mode: str = MODE_READING,
                               confirm_rollover: bool = False, today: dt.date | None = None) -> Submission:
    """Staff enter a consumer's reading (at the office, by phone): source "staff", stored accepted.

    `values` is {zone: value} or the values in zone order (one value for a single-rate meter).
    Raises ReadingsRejected like submit_readings (limits only flag, the window does not apply).
    """
    meter_id = meter.pk if isinstance(meter, Meter) else meter
    entries = [ReadingEntry(meter=meter_id, zone=z, value=v, mode=mode) for z, v in _zone_values(values)]
    return submit_readings(entries, acting_user=acting_user, source=Reading.Source.STAFF, confirm_limit=True,
                           confirm_rollover=confirm_rollover, today=today, accept=True)


def _baseline_readings(meter: Meter, values, *, day: dt.date, acting_user, final: bool,
                       confirm_rollover: bool = False) -> list[Reading]:
    """Accepted readings without the consumer checks: the final reading of a replaced or retired meter
    (not below the previous one, unless a confirmed rollover) or the initial one of a new meter."""
    period = rules.period_for(day, get_reading_settings(meter.organization).cutoff_day)
    pairs = _zone_values(values)
    unknown, missing, _repeated = rules.check_zones(meter.state(), [z for z, _v in pairs])
    issues = [Issue("zone", rules.unknown_zone_message(z, meter.zone_count), i, "zone", meter.pk, z)
              for i, (z, _v) in enumerate(pairs) if z in unknown]
    issues += [Issue("required", rules.missing_zone_message(z, meter.zone_count), None, "zone", meter.pk, z)
               for z in missing]
    previous = selectors.last_accepted_readings([meter]) if final else {}
    parsed = []
    for index, (zone, raw) in enumerate(pairs):
        if zone in unknown:
            continue
        try:
            value = rules.parse_value(raw, digits=meter.digits, decimals=meter.decimals)
            prev = previous.get((meter.pk, zone))
            consumption = None
            if prev is not None:
                consumption = rules.consumption_between(prev.value, value, meter.digits, rollover=confirm_rollover)
            parsed.append((zone, value, prev, consumption))
        except rules.RuleError as error:
            issues.append(Issue(error.code, error.message, index, "value", meter.pk, zone))
    if issues:
        raise MeteringError(issues[0].message, issues)
    now = timezone.now()
    created = []
    for zone, value, prev, consumption in parsed:
        for old in Reading.objects.filter(meter=meter, zone=zone, period=period, status=Reading.Status.NEW):
            old.status = Reading.Status.SUPERSEDED
            _save(old, acting_user, "superseded by the final reading")
        reading = Reading(meter=meter, zone=zone, value=value, consumption=consumption, previous=prev, taken_on=day,
                          period=period, source=Reading.Source.STAFF, status=Reading.Status.ACCEPTED,
                          submitted_by=acting_user, reviewed_by=acting_user, reviewed_at=now,
                          flag_rollover=bool(prev and value < prev.value))
        _save(reading, acting_user, "final reading" if final else "initial reading")
        created.append(reading)
    return created


@transaction.atomic
def replace_meter(meter, *, acting_user, final_values, serial_number: str, initial_values=None,
                  replaced_on: dt.date | None = None, zone_count: int | None = None, digits: int | None = None,
                  decimals: int | None = None, verification_due: dt.date | None = None, seal_number: str = "",
                  confirm_rollover: bool = False) -> Meter:
    """Replace a meter: the old meter's final reading and the new meter's initial reading (both
    accepted, source staff), the old meter becomes "replaced" with `replaced_by` set. The new meter
    takes the old one's place (account or building, service, resource) and, unless given, its zones
    and digits. `initial_values` default to zero in every zone. Returns the new meter.
    Raises MeteringError (with `issues`) if a value is wrong."""
    old = _staff_meter(acting_user, meter)
    if old.status != Meter.Status.ACTIVE:
        raise MeteringError(_("Only an active meter can be replaced."))
    serial_number = (serial_number or "").strip()
    if not serial_number:
        raise MeteringError(_("Enter the serial number of the new meter."))
    day = replaced_on or timezone.localdate()
    _baseline_readings(old, final_values, day=day, acting_user=acting_user, final=True,
                       confirm_rollover=confirm_rollover)
    new = Meter(
        organization=old.organization, service=old.service, account=old.account, building=old.building,
        resource=old.resource, serial_number=serial_number, zone_count=zone_count or old.zone_count,
        digits=digits or old.digits, decimals=old.decimals if decimals is None else decimals, installed_on=day,
        verification_due=verification_due, seal_number=seal_number, is_registered=True,
    )
    _save(new, acting_user, f"installed instead of {old.serial_number}")
    if initial_values is None:
        initial_values = {zone: "0" for zone in new.zones}
    _baseline_readings(new, initial_values, day=day, acting_user=acting_user, final=False)
    if seal_number:
        SealRecord.objects.create(meter=new, seal_number=seal_number, sealed_on=day, set_by=acting_user)
    old.status = Meter.Status.REPLACED
    old.replaced_by = new
    old.retired_on = day
    _save(old, acting_user, f"replaced by {serial_number}")
    return new


@transaction.atomic
def retire_meter(meter, *, acting_user, retired_on: dt.date | None = None, final_values=None,
                 reason: str = "") -> Meter:
    """Take a meter out of use (removed, failed): it stops taking readings and leaves the consumer's
    list. With `final_values`, its final reading is stored first."""
    meter = _staff_meter(acting_user, meter)
    if meter.status != Meter.Status.ACTIVE:
        raise MeteringError(_("The meter is already out of use."))
    day = retired_on or timezone.localdate()
    if final_values is not None:
        _baseline_readings(meter, final_values, day=day, acting_user=acting_user, final=True)
    meter.status = Meter.Status.RETIRED
    meter.retired_on = day
    _save(meter, acting_user, reason or "retired")
    return meter


@transaction.atomic
def set_seal(meter, seal_number: str, *, acting_user, sealed_on: dt.date | None = None, note: str = "") -> SealRecord:
    """Record a new seal on a meter; the previous seal is closed on the same day (seal history)."""
    seal_number = (seal_number or "").strip()
    if not seal_number:
        raise MeteringError(_("Enter the seal number."))
    meter = _staff_meter(acting_user, meter)
    day = sealed_on or timezone.localdate()
    SealRecord.objects.filter(meter=meter, removed_on__isnull=True).update(removed_on=day)
    record = SealRecord.objects.create(meter=meter, seal_number=seal_number, sealed_on=day, note=note[:255],
                                       set_by=acting_user)
    meter.seal_number = seal_number
    _save(meter, acting_user, "new seal")
    return record


@transaction.atomic
def export_readings(organization: Organization, period: dt.date, *, acting_user,
                    only_new: bool = True) -> tuple[ReadingExport, list[dict]]:
    """Export a period's readings (new, accepted, billed) of an organisation and its sub-organisations,
    logged; with `only_new`, only readings no earlier export took. Returns (log, rows) — rows as
    `selectors.export_rows` gives them, for a CSV or XLSX writer."""
    if not staff_organizations(acting_user, Role.READINGS).filter(pk=organization.pk).exists():
        raise MeteringError(_("No such organisation."))
    # One export at a time per organisation, so two cannot take the same "new" readings.
    Organization.objects.select_for_update().filter(pk=organization.pk).values_list("pk", flat=True).first()
    readings = list(selectors.export_queryset(organization, period, only_new=only_new))
    log = ReadingExport.objects.create(organization=organization, period=period, only_new=only_new,
                                       rows=len(readings), created_by=acting_user)
    Reading.objects.filter(pk__in=[r.pk for r in readings], export__isnull=True).update(export=log)
    return log, selectors.export_rows(readings)


# --- Meters and reading settings (the staff panel's manual editing) ----------------------------------------------

METER_EDITABLE_FIELDS = ("serial_number", "resource", "zone_count", "digits", "decimals", "installed_on",
                         "verification_due", "is_registered")


def _field_error(field_name: str, message: str) -> MeteringError:
    return MeteringError(message, [Issue("invalid", message, None, field_name)])


def _check_meter_fields(fields: dict) -> None:
    if "serial_number" in fields:
        fields["serial_number"] = (fields["serial_number"] or "").strip()
        if not fields["serial_number"]:
            raise _field_error("serial_number", _("Enter the serial number of the meter."))
    if "zone_count" in fields and fields["zone_count"] not in Meter.Zones.values:
        raise _field_error("zone_count", _("A meter has one, two or three tariff zones."))


@transaction.atomic
def create_meter(*, acting_user, service, serial_number: str, account: PersonalAccount | None = None,
                 building=None, organization: Organization | None = None, **fields) -> Meter:
    """Register a meter: individual on an account of the user's organisations, or collective (house)
    on a building for `organization`. Needs the "manual editing" role there; the service must be the
    organisation's own or an ancestor's. Other `fields` are METER_EDITABLE_FIELDS (and seal_number,
    which also opens the seal history)."""
    if (account is None) == (building is None):
        raise MeteringError(_("A meter is either on a personal account or on a building (a house meter)."))
    if account is not None:
        organization = account.organization
    if organization is None:
        raise _field_error("organization", _("Choose the organisation of the house meter."))
    allowed = staff_organizations(acting_user, Role.MANUAL_EDITING)
    if not allowed.filter(pk=organization.pk).exists():
        raise MeteringError(_("No such organisation."))
    if not organization.path.startswith(service.organization.path):
        raise _field_error("service", _("This service is not one of the organisation's services."))
    seal_number = (fields.pop("seal_number", "") or "").strip()
    unknown = set(fields) - set(METER_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not meter fields: {sorted(unknown)}")
    fields["serial_number"] = serial_number
    _check_meter_fields(fields)
    meter = Meter(organization=organization, service=service, account=account, building=building,
                  seal_number=seal_number, **fields)
    meter.full_clean(exclude=["organization", "service", "account", "building", "replaced_by"])
    _save(meter, acting_user, "created")
    if seal_number:
        SealRecord.objects.create(meter=meter, seal_number=seal_number, sealed_on=meter.installed_on
                                  or timezone.localdate(), set_by=acting_user)
    return meter


@transaction.atomic
def update_meter(meter, changes: dict, *, acting_user) -> bool:
    """Edit a meter's properties (METER_EDITABLE_FIELDS), audited with the acting user. The number of
    zones changes only while the meter has no readings. Returns whether anything changed."""
    meter = _staff_meter(acting_user, meter)
    unknown = set(changes) - set(METER_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable meter fields: {sorted(unknown)}")
    changes = dict(changes)
    _check_meter_fields(changes)
    changed = {name: value for name, value in changes.items() if getattr(meter, name) != value}
    if not changed:
        return False
    if "zone_count" in changed and meter.readings.exists():
        raise _field_error("zone_count", _("The meter has readings: its zones cannot change. "
                                           "Replace the meter instead."))
    for name, value in changed.items():
        setattr(meter, name, value)
    meter.full_clean(exclude=["organization", "service", "account", "building", "replaced_by"])
    _save(meter, acting_user, "edited")
    return True


SETTINGS_EDITABLE_FIELDS = ("window_start_day", "window_end_day", "cutoff_day", "limit_mode", "water_limit",
                            "electricity_limit", "high_factor")


@transaction.atomic
def update_reading_settings(organization: Organization, changes: dict, *, acting_user,
                            service_limits: dict | None = None) -> bool:
    """Change an organisation's reading settings (SETTINGS_EDITABLE_FIELDS) and, with `service_limits`
    ({service: limit per resident or None}), the per-service limits: a service given None loses its
    override. Needs the "organization" or "channels" role there. Returns whether anything changed."""
    allowed = (staff_organizations(acting_user, Role.ORGANIZATION).filter(pk=organization.pk).exists()
               or staff_organizations(acting_user, Role.CHANNELS).filter(pk=organization.pk).exists())
    if not allowed:
        raise MeteringError(_("No such organisation."))
    unknown = set(changes) - set(SETTINGS_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not reading settings fields: {sorted(unknown)}")
    start, end = (changes.get("window_start_day"), changes.get("window_end_day"))
    if ("window_start_day" in changes or "window_end_day" in changes) and (start is None) != (end is None):
        raise _field_error("window_end_day", _("Give both days of the submission window, or neither."))
    reading_settings = get_reading_settings(organization)
    changed = False
    fields = {name: value for name, value in changes.items() if getattr(reading_settings, name) != value}
    if fields:
        for name, value in fields.items():
            setattr(reading_settings, name, value)
        reading_settings.full_clean(exclude=["organization"])
        _save(reading_settings, acting_user, "edited")
        changed = True
    for service, limit in (service_limits or {}).items():
        if service.organization_id != organization.pk:
            raise _field_error("service", _("This service is not one of the organisation's services."))
        current = ServiceLimit.objects.filter(settings=reading_settings, service=service).first()
        if limit is None:
            if current is not None:
                current.delete()
                changed = True
        elif current is None:
            ServiceLimit.objects.create(settings=reading_settings, service=service, per_resident=limit)
            changed = True
        elif current.per_resident != limit:
            current.per_resident = limit
            current.save(update_fields=["per_resident"])
            changed = True
    return changed
