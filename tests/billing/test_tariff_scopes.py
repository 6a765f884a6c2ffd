"""Which tariff prices a line (building, then building group, then organisation) and the per-service
number of periods billed by the average."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from kabinet.billing import services
from kabinet.billing.loading import Rates
from kabinet.billing.models import BuildingGroup, Charge, Tariff
from kabinet.registry.models import Service
from tests import factories
from tests.billing.factories import NormativeFactory, TariffFactory, reading_history
from tests.metering.factories import MeterFactory

D = dt.date
M = Decimal
pytestmark = pytest.mark.django_db
PERIOD = D(2026, 3, 1)


@pytest.fixture
def upkeep(org):
    service = factories.ServiceFactory(organization=org, code="upkeep", name="Содержание", unit="м²",
                                       method=Service.Method.AREA)
    TariffFactory(service=service, price=M("20.00"))
    return service


def account_in(org, building, number):
    premises = factories.PremisesFactory(building=building, number=number, area=M("50.00"))
    return factories.AccountFactory(organization=org, premises=premises, number=number, area=M("50.00"))


def test_building_then_group_then_organisation(org, upkeep):
    plain, grouped, own = (factories.BuildingFactory(street="ул. Тарифная", house=h) for h in "123")
    group = BuildingGroup.objects.create(organization=org, name="С лифтом")
    group.buildings.add(grouped, own)
    TariffFactory(service=upkeep, price=M("25.00"), building_group=group)
    TariffFactory(service=upkeep, price=M("30.00"), building=own)
    accounts = [account_in(org, b, n) for b, n in ((plain, "1"), (grouped, "2"), (own, "3"))]

    services.run_billing(org, PERIOD)

    amounts = [Charge.objects.get(account=a, period=PERIOD).amount for a in accounts]
    assert amounts == [M("1000.00"), M("1250.00"), M("1500.00")]


def test_groups_are_searched_by_name_and_zone_tariffs_win_within_a_scope(org, upkeep):
    building = factories.BuildingFactory()
    second = BuildingGroup.objects.create(organization=org, name="Б")
    first = BuildingGroup.objects.create(organization=org, name="А")
    for group in (second, first):
        group.buildings.add(building)
    TariffFactory(service=upkeep, price=M("7.00"), building_group=second)
    TariffFactory(service=upkeep, price=M("5.00"), building_group=first, zone="T1")
    TariffFactory(service=upkeep, price=M("6.00"), building_group=first)

    rates = Rates(org, PERIOD)

    assert [s.price for s in rates.tariffs_for(upkeep.pk, "T1", building.pk)] == [M("5.00")]
    assert [s.price for s in rates.tariffs_for(upkeep.pk, "T2", building.pk)] == [M("6.00")]
    assert [s.price for s in rates.tariffs_for(upkeep.pk, "", factories.BuildingFactory().pk)] == [M("20.00")]


def test_another_organisations_group_does_not_apply(org, upkeep):
    building = factories.BuildingFactory()
    other = factories.OrganizationFactory()
    foreign = BuildingGroup.objects.create(organization=other, name="Чужая")
    foreign.buildings.add(building)
    other_service = factories.ServiceFactory(organization=other, code="upkeep", method=Service.Method.AREA)
    TariffFactory(service=other_service, price=M("99.00"), building_group=foreign)

    assert [s.price for s in Rates(org, PERIOD).tariffs_for(upkeep.pk, "", building.pk)] == [M("20.00")]


def test_tariff_scope_is_validated(org, upkeep):
    group = BuildingGroup.objects.create(organization=org, name="Группа")
    foreign_group = BuildingGroup.objects.create(organization=factories.OrganizationFactory(), name="Группа")
    both = Tariff(organization=org, service=upkeep, price=M("1"), valid_from=PERIOD,
                  building=factories.BuildingFactory(), building_group=group)
    with pytest.raises(ValidationError) as error:
        both.full_clean()
    assert "building_group" in error.value.message_dict
    foreign = Tariff(organization=org, service=upkeep, price=M("1"), valid_from=PERIOD, building_group=foreign_group,
                     valid_to=D(2026, 1, 1))
    with pytest.raises(ValidationError) as error:
        foreign.full_clean()
    assert set(error.value.message_dict) == {"building_group", "valid_to"}


def test_a_service_may_bill_by_the_average_longer_than_the_organisation(org, account):
    meter = MeterFactory(account=account)
    water = meter.service
    TariffFactory(service=water, price=M("50.93"))
    NormativeFactory(service=water, value=M("6.935"))
    account.residents = 3
    account.save()
    reading_history(meter, D(2025, 7, 1), M("68.6"), ["5.1", "4.8", "5.4", "6.0", "5.2", "4.9"])

    def kinds():
        return [Charge.objects.get(account=account, period=D(2026, m, 1)).kind for m in (2, 3, 4, 5)]

    for month in (2, 3, 4, 5):
        services.run_billing(org, D(2026, month, 1))
    assert kinds() == ["average", "average", "average", "normative"]

    water.max_average_periods = 6
    water.save()
    for month in (2, 3, 4, 5):
        services.run_billing(org, D(2026, month, 1))
    assert kinds() == ["average"] * 4
