"""Common-house needs (ОДН / СОИ, DOMAIN.md §7) in the billing run, after the individual charges of every
batch are written.

For each building with a house (collective) meter of one of the organisation's services, registered
and verified, with counted readings of the period for every zone: the house volume (the readings'
consumption), less the volumes the run has just charged to the organisation's accounts in the building
for that service (metered, average, normative, a true-up's recalculation) — `rules.common_house` — is
capped at the normative per m² of common property × the building's common area when such a normative
is in force, and shared by area among the organisation's accounts billed in the period (one automatic
`Charge` of kind `common` per account). Each building's figures and the excess (the organisation's
loss) are kept as a `CommonHouseLoss` row, and the house readings used become billed (like the premises' readings).

Set-wise: a fixed number of queries per run (meters, readings, buildings, accounts, individual sums,
the inserts), whatever the number of buildings. A re-run replaces the lines (the run deletes its own
automatic lines) and the loss rows of the period.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from kabinet.billing.engine import ChargeRow, RunReport
from kabinet.billing.ledger import ids_in, insert_charges, mark_readings_billed
from kabinet.billing.loading import Rates
from kabinet.billing.models import Charge, CommonHouseLoss
from kabinet.billing.rules import charges, volumes
from kabinet.billing.rules import common_house as rules
from kabinet.core.models import Organization
from kabinet.core.money import to_money
from kabinet.metering.models import Meter, Reading
from kabinet.metering.rules import zones_for
from kabinet.registry.models import Building, Service

# The individual volumes the common volume is what remains after (formula 12).
INDIVIDUAL_KINDS = (volumes.METERED, volumes.AVERAGE, volumes.NORMATIVE, volumes.RECALCULATION)

# Services whose individual charges are volumes of consumption. A house meter of a service charged by
# area or as a fixed amount (heating by area, say) has nothing to be compared with: no common-house lines.
CONSUMPTION_METHODS = (Service.Method.METERED, Service.Method.RESIDENTS)

# Codes added to RunReport.problems (the panel shows them in words).
NO_HOUSE_READING = "common_no_house_reading"
HOUSE_METER_UNVERIFIED = "common_house_meter_unverified"
NO_AREA = "common_no_area"
NO_COMMON_AREA = "common_no_common_area"
NO_TARIFF = "common_no_tariff"
INDIVIDUAL_EXCEEDS_HOUSE = "common_individual_exceeds_house"


@dataclass
class HouseReadings:
    """What the house meters of the period gave: (building id, service id) → volume, the readings each
    volume came from, and the status of every reading read (to mark the used ones billed)."""

    volumes: dict[tuple[int, int], Decimal] = field(default_factory=dict)
    used: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    statuses: dict[int, str] = field(default_factory=dict)

    def status_changes(self, counted: set[tuple[int, int]]) -> tuple[list[int], list[int]]:
        """(accepted readings of the buildings counted → billed, billed readings no longer used →
        accepted), as the individual meters' readings (`engine.MeterData.status_changes`)."""
        used = {pk for key in counted for pk in self.used.get(key, ())}
        to_bill = [pk for pk in used if self.statuses[pk] == Reading.Status.ACCEPTED]
        to_unbill = [pk for pk, status in self.statuses.items() if pk not in used and status == Reading.Status.BILLED]
        return sorted(to_bill), sorted(to_unbill)


def house_volumes(service_ids: list[int], period: dt.date, report: RunReport) -> HouseReadings:
    """The volume the house meters of the services (the organisation's) counted in the period, per
    building and service (two queries).

    A building counts only when each zone of each of its house meters of the service has a counted
    reading of the period with a consumption (the first reading of a meter has none); a meter whose
    verification has expired makes its readings not count (ПП 354 п. 81(12)), so the building is left out."""
    first, last = charges.month_bounds(period)
    meters: dict[tuple[int, int], list[tuple[int, int, dt.date | None]]] = defaultdict(list)
    for pk, building_id, service_id, zone_count, verification_due in (
            Meter.objects.filter(service_id__in=service_ids, building__isnull=False, is_registered=True)
            .exclude(status=Meter.Status.RETIRED, retired_on__lt=first).exclude(installed_on__gt=last)
            .order_by("pk").values_list("pk", "building_id", "service_id", "zone_count", "verification_due")):
        meters[(building_id, service_id)].append((pk, zone_count, verification_due))
    result = HouseReadings()
    if not meters:
        return result
    consumption: dict[tuple[int, str], list[tuple[int, Decimal]]] = defaultdict(list)
    meter_ids = [m[0] for ms in meters.values() for m in ms]
    for pk, meter_id, zone, value, status in (
            Reading.objects.filter(ids_in("meter_id", meter_ids), status__in=Reading.COUNTED, period=period)
            .order_by("taken_on", "pk").values_list("pk", "meter_id", "zone", "consumption", "status")):
        result.statuses[pk] = status
        if value is not None:
            consumption[(meter_id, zone)].append((pk, value))
    for key, building_meters in meters.items():
        if any(due is not None and due < last for _pk, _zones, due in building_meters):
            report.problems[HOUSE_METER_UNVERIFIED] += 1
            continue
        parts = [consumption.get((pk, zone)) for pk, zone_count, _due in building_meters
                 for zone in zones_for(zone_count)]
        if not all(parts):
            report.problems[NO_HOUSE_READING] += 1
            continue
        # The same metered rule as the premises' meters: the consumption of the period's readings.
        result.volumes[key] = sum((volumes.metered(sum((v for _pk, v in p), Decimal(0))).volume for p in parts),
                                  Decimal(0))
        result.used[key] = [pk for p in parts for pk, _v in p]
    return result


