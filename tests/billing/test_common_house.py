"""Common-house needs in the billing run, on the database (DOMAIN.md §7).

A building with a house electricity meter and four premises: flat 1 (60 m², metered, 150 kWh), flat 2
(40 m², no meter: normative 2 × 100 × 1.5 = 300 kWh), flat 3 (50 m², a meter without a reading this
month: its average, 100 kWh) and a non-residential room (90 m², metered, 450 kWh). Individual 1 000 kWh;
the house meter counts 1 240 kWh, so the common volume is 240 kWh over 240 m².
"""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing import services
from kabinet.billing.models import Balance, Charge, CommonHouseLoss, Normative
from kabinet.core.money import add_months
from kabinet.metering.models import Meter
from kabinet.registry.models import Premises, Service
from tests import factories
from tests.billing.factories import NormativeFactory, TariffFactory, add_reading, reading_history
from tests.metering.factories import MeterFactory, ReadingFactory

D = dt.date
M = Decimal
PERIOD = D(2026, 4, 1)
COMMON_AREA = M(1200)
pytestmark = pytest.mark.django_db


class House:
    def __init__(self, org, *, common_area=COMMON_AREA):
        self.org = org
        self.service = Service.objects.filter(organization=org, code="electricity").first()
        if self.service is None:  # a second house of the same organisation shares its service
            self.service = factories.ServiceFactory(organization=org, code="electricity", name="Электроснабжение",
                                                    unit="кВт·ч", method=Service.Method.METERED)
            TariffFactory(service=self.service, price=M("1.936"))
            NormativeFactory(service=self.service, value=M(100))
        self.building = factories.BuildingFactory(common_area=common_area)
        self.flats = {}
        for name, area, kind in (("1", M(60), Premises.Kind.RESIDENTIAL), ("2", M(40), Premises.Kind.RESIDENTIAL),
                                 ("3", M(50), Premises.Kind.RESIDENTIAL),
                                 ("shop", M(90), Premises.Kind.NON_RESIDENTIAL)):
            premises = factories.PremisesFactory(building=self.building, number=name, area=area, kind=kind)
            self.flats[name] = factories.AccountFactory(organization=org, premises=premises, area=area, residents=2)
        self._metered(self.flats["1"], M(150))
        self._metered(self.flats["shop"], M(450))
        reading_history(self.meter(self.flats["3"]), add_months(PERIOD, -7), M(1000), [100] * 6)
        self.house_meter = MeterFactory(account=None, building=self.building, organization=org, service=self.service,
                                        resource=Meter.Resource.ELECTRICITY, serial_number=f"ОДПУ-{self.building.pk}")
        base = ReadingFactory(meter=self.house_meter, value=M(50000), period=add_months(PERIOD, -1),
                              taken_on=D(2026, 3, 20))
        self.house_reading = add_reading(self.house_meter, PERIOD, M(51240), base)

    def meter(self, account):
        return MeterFactory(account=account, service=self.service, resource=Meter.Resource.ELECTRICITY)

    def _metered(self, account, volume):
        meter = self.meter(account)
        base = ReadingFactory(meter=meter, value=M(1000), period=add_months(PERIOD, -1), taken_on=D(2026, 3, 20))
        add_reading(meter, PERIOD, M(1000) + volume, base)

    def common_lines(self):
        return {c.account.premises.number: c for c in Charge.objects.filter(kind=Charge.Kind.COMMON, period=PERIOD)
                .select_related("account__premises")}


@pytest.fixture
def house(org):
    return House(org)


