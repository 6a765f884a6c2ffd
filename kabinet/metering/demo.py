"""Demo meters and readings, called by `kabinet.demo.data.DemoLoader.load` (idempotent).

Every management-company account gets cold and hot water meters, every energy supplier's account an
electricity meter (every third one day/night). The demo consumer's account 1000200 («УК Пример»)
gets two water meters and a three-zone electricity meter, billed by the management company for the
supplier; the consumer's supplier account 5000200 at the same flat therefore gets no second meter.
Each building has one collective (house) cold water meter, and ул. Ленина, 12 a house electricity
meter of the supplier (common-house needs, DOMAIN.md §7); the consumer's hot water meter has an
expired verification date. Readings: 12 months accepted, taken on the 20th, before the current period.
Running it again adds only missing meters and the months since the last reading.
"""

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

from django.db import transaction

from kabinet.core.models import Organization
from kabinet.core.money import add_months
from kabinet.metering import rules
from kabinet.metering.models import Meter, Reading
from kabinet.registry.models import Building, PersonalAccount, Service

MONTHS = 12
CONSUMER_ACCOUNT = "1000200"
READING_DAY = 20
# Share of a three-zone meter's consumption by zone (T1 peak, T2 night, T3 half-peak); two-zone T1, T2.
HOUSE_ELECTRICITY = ("ул. Ленина", "12")  # the supplier's house electricity meter (common-house needs)
ZONE_SHARES = {1: [Decimal(1)], 2: [Decimal("0.7"), Decimal("0.3")],
               3: [Decimal("0.3"), Decimal("0.25"), Decimal("0.45")]}


@transaction.atomic
def load_demo_meters(today: dt.date) -> dict:
    """Create the demo meters and their last 12 months of accepted readings; returns counts."""
    loader = _Loader(today)
    loader.meters()
    loader.readings()
    return {"meters": Meter.objects.count(), "readings": Reading.objects.count()}


