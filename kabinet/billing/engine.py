"""The billing engine for one batch of accounts: charge lines from meters, readings, tariffs and
normatives (ПП 354, DOMAIN.md §1), built in memory and written with one bulk insert per batch.

Reads per batch: accounts, meters, counted readings of the last two years, substituted charges of
the last two years — a fixed number of queries, whatever the batch size. Rows are read as plain tuples
(no model instances) and the lines are returned as tuples for `ledger.insert_charges`: at a million
accounts the cost is in Python per line, so the engine also reuses what does not change from one
account to the next (the tariff spans of the month, and the whole line for equal areas and normative
volumes) — see `Pricer`.
"""

import dataclasses
import datetime as dt
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.utils.translation import gettext as _

from kabinet.billing.ledger import ids_in
from kabinet.billing.loading import Rates
from kabinet.billing.models import Charge
from kabinet.billing.rules import charges, volumes
from kabinet.billing.rules import formatting as fmt
from kabinet.core.money import add_months, period_start, to_money
from kabinet.metering.models import Meter, Reading
from kabinet.metering.rules import zones_for
from kabinet.registry.models import PersonalAccount, Service

VOLUME_STEP = Decimal("0.000001")  # what Charge.volume stores: the priced volume is the stored one
HISTORY_MONTHS = 24
UNIQUE_KINDS = (volumes.METERED, volumes.RECALCULATION)  # volumes not kept by `Pricer`
CACHE_LIMIT = 100_000  # lines kept for reuse by `Pricer` (a run has a few thousand distinct ones)


class AccountRow(NamedTuple):
    """What the engine needs of a personal account (read with `values_list`)."""

    pk: int
    building_id: int
    area: Decimal | None
    premises_area: Decimal | None
    residents: int
    owners: int

    @classmethod
    def load(cls, account_ids: list[int]) -> list["AccountRow"]:
        return [cls(*row) for row in PersonalAccount.objects.filter(ids_in("pk", account_ids)).order_by("pk").values_list(
            "pk", "premises__building_id", "area", "premises__area", "residents", "owners")]


class ServiceRow(NamedTuple):
    """What the engine needs of a service: plain attributes (a model's `pk` is a property, read
    millions of times in a large run)."""

    pk: int
    name: str
    unit: str
    method: str
    normative: Decimal | None
    sources: tuple[tuple[int, str], ...] = ()  # (id, name) of the services a sum-of-volumes service adds up

    @classmethod
    def of(cls, service: Service) -> "ServiceRow":
        sources = ()
        if service.method == Service.Method.SUM_OF_VOLUMES:  # the run prefetches them: no query per batch
            sources = tuple((s.pk, s.name) for s in sorted(service.volume_of.all(), key=lambda s: s.pk))
        return cls(service.pk, service.name, service.unit, service.method, service.normative, sources)


class MeterRow(NamedTuple):
    """What the engine needs of a meter (read with `values_list`)."""

    pk: int
    account_id: int
    service_id: int
    zone_count: int
    verification_due: dt.date | None

    @property
    def zones(self) -> tuple[str, ...]:
        return zones_for(self.zone_count)


class ReadingRow(NamedTuple):
    meter_id: int
    zone: str
    value: Decimal
    consumption: Decimal | None
    period: dt.date
    previous_period: dt.date | None
    previous_value: Decimal | None
    pk: int
    status: str


# One charge line ready to write: account, service, meter, zone, kind, volume, tariff, amount, protocol.
ChargeRow = tuple[int, int, int | None, str, str, Decimal, Decimal, Decimal, str]


