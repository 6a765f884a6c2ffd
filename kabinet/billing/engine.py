"""The billing engine for one batch of accounts: charge lines from meters, readings, tariffs and
normatives (ПП 354, DOMAIN.md §1), built in memory and written with one bulk insert per batch.

Reads per batch: accounts, meters, counted readings of the last two years, substituted charges of
the last two years — a fixed number of queries, whatever the batch size.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from kabinet.billing.loading import Rates
from kabinet.billing.models import Charge
from kabinet.billing.rules import charges, volumes
from kabinet.core.money import add_months, period_start
from kabinet.metering.models import Meter, Reading
from kabinet.registry.models import PersonalAccount, Service

VOLUME_STEP = Decimal("0.000001")  # what Charge.volume stores: the priced volume is the stored one
HISTORY_MONTHS = 24


@dataclass
class RunReport:
    """What a billing run did: accounts, lines, money, and what it could not charge (by reason)."""

    period: dt.date
    accounts: int = 0
    lines: int = 0
    amount: Decimal = Decimal("0.00")
    problems: Counter = field(default_factory=Counter)


@dataclass
class MeterData:
    """The meters of a batch of accounts with their readings and substituted volumes."""

    meters: dict[int, list[Meter]]  # account id → meters
    readings: dict[tuple[int, str], list[dict]]  # (meter, zone) → counted readings, oldest first
    substituted: dict[tuple[int, str], dict[dt.date, Decimal]]  # (meter, zone) → period → volume

    @classmethod
    def load(cls, account_ids: list[int], period: dt.date) -> "MeterData":
        first, last = charges.month_bounds(period)
        meters: dict[int, list[Meter]] = defaultdict(list)
        for meter in (Meter.objects.filter(account_id__in=account_ids, is_registered=True)
                      .exclude(status=Meter.Status.RETIRED, retired_on__lt=first)
                      .exclude(installed_on__gt=last).order_by("pk")):
            meters[meter.account_id].append(meter)
        meter_ids = [m.pk for ms in meters.values() for m in ms]
        since = add_months(period, -HISTORY_MONTHS)
        readings: dict[tuple[int, str], list[dict]] = defaultdict(list)
        for row in (Reading.objects.filter(meter_id__in=meter_ids, status__in=Reading.COUNTED,
                                           period__gte=since, period__lte=period)
                    .order_by("taken_on", "pk")
                    .values("meter_id", "zone", "value", "consumption", "period", "previous__period",
                            "previous__value")):
            readings[(row["meter_id"], row["zone"])].append(row)
        substituted: dict[tuple[int, str], dict[dt.date, Decimal]] = defaultdict(dict)
        for row in (Charge.objects.filter(meter_id__in=meter_ids, kind__in=volumes.SUBSTITUTED,
                                          period__gte=since, period__lt=period)
                    .values_list("meter_id", "zone", "period", "volume")):
            per_period = substituted[(row[0], row[1])]
            per_period[row[2]] = per_period.get(row[2], Decimal(0)) + row[3]
        return cls(meters=meters, readings=readings, substituted=substituted)


def _history(rows: list[dict]) -> dict[dt.date, Decimal]:
    return volumes.monthly_history([
        (r["previous__period"], r["period"], r["consumption"]) for r in rows
        if r["previous__period"] is not None and r["consumption"] is not None
    ])


def meter_zone_volume(meter: Meter, zone: str, period: dt.date, data: MeterData, *, normative: Decimal | None,
                      people: int, settings: volumes.VolumeSettings) -> volumes.Volume:
    """The volume of one zone of one meter for a period (DOMAIN.md §1)."""
    key = (meter.pk, zone)
    rows = data.readings.get(key, [])
    substituted = data.substituted.get(key, {})
    months = _history(rows)
    _first, last = charges.month_bounds(period)
    if meter.verification_due is not None and meter.verification_due < last:
        # Unverified: readings do not count; the average from the month of expiry, then the normative × 1.5.
        expired_from = period_start(meter.verification_due + dt.timedelta(days=1))
        return volumes.substitute(
            history=volumes.history_before(months, expired_from, settings.average_months),
            periods_substituted=max(volumes.months_between(expired_from, period), 0),
            normative=normative, people=people, failed=True, settings=settings)
    current = [r for r in rows if r["period"] == period]
    if current:
        consumption = sum((r["consumption"] or Decimal(0) for r in current), Decimal(0))
        since = current[0]["previous__period"]
        replaced = [v for p, v in sorted(substituted.items()) if since is not None and since < p < period]
        if replaced:
            return volumes.trued_up(consumption, replaced)
        return volumes.metered(consumption, current[0]["previous__value"], current[-1]["value"])
    run = 0
    while add_months(period, -(run + 1)) in substituted:
        run += 1
    return volumes.substitute(
        history=volumes.history_before(months, add_months(period, -run), settings.average_months),
        periods_substituted=run, normative=normative, people=people, settings=settings)


def _lines(account: PersonalAccount, service: Service, period: dt.date, rates: Rates, data: MeterData,
           settings: volumes.VolumeSettings, report: RunReport) -> list[tuple[charges.ChargeLine, Meter | None]]:
    building_id = account.premises.building_id
    people = volumes.people_count(account.residents, account.owners)
    name, unit = service.name, service.unit
    method = service.method
    if method == Service.Method.AREA:
        area = account.area if account.area is not None else account.premises.area
        if area is None:
            report.problems["no_area"] += 1
            return []
        return [(line, None) for line in charges.by_area(area, rates.tariffs_for(service.pk, "", building_id),
                                                          period, service=name)]
    if method == Service.Method.FIXED:
        return [(line, None) for line in charges.fixed(rates.tariffs_for(service.pk, "", building_id), period,
                                                        service=name)]
    normative = rates.normative_for(service)
    meters = [m for m in data.meters.get(account.pk, []) if m.service_id == service.pk]
    if method == Service.Method.RESIDENTS or not meters:
        k = volumes.ZERO if method == Service.Method.RESIDENTS else settings.no_meter_k
        volume = volumes.by_normative(normative, people, k)
        return [(line, None) for line in _priced(volume, rates.tariffs_for(service.pk, "", building_id), period,
                                                 name, unit, "")]
    result = []
    for meter in meters:
        for zone in meter.zones:
            volume = meter_zone_volume(meter, zone, period, data, normative=normative, people=people,
                                       settings=settings)
            tariffs = rates.tariffs_for(service.pk, zone if meter.zone_count > 1 else "", building_id)
            label = f"{name} ({zone})" if meter.zone_count > 1 else name
            result.extend((line, meter) for line in _priced(volume, tariffs, period, label, unit, zone))
    return result


def _priced(volume: volumes.Volume, tariffs, period, name, unit, zone) -> list[charges.ChargeLine]:
    exact = volumes.Volume(volume.kind, volume.volume.quantize(VOLUME_STEP), volume.explanation)
    return charges.price(exact, tariffs, period, service=name, unit=unit, zone=zone)


def charges_for(accounts: list[PersonalAccount], services: list[Service], period: dt.date, rates: Rates,
                settings: volumes.VolumeSettings, report: RunReport) -> list[Charge]:
    """Unsaved Charge rows for a batch of accounts (select_related premises)."""
    data = MeterData.load([a.pk for a in accounts], period)
    services = [s for s in services if rates.has_tariff(s.pk)]  # a service without a tariff is not billed here
    rows = []
    for account in accounts:
        report.accounts += 1
        for service in services:
            try:
                lines = _lines(account, service, period, rates, data, settings, report)
            except volumes.VolumeError as exc:
                report.problems[exc.code] += 1
                continue
            for line, meter in lines:
                rows.append(Charge(account=account, period=period, service=service, meter=meter, zone=line.zone,
                                   kind=line.kind, volume=line.volume.quantize(VOLUME_STEP), tariff=line.price,
                                   amount=line.amount, protocol=line.protocol))
    report.lines += len(rows)
    report.amount += sum((r.amount for r in rows), Decimal("0.00"))
    return rows