def test_common_volume_is_shared_by_area(org, house):
    report = services.run_billing(org, PERIOD)
    lines = house.common_lines()
    assert {n: (c.volume, c.tariff, c.amount) for n, c in lines.items()} == {
        "1": (M(60), M("1.936"), M("116.16")), "2": (M(40), M("1.936"), M("77.44")),
        "3": (M(50), M("1.936"), M("96.80")), "shop": (M(90), M("1.936"), M("174.24")),
    }
    assert sum(c.amount for c in lines.values()) == M(240) * M("1.936")
    assert all(c.automatic and c.meter_id is None for c in lines.values())
    protocol = lines["3"].protocol.replace("\u202f", " ")
    assert "(1 240 − 1 000) × 50 / 240 = 50 кВт·ч × 1,936 ₽ = 96,80 ₽" in protocol
    loss = CommonHouseLoss.objects.get()
    assert (loss.house_volume, loss.individual_volume, loss.common_volume, loss.cap_volume, loss.distributed_volume,
            loss.loss_volume, loss.distributed_amount, loss.loss_amount, loss.accounts) == (
        M(1240), M(1000), M(240), None, M(240), M(0), M("464.64"), M("0.00"), 4)
    assert report.lines == Charge.objects.filter(period=PERIOD).count()
    assert report.amount == sum(c.amount for c in Charge.objects.filter(period=PERIOD))


def test_capped_at_the_normative_for_common_property_the_rest_is_a_loss(org, house):
    NormativeFactory(service=house.service, value=M("0.1"), basis=Normative.Basis.PER_COMMON_AREA)
    services.run_billing(org, PERIOD)
    lines = house.common_lines()
    assert {n: (c.volume, c.amount) for n, c in lines.items()} == {
        "1": (M(30), M("58.08")), "2": (M(20), M("38.72")), "3": (M(25), M("48.40")), "shop": (M(45), M("87.12")),
    }
    protocol = lines["1"].protocol.replace("\u202f", " ")
    assert "min(1 240 − 1 000; " in protocol and " 0,1 × 1 200) × 60 / 240 = 30 кВт·ч × 1,936 ₽ = 58,08 ₽" in protocol
    loss = CommonHouseLoss.objects.get()
    assert (loss.cap_volume, loss.distributed_volume, loss.loss_volume, loss.tariff) == (M(120), M(120), M(120),
                                                                                           M("1.936"))
    assert (loss.distributed_amount, loss.loss_amount) == (M("232.32"), M("232.32"))
    assert (loss.normative, loss.common_area, loss.building, loss.service) == (M("0.1"), M(1200), house.building,
                                                                               house.service)


def test_balances_include_the_common_house_lines_and_a_rerun_replaces_them(org, house):
    services.run_billing(org, PERIOD)
    flat = house.flats["1"]
    # 150 kWh × 1.936 = 290.40 individually, 60 kWh × 1.936 = 116.16 for the common property.
    assert Balance.objects.get(account=flat, period=PERIOD).charged == M("406.56")
    before = sorted(Charge.objects.filter(period=PERIOD).values_list("account_id", "kind", "volume", "amount"))
    report = services.run_billing(org, PERIOD)
    assert sorted(Charge.objects.filter(period=PERIOD).values_list("account_id", "kind", "volume", "amount")) == before
    assert CommonHouseLoss.objects.count() == 1 and not report.problems
    for balance in Balance.objects.filter(period=PERIOD):
        charged = sum(c.amount for c in Charge.objects.filter(account=balance.account, period=PERIOD))
        assert balance.charged == charged
        assert balance.closing == balance.opening + balance.charged + balance.recalculated + balance.penalty - balance.paid


def test_an_advance_pays_the_common_house_line_too(org, house):
    flat = house.flats["1"]
    services.record_payment(flat, M("1000.00"), paid_on=D(2026, 3, 25), source="bank")
    services.run_billing(org, PERIOD)
    from django.db.models import Sum

    from kabinet.billing.models import Allocation

    paid = Allocation.objects.filter(account=flat, period=PERIOD, kind="principal").aggregate(s=Sum("amount"))["s"]
    assert paid == M("406.56")


def test_without_a_house_reading_in_the_period_nothing_is_distributed(org, house):
    house.house_reading.delete()
    report = services.run_billing(org, PERIOD)
    assert not Charge.objects.filter(kind=Charge.Kind.COMMON).exists()
    assert not CommonHouseLoss.objects.exists()
    assert report.problems["common_no_house_reading"] == 1