class BatchLines(NamedTuple):
    """What `charges_for` found for a batch: the lines to write, and the period's readings whose status
    changes — accepted ones its metered lines came from (to bill), billed ones it no longer used."""

    rows: list[ChargeRow]
    to_bill: list[int]
    to_unbill: list[int]


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

    meters: dict[int, list[MeterRow]]  # account id → meters
    readings: dict[tuple[int, str], list[ReadingRow]]  # (meter, zone) → counted readings, oldest first
    substituted: dict[tuple[int, str], dict[dt.date, Decimal]]  # (meter, zone) → period → volume
    readings_used: list[int] = field(default_factory=list)  # the period's readings metered lines came from

    @classmethod
    def load(cls, account_ids: list[int], period: dt.date) -> "MeterData":
        first, last = charges.month_bounds(period)
        meters: dict[int, list[MeterRow]] = defaultdict(list)
        for row in (Meter.objects.filter(ids_in("account_id", account_ids), is_registered=True)
                    .exclude(status=Meter.Status.RETIRED, retired_on__lt=first)
                    .exclude(installed_on__gt=last).order_by("pk")
                    .values_list("pk", "account_id", "service_id", "zone_count", "verification_due")):
            meters[row[1]].append(MeterRow(*row))
        meter_ids = [m.pk for ms in meters.values() for m in ms]
        since = add_months(period, -HISTORY_MONTHS)
        # The period's readings first: a meter read in the period with a valid verification needs no
        # history (most meters), so the readings of earlier months are read only for the others.
        readings = cls._readings(meter_ids, period, period)
        need_history = [m.pk for ms in meters.values() for m in ms
                        if (m.verification_due is not None and m.verification_due < last)
                        or any((m.pk, zone) not in readings for zone in m.zones)]
        if need_history:
            readings.update(cls._readings(need_history, since, period))
        substituted: dict[tuple[int, str], dict[dt.date, Decimal]] = defaultdict(dict)
        # `.order_by()`: Charge's default ordering joins the accounts, organisations and services to sort
        # by number and name — a scan of every account of the organisation per batch (quadratic).
        for row in (Charge.objects.filter(ids_in("meter_id", meter_ids), kind__in=volumes.SUBSTITUTED,
                                          period__gte=since, period__lt=period).order_by()
                    .values_list("meter_id", "zone", "period", "volume")):
            per_period = substituted[(row[0], row[1])]
            per_period[row[2]] = per_period.get(row[2], Decimal(0)) + row[3]
        return cls(meters=meters, readings=readings, substituted=substituted)

    @staticmethod
    def _readings(meter_ids: list[int], since: dt.date, period: dt.date) -> dict[tuple[int, str], list[ReadingRow]]:
        """(meter, zone) → counted readings of the months `since` … `period`, oldest first."""
        readings: dict[tuple[int, str], list[ReadingRow]] = defaultdict(list)
        for row in (Reading.objects.filter(ids_in("meter_id", meter_ids), status__in=Reading.COUNTED,
                                           period__gte=since, period__lte=period)
                    .order_by("taken_on", "pk")
                    .values_list("meter_id", "zone", "value", "consumption", "period", "previous__period",
                                 "previous__value", "pk", "status")):
            readings[(row[0], row[1])].append(ReadingRow(*row))
        return readings

    def status_changes(self, period: dt.date) -> tuple[list[int], list[int]]:
        """(accepted readings of the period used → billed, billed readings of the period not used →
        accepted): from the rows read, so a re-run that changes nothing writes nothing."""
        used = set(self.readings_used)
        to_bill, to_unbill = [], []
        for rows in self.readings.values():
            for r in rows:
                if r.period != period:
                    continue
                if r.pk in used and r.status == Reading.Status.ACCEPTED:
                    to_bill.append(r.pk)
                elif r.pk not in used and r.status == Reading.Status.BILLED:
                    to_unbill.append(r.pk)
        return to_bill, to_unbill


@functools.lru_cache(maxsize=64)
def _month_end(period: dt.date) -> dt.date:
    return charges.month_bounds(period)[1]


def _history(rows: list[ReadingRow]) -> dict[dt.date, Decimal]:
    return volumes.monthly_history([
        (r.previous_period, r.period, r.consumption) for r in rows
        if r.previous_period is not None and r.consumption is not None
    ])


def meter_zone_volume(meter: MeterRow, zone: str, period: dt.date, data: MeterData, *, normative: Decimal | None,
                      people: int, settings: volumes.VolumeSettings, gettext=_) -> volumes.Volume:
    """The volume of one zone of one meter for a period (DOMAIN.md §1)."""
    key = (meter.pk, zone)
    rows = data.readings.get(key, [])
    substituted = data.substituted.get(key, {})
    last = _month_end(period)
    if meter.verification_due is not None and meter.verification_due < last:
        # Unverified: readings do not count; the average from the month of expiry, then the normative × 1.5.
        expired_from = period_start(meter.verification_due + dt.timedelta(days=1))
        return volumes.substitute(
            history=volumes.history_before(_history(rows), expired_from, settings.average_months),
            periods_substituted=max(volumes.months_between(expired_from, period), 0),
            normative=normative, people=people, failed=True, settings=settings)
    current = [r for r in rows if r.period == period]
    if current:
        data.readings_used.extend(r.pk for r in current)
        consumption = sum((r.consumption or Decimal(0) for r in current), Decimal(0))
        since = current[0].previous_period
        replaced = [v for p, v in sorted(substituted.items()) if since is not None and since < p < period]
        if replaced:
            return volumes.trued_up(consumption, replaced)
        return volumes.metered(consumption, current[0].previous_value, current[-1].value, gettext=gettext)
    run = 0
    while add_months(period, -(run + 1)) in substituted:
        run += 1
    return volumes.substitute(
        history=volumes.history_before(_history(rows), add_months(period, -run), settings.average_months),
        periods_substituted=run, normative=normative, people=people, settings=settings)