class _Loader:
    def __init__(self, today: dt.date):
        self.today = today
        self.current = rules.period_for(today, rules.DEFAULT_CUTOFF_DAY)
        self.periods = [add_months(self.current, -i) for i in range(MONTHS, 0, -1)]
        self.services = {(s.organization_id, s.code): s for s in Service.objects.all()}
        self.demo_meters: list[tuple[Meter, int]] = []  # (meter, people consuming through it)

    def _service(self, org: Organization, code: str) -> Service:
        return self.services[(org.pk, code)]

    def _meter(self, serial: str, **fields) -> Meter:
        meter, _created = Meter.objects.get_or_create(
            organization=fields["organization"], serial_number=serial, defaults=fields,
        )
        return meter

    def meters(self):
        accounts = list(PersonalAccount.objects.select_related("organization", "premises__building")
                        .order_by("organization__path", "number"))
        for account in accounts:
            org = account.organization
            people = rules.resident_count(account.residents, account.owners)
            base = dict(organization=org, account=account, installed_on=dt.date(2019, 1, 1),
                        verification_due=dt.date(2031, 6, 30), seal_number=f"П-{account.number}")
            if org.kind == Organization.Kind.SUPPLIER:
                if account.number == "5000200":
                    continue  # this flat's electricity meter is on 1000200 (see the module docstring)
                zones = 2 if int(account.number) % 3 == 0 else 1
                meter = self._meter(f"Э{account.number}", service=self._service(org, "electricity"),
                                    resource=Meter.Resource.ELECTRICITY, zone_count=zones, digits=6, decimals=1,
                                    **base)
                self.demo_meters.append((meter, people))
                continue
            for code, resource, prefix in (("cold_water", Meter.Resource.COLD_WATER, "ХВ"),
                                           ("hot_water", Meter.Resource.HOT_WATER, "ГВ")):
                fields = dict(base, service=self._service(org, code), resource=resource, digits=5, decimals=3)
                if account.number == CONSUMER_ACCOUNT and resource == Meter.Resource.HOT_WATER:
                    fields["verification_due"] = add_months(self.current, -2)  # expired: the portal warns
                self.demo_meters.append((self._meter(f"{prefix}{account.number}", **fields), people))
            if account.number == CONSUMER_ACCOUNT:
                self.demo_meters.append((self._meter(
                    "12426322", service=self._electricity_for(org), resource=Meter.Resource.ELECTRICITY,
                    zone_count=3, digits=6, decimals=1, **base), people))
        for building in Building.objects.all():
            manager = next((a.organization for a in accounts if a.premises.building_id == building.pk
                            and a.organization.kind == Organization.Kind.MANAGEMENT), None)
            if manager is None:
                continue
            flats = sum(1 for a in accounts if a.premises.building_id == building.pk and a.organization == manager)
            meter = self._meter(f"ОДПУ-{building.pk}", organization=manager, building=building,
                                service=self._service(manager, "cold_water"), resource=Meter.Resource.COLD_WATER,
                                digits=7, decimals=2, installed_on=dt.date(2018, 1, 1),
                                verification_due=dt.date(2030, 1, 1), seal_number=f"ОД-{building.pk}")
            # Five people a flat: the house counts more than the flats' meters together, the rest being the
            # common-house needs (stairs, leaks) that the billing run distributes (DOMAIN.md §7).
            self.demo_meters.append((meter, flats * 5))
            supplier = next((a.organization for a in accounts if a.premises.building_id == building.pk
                             and a.organization.kind == Organization.Kind.SUPPLIER), None)
            if supplier is not None and (building.street, building.house) == HOUSE_ELECTRICITY:
                supplied = sum(1 for a in accounts if a.premises.building_id == building.pk
                               and a.organization == supplier)
                meter = self._meter(f"ОДПУ-Э-{building.pk}", organization=supplier, building=building,
                                    service=self._service(supplier, "electricity"),
                                    resource=Meter.Resource.ELECTRICITY, digits=7, decimals=1,
                                    installed_on=dt.date(2018, 1, 1), verification_due=dt.date(2032, 1, 1),
                                    seal_number=f"ОДЭ-{building.pk}")
                self.demo_meters.append((meter, supplied * 5))

    def _electricity_for(self, org: Organization) -> Service:
        """The management company bills electricity for the supplier on the consumer's bill."""
        supplier = Organization.objects.filter(kind=Organization.Kind.SUPPLIER).order_by("pk").first()
        service, _created = Service.objects.get_or_create(
            organization=org, code="electricity",
            defaults={"name": "Электроснабжение", "unit": "кВт·ч", "method": Service.Method.METERED,
                      "supplier": supplier},
        )
        return service

    def readings(self):
        meters = [m for m, _p in self.demo_meters]
        last: dict[tuple[int, str], tuple[dt.date, Decimal]] = {}
        for meter_id, zone, period, value in (
            Reading.objects.filter(meter__in=meters, status__in=Reading.COUNTED)
            .order_by("period", "taken_on", "pk").values_list("meter_id", "zone", "period", "value")
        ):
            last[(meter_id, zone)] = (period, value)
        new = []
        for meter, people in self.demo_meters:
            rng = random.Random(f"readings-{meter.serial_number}")
            shares = ZONE_SHARES[meter.zone_count]
            values = defaultdict(Decimal)
            start = {zone: last.get((meter.pk, zone)) for zone in meter.zones}
            for period in self.periods:
                monthly = self._monthly(meter, people, rng, period)
                for zone, share in zip(meter.zones, shares, strict=True):
                    known = start[zone]
                    if known is not None and period <= known[0]:
                        values[zone] = known[1]
                        continue
                    quantum = Decimal(1).scaleb(-min(meter.decimals, 1))
                    consumption = (monthly * share).quantize(quantum)
                    if known is None and zone not in values:
                        values[zone] = Decimal(rng.randint(10, 900)) * (10 if meter.is_collective else 1)
                        consumption = None  # the first reading has no previous one
                    else:
                        values[zone] = values[zone] + consumption
                    new.append(Reading(
                        meter=meter, zone=zone, value=values[zone], consumption=consumption,
                        taken_on=period.replace(day=READING_DAY), period=period, source=self._source(rng),
                        status=Reading.Status.ACCEPTED,
                    ))
        Reading.objects.bulk_create(new, batch_size=500)

    def _monthly(self, meter: Meter, people: int, rng: random.Random, period: dt.date) -> Decimal:
        """Realistic monthly consumption: water ~3–5 m³ cold, ~2–3 m³ hot per person; electricity
        ~90–140 kWh per person, more in the dark months."""
        if meter.resource == Meter.Resource.ELECTRICITY:
            winter = Decimal("1.2") if period.month in (11, 12, 1, 2) else Decimal(1)
            return Decimal(people * rng.randint(90, 140)) * winter
        per_person = (3, 5) if meter.resource == Meter.Resource.COLD_WATER else (2, 3)
        low, high = per_person
        return Decimal(people) * Decimal(rng.randint(low * 100, high * 100)) / 100

    @staticmethod
    def _source(rng: random.Random) -> str:
        return rng.choice([Reading.Source.PORTAL] * 5 + [Reading.Source.APP, Reading.Source.SMS, Reading.Source.STAFF])