def test_individual_volume_above_the_house_meter_is_flagged(org, house):
    house.house_reading.value = M(50900)
    house.house_reading.consumption = M(900)
    house.house_reading.save()
    report = services.run_billing(org, PERIOD)
    assert not Charge.objects.filter(kind=Charge.Kind.COMMON).exists()
    loss = CommonHouseLoss.objects.get()
    assert loss.individual_exceeds_house and loss.common_volume == 0 and loss.distributed_amount == 0
    assert report.problems["common_individual_exceeds_house"] == 1


def test_another_organisations_accounts_in_the_building_are_not_charged(org, house, other_org):
    premises = factories.PremisesFactory(building=house.building, number="7", area=M(70))
    stranger = factories.AccountFactory(organization=other_org, premises=premises, area=M(70))
    services.run_billing(org, PERIOD)
    assert not Charge.objects.filter(account=stranger).exists()
    assert CommonHouseLoss.objects.get().accounts == 4


def test_queries_do_not_grow_with_buildings(org):
    """A fixed number of queries for the common-house pass, whatever the number of buildings."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    House(org)
    services.run_billing(org, PERIOD)  # the period's row is created once
    with CaptureQueriesContext(connection) as one:
        services.run_billing(org, PERIOD)
    for n in range(2):
        extra = House.__new__(House)
        extra.org = org
        extra.service = Service.objects.get(organization=org, code="electricity")
        extra.building = factories.BuildingFactory(common_area=M(500))
        premises = factories.PremisesFactory(building=extra.building, number="1", area=M(50))
        account = factories.AccountFactory(organization=org, premises=premises, area=M(50))
        extra._metered(account, M(100))
        meter = MeterFactory(account=None, building=extra.building, organization=org, service=extra.service,
                             serial_number=f"ОДПУ-x{n}")
        base = ReadingFactory(meter=meter, value=M(100), period=add_months(PERIOD, -1), taken_on=D(2026, 3, 20))
        add_reading(meter, PERIOD, M(300), base)
    services.run_billing(org, PERIOD)  # the new readings become billed once
    with CaptureQueriesContext(connection) as three:
        services.run_billing(org, PERIOD)
    assert CommonHouseLoss.objects.count() == 3
    assert len(three.captured_queries) == len(one.captured_queries)


def test_a_house_meter_of_a_service_charged_by_area_gives_no_common_lines(org, house):
    heating = factories.ServiceFactory(organization=org, code="heating", name="Отопление", unit="Гкал",
                                       method=Service.Method.AREA)
    TariffFactory(service=heating, price=M("19.38"))
    meter = MeterFactory(account=None, building=house.building, organization=org, service=heating,
                         resource=Meter.Resource.HEAT, serial_number="ТЕПЛО-1")
    base = ReadingFactory(meter=meter, value=M(100), period=add_months(PERIOD, -1), taken_on=D(2026, 3, 20))
    add_reading(meter, PERIOD, M(160), base)
    services.run_billing(org, PERIOD)
    assert not Charge.objects.filter(kind=Charge.Kind.COMMON, service=heating).exists()
    assert list(CommonHouseLoss.objects.values_list("service__code", flat=True)) == ["electricity"]


def test_the_house_reading_used_becomes_billed_and_accepted_again_when_no_longer_used(org, house):
    from kabinet.metering.models import Reading

    services.run_billing(org, PERIOD)
    house.house_reading.refresh_from_db()
    assert house.house_reading.status == Reading.Status.BILLED
    for flat in house.flats.values():  # no account left to share among: the figures are not used
        flat.closed_on = D(2026, 1, 31)
        flat.save()
    services.run_billing(org, PERIOD)
    house.house_reading.refresh_from_db()
    assert house.house_reading.status == Reading.Status.ACCEPTED
    assert not CommonHouseLoss.objects.exists()