class Pricer:
    """`charges.price` for one run, reusing what repeats across accounts. Gives the same lines.

    - The tariff spans of the month are found once per set of tariffs; when one tariff covers the
      whole month (nearly always), the line is built as `charges.price` builds it then, from the same
      rule functions, without walking the month's days for every line;
    - whole results are kept by their inputs (`cached`: the volume with its explanation, or the area,
      or the normative and people; the tariffs; the names), so the thousands of accounts with the same
      area or the same number of residents share one computation. A run has one language (the site's),
      so the protocols kept are in it;
    - the protocol templates are translated once per run and a price is formatted once.
    A test compares it with `charges.price` over single and split months.
    """

    def __init__(self, period: dt.date):
        self.period = period
        self.first, self.last = charges.month_bounds(period)
        self._spans: dict[tuple, list[charges.TariffSpan]] = {}
        self._lines: dict[tuple, list[charges.ChargeLine]] = {}
        self._texts: dict[str, str] = {}  # msgid → its translation in the run's language
        self._money: dict[Decimal, str] = {}  # price → `fmt.price(price)`

    def _(self, msgid: str) -> str:
        """`gettext(msgid)`, looked up once per run (a run has one language)."""
        text = self._texts.get(msgid)
        if text is None:
            text = self._texts[msgid] = _(msgid)
        return text

    def protocol(self, service: str, explanation: str, unit: str, price: Decimal, amount: Decimal) -> str:
        """`charges._protocol` of a whole-month line (no share), with the template and the price's text
        made once per run."""
        price_text = self._money.get(price)
        if price_text is None:
            price_text = self._money[price] = fmt.price(price)
        values = {"service": service, "quantity": f"{explanation} {unit}" if unit else explanation,
                  "price": price_text, "amount": fmt.money(amount), "share": ""}
        return self._("%(service)s: %(quantity)s × %(price)s ₽ = %(amount)s ₽") % values

    def price(self, volume: volumes.Volume, tariffs, *, service: str, unit: str,
              zone: str = "") -> list[charges.ChargeLine]:
        tariffs = tuple(tariffs)
        if volume.kind in UNIQUE_KINDS:  # their explanations hold the meter's readings: nothing to reuse
            return self._price(volume, tariffs, service=service, unit=unit, zone=zone)
        return self.cached(("price", volume, tariffs, service, unit, zone),
                           lambda: self._price(volume, tariffs, service=service, unit=unit, zone=zone))

    def by_area(self, area: Decimal, tariffs, *, service: str) -> list[charges.ChargeLine]:
        """`charges.by_area`, priced by `price` (the month's tariff spans found once per set of tariffs)."""
        volume = volumes.Volume(volumes.AREA, Decimal(area),
                                self._("area %(area)s") % {"area": fmt.number(area, max_decimals=2)})
        return self.price(volume, tariffs, service=service, unit="м²")

    def cached(self, key: tuple, compute) -> list:
        """`compute()`, kept by `key` (which must hold every input of the computation) for the run."""
        lines = self._lines.get(key)
        if lines is None:
            lines = compute()
            if len(self._lines) >= CACHE_LIMIT:
                self._lines.clear()
            self._lines[key] = lines
        return lines

    def _price(self, volume, tariffs: tuple, *, service, unit, zone) -> list[charges.ChargeLine]:
        spans = self._spans.get(tariffs)
        if spans is None:
            spans = self._spans[tariffs] = charges.spans_in_month(tariffs, self.period)
        if len(spans) == 1 and spans[0].start == self.first and spans[0].end == self.last:
            price = spans[0].price
            amount = to_money(volume.volume * price)
            return [charges.ChargeLine(volume.kind, volume.volume, price, amount,
                                       self.protocol(service, volume.explanation, unit, price, amount),
                                       zone, self.first, self.last)]
        return charges.price(volume, tariffs, self.period, service=service, unit=unit, zone=zone)


