"""Bulk reads the engine needs for one organisation and period: the rate table, due dates, settings,
tariffs and normatives. One query per kind, whatever the number of accounts."""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.db.models import Q

from kabinet.billing.models import (
    BillingSettings,
    BuildingGroup,
    DueDateRule,
    KeyRate,
    Normative,
    PenaltyRule,
    Tariff,
)
from kabinet.billing.rules import penalties, volumes
from kabinet.billing.rules.charges import TariffSpan, month_bounds
from kabinet.core.models import Organization


def rate_table() -> penalties.RateTable:
    """The key rates and penalty rules from the database (the built-in data if the table is empty)."""
    rates = tuple(KeyRate.objects.order_by("date").values_list("date", "rate"))
    if not rates:
        return penalties.RateTable.default()
    rules = tuple(penalties.PenaltyRule(r.start, r.end, r.kind, r.rate, r.source) for r in PenaltyRule.objects.all())
    return penalties.RateTable(key_rates=rates, rules=rules)


def due_function(organization: Organization) -> Callable[[dt.date], dt.date]:
    """period → due date, with the organisation's rules or the law's default."""
    rules = [penalties.DueDay(r.valid_from, r.day) for r in DueDateRule.objects.filter(organization=organization)]
    rules = rules or list(penalties.DEFAULT_DUE_DAYS)
    cache: dict[dt.date, dt.date] = {}

    def due(period: dt.date) -> dt.date:
        if period not in cache:
            cache[period] = penalties.due_date(period, rules)
        return cache[period]

    return due


def billing_settings(organization: Organization) -> BillingSettings:
    """The organisation's settings, or the defaults (unsaved) when it has none."""
    return BillingSettings.objects.filter(organization=organization).first() or BillingSettings(organization=organization)


def volume_settings(settings: BillingSettings) -> volumes.VolumeSettings:
    return volumes.VolumeSettings(max_average_periods=settings.max_average_periods,
                                  failure_multiplier=settings.failure_multiplier, no_meter_k=settings.no_meter_k)


class Rates:
    """Tariffs and normatives of one organisation in force during one month.

    The narrowest scope wins: a tariff for the account's building, then for a group the building is in
    (groups by name), then the organisation's; within each, a tariff for the zone wins over one for
    every zone.
    """

    def __init__(self, organization: Organization, period: dt.date):
        first, last = month_bounds(period)
        in_month = Q(valid_from__lte=last) & (Q(valid_to__isnull=True) | Q(valid_to__gte=first))
        self.tariffs: dict[tuple, list[TariffSpan]] = defaultdict(list)
        for t in Tariff.objects.filter(in_month, organization=organization).order_by("valid_from", "pk"):
            scope = ("b", t.building_id) if t.building_id else ("g", t.building_group_id) if t.building_group_id else None
            self.tariffs[(t.service_id, t.zone, scope)].append(TariffSpan(t.valid_from, t.valid_to, t.price))
        self.groups: dict[int, list[int]] = defaultdict(list)  # building id → its groups, by name
        for building_id, group_id in (BuildingGroup.buildings.through.objects
                                      .filter(buildinggroup__organization=organization)
                                      .order_by("buildinggroup__name", "buildinggroup_id")
                                      .values_list("building_id", "buildinggroup_id")):
            self.groups[building_id].append(group_id)
        self.normatives: dict[tuple[int, str], Decimal] = {}
        for n in Normative.objects.filter(organization=organization, valid_from__lte=first).filter(
                Q(valid_to__isnull=True) | Q(valid_to__gte=first)).order_by("valid_from", "pk"):
            self.normatives[(n.service_id, n.basis)] = n.value
        self._found: dict[tuple, tuple[TariffSpan, ...]] = {}

    def tariffs_for(self, service_id: int, zone: str, building_id: int | None) -> tuple[TariffSpan, ...]:
        """The tariffs that price a service (zone) in a building; found once per building (a run asks
        for every account)."""
        key = (service_id, zone, building_id)
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = tuple(self._find(service_id, zone, building_id))
        return found

    def _find(self, service_id: int, zone: str, building_id: int | None) -> list[TariffSpan]:
        scopes = [("b", building_id)] if building_id else []
        scopes += [("g", group_id) for group_id in self.groups.get(building_id, ())]
        scopes.append(None)
        for scope in scopes:
            for key in ((service_id, zone, scope), (service_id, "", scope)):
                if key in self.tariffs:
                    return self.tariffs[key]
        return []

    def has_tariff(self, service_id: int) -> bool:
        return any(key[0] == service_id for key in self.tariffs)

    def normative_for(self, service, basis: str = Normative.Basis.PER_RESIDENT) -> Decimal | None:
        return self.normatives.get((service.pk, basis), service.normative)

    def common_area_normative(self, service_id: int) -> Decimal | None:
        """The normative per m² of common property (the cap of common-house needs), if one is in force;
        `Service.normative` (per resident) is no fallback here."""
        return self.normatives.get((service_id, Normative.Basis.PER_COMMON_AREA))