def _billed(services: list[Service], rates: Rates) -> dict[int, Service]:
    """The services that may get common-house lines: charged by consumption, with a tariff."""
    return {s.pk: s for s in services if s.method in CONSUMPTION_METHODS and rates.has_tariff(s.pk)}


def house_metered_buildings(services: list[Service], rates: Rates) -> set[int]:
    """The buildings with a registered house meter of a service that may get common-house lines (one
    query, before the run's batches: the run keeps the sums of their accounts' lines for the pass)."""
    return set(Meter.objects.filter(service_id__in=list(_billed(services, rates)), building__isnull=False,
                                    is_registered=True)
               .order_by().values_list("building_id", flat=True).distinct())


def charge_common_house(organization: Organization, period: dt.date, accounts, services: list[Service],
                        rates: Rates, report: RunReport) -> dict[int, Decimal]:
    """Write the period's common-house lines and loss rows; returns account id → amount charged.

    `accounts` is the queryset of the accounts the run billed (its individual lines are written)."""
    CommonHouseLoss.objects.filter(organization=organization, period=period).delete()
    by_id = _billed(services, rates)
    readings = house_volumes(list(by_id), period, report)
    houses = readings.volumes
    if not houses:
        mark_readings_billed(*readings.status_changes(set()))
        return {}
    building_ids = sorted({building for building, _service in houses})
    common_areas = dict(Building.objects.filter(ids_in("pk", building_ids)).values_list("pk", "common_area"))
    billed: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)  # building → (account, area)
    for pk, building_id, area, premises_area in (
            accounts.filter(ids_in("premises__building_id", building_ids)).order_by("pk")
            .values_list("pk", "premises__building_id", "area", "premises__area")):
        area = area if area is not None else premises_area
        if area is None or area <= 0:
            report.problems[NO_AREA] += 1
            continue
        billed[building_id].append((pk, area))
    individual = {
        (row["account__premises__building_id"], row["service_id"]): row["total"]
        for row in Charge.objects.filter(
            ids_in("account__premises__building_id", building_ids), account__organization=organization,
            period=period, automatic=True, kind__in=INDIVIDUAL_KINDS, service_id__in=list(by_id))
        .order_by().values("account__premises__building_id", "service_id").annotate(total=Sum("volume"))}
    rows: list[ChargeRow] = []
    losses: list[CommonHouseLoss] = []
    for (building_id, service_id), house in sorted(houses.items()):
        premises = billed.get(building_id)
        if not premises:
            continue
        service = by_id[service_id]
        spans = charges.spans_in_month(rates.tariffs_for(service_id, "", building_id), period)
        if not spans:
            report.problems[NO_TARIFF] += 1
            continue
        price = spans[-1].price  # the tariff in force at the end of the month
        normative = rates.common_area_normative(service_id)
        common_area = common_areas.get(building_id)
        if normative is not None and common_area is None:
            report.problems[NO_COMMON_AREA] += 1
        result = rules.common_house(house, individual.get((building_id, service_id), Decimal(0)),
                                    normative=normative, common_area=common_area)
        if result.individual_exceeds_house:
            report.problems[INDIVIDUAL_EXCEEDS_HOUSE] += 1
        areas = [area for _pk, area in premises]
        total_area = sum(areas, Decimal(0))
        amount = Decimal("0.00")
        charged = 0
        if result.distributed > 0:
            for (account_id, area), share in zip(premises, rules.shares(result.distributed, areas), strict=True):
                if not share:
                    continue
                line_amount = to_money(share * price)
                rows.append((account_id, service_id, None, "", volumes.COMMON, share, price, line_amount,
                             rules.protocol(result, area=area, total_area=total_area, volume=share,
                                            unit=service.unit, price=price, amount=line_amount)))
                amount += line_amount
                charged += 1
        losses.append(CommonHouseLoss(
            organization=organization, building_id=building_id, service_id=service_id, period=period,
            house_volume=result.house, individual_volume=result.individual, common_volume=result.actual,
            normative=result.normative, common_area=result.common_area,
            cap_volume=None if result.cap is None else result.cap.quantize(rules.VOLUME_STEP),
            distributed_volume=result.distributed, loss_volume=result.loss, tariff=price,
            distributed_amount=amount, loss_amount=rules.loss_amount(result.loss, price),
            individual_exceeds_house=result.individual_exceeds_house, accounts=charged))
    insert_charges(period, rows)
    CommonHouseLoss.objects.bulk_create(losses)
    mark_readings_billed(*readings.status_changes({(loss.building_id, loss.service_id) for loss in losses}))
    report.lines += len(rows)
    report.amount += sum((row[7] for row in rows), Decimal("0.00"))
    charged_amounts: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for row in rows:
        charged_amounts[row[0]] += row[7]
    return dict(charged_amounts)