def _lines(account: AccountRow, service: ServiceRow, period: dt.date, rates: Rates, data: MeterData,
           settings: volumes.VolumeSettings, report: RunReport, pricer: Pricer,
           earlier: dict[int, list] | None = None) -> list[tuple[charges.ChargeLine, MeterRow | None]]:
    """The lines of one service of one account. `earlier`: this account's lines of the services priced
    before it (service id → lines), which a sum-of-volumes service adds up."""
    building_id = account.building_id
    people = volumes.people_count(account.residents, account.owners)
    name, unit = service.name, service.unit
    method = service.method
    if method == Service.Method.SUM_OF_VOLUMES:
        parts = [(source_name, line.kind, line.volume) for source, source_name in service.sources
                 for line, _meter in (earlier or {}).get(source, ())]
        if not parts:
            report.problems["no_source_volume"] += 1
            return []
        tariffs = rates.tariffs_for(service.pk, "", building_id)
        return [(line, None) for line in _priced(pricer, volumes.summed(parts, gettext=pricer._), tariffs, name,
                                                 unit, "")]
    if method == Service.Method.AREA:
        area = account.area if account.area is not None else account.premises_area
        if area is None:
            report.problems["no_area"] += 1
            return []
        tariffs = tuple(rates.tariffs_for(service.pk, "", building_id))
        return pricer.cached(("area", str(area), tariffs, name), lambda: [
            (line, None) for line in pricer.by_area(area, tariffs, service=name)])
    if method == Service.Method.FIXED:
        tariffs = tuple(rates.tariffs_for(service.pk, "", building_id))
        return pricer.cached(("fixed", tariffs, name), lambda: [
            (line, None) for line in charges.fixed(tariffs, period, service=name)])
    normative = rates.normative_for(service)
    meters = [m for m in data.meters.get(account.pk, []) if m.service_id == service.pk]
    if method == Service.Method.RESIDENTS or not meters:
        k = volumes.ZERO if method == Service.Method.RESIDENTS else settings.no_meter_k
        if normative is None:
            volumes.by_normative(normative, people, k)  # raises VolumeError: no normative
        tariffs = tuple(rates.tariffs_for(service.pk, "", building_id))
        return pricer.cached(("normative", str(normative), people, str(k), tariffs, name, unit), lambda: [
            (line, None) for line in _priced(pricer, volumes.by_normative(normative, people, k), tariffs, name, unit,
                                             "")])
    result = []
    for meter in meters:
        for zone in meter.zones:
            volume = meter_zone_volume(meter, zone, period, data, normative=normative, people=people,
                                       settings=settings, gettext=pricer._)
            tariffs = rates.tariffs_for(service.pk, zone if meter.zone_count > 1 else "", building_id)
            label = f"{name} ({zone})" if meter.zone_count > 1 else name
            result.extend((line, meter) for line in _priced(pricer, volume, tariffs, label, unit, zone))
    return result


def _priced(pricer: Pricer, volume: volumes.Volume, tariffs, name, unit, zone) -> list[charges.ChargeLine]:
    exact = volumes.Volume(volume.kind, volume.volume.quantize(VOLUME_STEP), volume.explanation)
    return pricer.price(exact, tariffs, service=name, unit=unit, zone=zone)


def service_settings(settings: volumes.VolumeSettings, service: Service) -> volumes.VolumeSettings:
    """The organisation's settings with the service's own number of periods billed by the average."""
    if service.max_average_periods is None:
        return settings
    return dataclasses.replace(settings, max_average_periods=service.max_average_periods)


def charges_for(accounts: list[AccountRow], services: list[Service], period: dt.date, rates: Rates,
                settings: volumes.VolumeSettings, report: RunReport, pricer: Pricer | None = None,
                data: "MeterData | None" = None) -> BatchLines:
    """The charge lines of a batch of accounts, as rows for `ledger.insert_charges`, with the meters
    and readings they came from. `data`: the batch's `MeterData`, if read already (then no query)."""
    pricer = pricer or Pricer(period)
    if data is None:
        data = MeterData.load([a.pk for a in accounts], period)
    # A service without a tariff is not billed here.
    services = [s for s in services if rates.has_tariff(s.pk)]
    by_service = {s.pk: service_settings(settings, s) for s in services}
    # A sum-of-volumes service (wastewater) comes after the services it adds up.
    services = sorted((ServiceRow.of(s) for s in services), key=lambda s: s.method == Service.Method.SUM_OF_VOLUMES)
    summing = any(s.sources for s in services)
    rows: list[ChargeRow] = []
    amount = Decimal("0.00")
    for account in accounts:
        report.accounts += 1
        earlier = {} if summing else None
        for service in services:
            try:
                lines = _lines(account, service, period, rates, data, by_service[service.pk], report, pricer, earlier)
            except volumes.VolumeError as exc:
                report.problems[exc.code] += 1
                continue
            if earlier is not None:
                earlier[service.pk] = lines
            for line, meter in lines:
                rows.append((account.pk, service.pk, meter.pk if meter else None, line.zone, line.kind,
                             line.volume.quantize(VOLUME_STEP), line.price, line.amount, line.protocol))
                amount += line.amount
    report.lines += len(rows)
    report.amount += amount
    return BatchLines(rows, *data.status_changes(period))
