"""Billing services on the database: the run, payments, penalties, closing, balances."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kabinet.billing import services
from kabinet.billing.models import Allocation, Balance, BillingPeriod, Charge, Payment, PenaltyCharge
from kabinet.metering.models import Reading
from kabinet.registry.models import Service
from tests import factories
from tests.billing.factories import NormativeFactory, TariffFactory, add_reading, reading_history
from tests.metering.factories import MeterFactory

D = dt.date
M = Decimal
pytestmark = pytest.mark.django_db


def reconciles(account_ids=None):
    balances = Balance.objects.all() if account_ids is None else Balance.objects.filter(account_id__in=account_ids)
    for b in balances:
        assert b.opening + b.charged + b.recalculated + b.penalty - b.paid == b.closing, b


@pytest.fixture
def water(account):
    meter = MeterFactory(account=account)
    TariffFactory(service=meter.service, price=M("50.93"))
    return meter


@pytest.fixture
def upkeep(org):
    service = factories.ServiceFactory(organization=org, code="upkeep", name="Содержание", unit="м²",
                                       method=Service.Method.AREA)
    TariffFactory(service=service, price=M("20.00"))
    return service


def amounts(account, period):
    return [(c.kind, c.amount) for c in Charge.objects.filter(account=account, period=period).order_by("pk")]


def test_domain_true_up_example(org, account, water):
    """History 5.1 … 4.9, January 100.000, no readings in February and March, 118.000 in April."""
    readings = reading_history(water, D(2025, 7, 1), M("68.6"), ["5.1", "4.8", "5.4", "6.0", "5.2", "4.9"])
    assert readings[-1].value == M("100.0") and readings[-1].period == D(2026, 1, 1)
    for month in (2, 3):
        services.run_billing(org, D(2026, month, 1))
        assert amounts(account, D(2026, month, 1)) == [("average", M("266.53"))]
    add_reading(water, D(2026, 4, 1), M("118.000"), readings[-1])
    services.run_billing(org, D(2026, 4, 1))
    [april] = Charge.objects.filter(account=account, period=D(2026, 4, 1))
    assert (april.kind, april.volume, april.amount) == ("metered", M("7.533334"), M("383.67"))
    assert "10,46667" in april.protocol and april.protocol.startswith("Холодная вода: по показаниям 18")
    reconciles()


def test_protocol_of_the_average_is_russian(org, account, water):
    reading_history(water, D(2025, 7, 1), M("68.6"), ["5.1", "4.8", "5.4", "6.0", "5.2", "4.9"])
    services.run_billing(org, D(2026, 2, 1))
    charge = Charge.objects.get(account=account)
    assert charge.protocol == ("Холодная вода: среднее за 6 мес. (5,1; 4,8; 5,4; 6,0; 5,2; 4,9) = 5,23333 м³ × "
                               "50,93 ₽ = 266,53 ₽")


def test_after_three_average_periods_the_normative(org, account, water):
    NormativeFactory(service=water.service, value=M("6.935"))
    account.residents = 3
    account.save()
    reading_history(water, D(2025, 7, 1), M("68.6"), ["5.1", "4.8", "5.4", "6.0", "5.2", "4.9"])
    for month in (2, 3, 4, 5):
        services.run_billing(org, D(2026, month, 1))
    kinds = [Charge.objects.get(account=account, period=D(2026, m, 1)).kind for m in (2, 3, 4, 5)]
    assert kinds == ["average", "average", "average", "normative"]
    assert Charge.objects.get(account=account, period=D(2026, 5, 1)).volume == M("20.805")


def test_expired_verification_then_normative_times_1_5(org, account):
    meter = MeterFactory(account=account, verification_due=D(2026, 1, 31))
    TariffFactory(service=meter.service, price=M("10"))
    NormativeFactory(service=meter.service, value=M("2"))
    readings = reading_history(meter, D(2025, 7, 1), M("10"), ["3"] * 6)
    add_reading(meter, D(2026, 2, 1), M("40"), readings[-1])  # an unverified meter's reading does not count
    for month in (2, 3, 4, 5):
        services.run_billing(org, D(2026, month, 1))
    lines = [Charge.objects.get(account=account, period=D(2026, m, 1)) for m in (2, 3, 4, 5)]
    assert [c.kind for c in lines] == ["average", "average", "average", "normative"]
    assert lines[-1].volume == M("6") and "× (1 + 0,5)" in lines[-1].protocol  # 2 residents × 2 × 1.5


def test_no_meter_is_billed_by_normative_with_k(org, account):
    service = factories.ServiceFactory(organization=org, code="hot", name="ГВС", method=Service.Method.METERED)
    TariffFactory(service=service, price=M("100"))
    NormativeFactory(service=service, value=M("3"))
    services.run_billing(org, D(2026, 3, 1))
    charge = Charge.objects.get(account=account)
    assert (charge.kind, charge.volume, charge.amount) == ("normative", M("9"), M("900.00"))  # 2 × 3 × 1.5


def test_three_zone_electricity(org, account):
    meter = MeterFactory(account=account, zone_count=3, service__code="electricity", service__name="ЭЭ")
    for zone, price in (("T1", "6.18"), ("T2", "1.74"), ("T3", "5.15")):
        TariffFactory(service=meter.service, zone=zone, price=M(price))
    for zone, used in (("T1", 90), ("T2", 60), ("T3", 120)):
        base = reading_history(meter, D(2026, 2, 1), M(1000), [], zone=zone)[0]
        add_reading(meter, D(2026, 3, 1), M(1000 + used), base, zone=zone)
    services.run_billing(org, D(2026, 3, 1))
    lines = Charge.objects.filter(account=account).order_by("zone")
    assert [c.amount for c in lines] == [M("556.20"), M("104.40"), M("618.00")]
    assert Balance.objects.get(account=account, period=D(2026, 3, 1)).charged == M("1278.60")


def test_run_is_idempotent_and_keeps_manual_lines(org, account, water, upkeep, staff):
    reading_history(water, D(2026, 1, 1), M("10"), ["4"])
    services.run_billing(org, D(2026, 2, 1))
    first = sorted(amounts(account, D(2026, 2, 1)))
    services.add_recalculation(account, upkeep, M("-15.00"), reason="Перерасчёт за отсутствие", acting_user=staff,
                               period=D(2026, 2, 10))
    services.run_billing(org, D(2026, 2, 1))
    assert sorted(amounts(account, D(2026, 2, 1))) == sorted([*first, ("recalculation", M("-15.00"))])
    balance = Balance.objects.get(account=account, period=D(2026, 2, 1))
    assert (balance.charged, balance.recalculated) == (M("1289.72"), M("-15.00"))  # 54.30 × 20 + 4 × 50.93
    assert Balance.objects.filter(account=account).count() == 1
    reconciles()


def test_a_closed_period_never_changes(org, account, upkeep):
    services.run_billing(org, D(2026, 1, 1))
    services.close_period(org, D(2026, 1, 1))
    before = list(Balance.objects.filter(period=D(2026, 1, 1)).values())
    with pytest.raises(services.BillingError):
        services.run_billing(org, D(2026, 1, 1))
    payment = services.record_payment(account, M("100"), paid_on=D(2026, 1, 20), source="bank")
    assert payment.period == D(2026, 2, 1)  # posted in the first open period
    services.compute_penalties(org, D(2026, 1, 31))
    assert list(Balance.objects.filter(period=D(2026, 1, 1)).values()) == before
    assert Balance.objects.get(account=account, period=D(2026, 2, 1)).opening == before[0]["closing"]
    assert BillingPeriod.objects.get(organization=org, period=D(2026, 1, 1)).is_closed
    services.close_period(org, D(2026, 1, 1))  # closing twice is harmless
    reconciles()


def test_payment_allocation_across_periods_and_services(org, account, water, upkeep):
    reading_history(water, D(2025, 12, 1), M("10"), ["2", "3"])  # January 2, February 3 m³
    services.run_billing(org, D(2026, 1, 1))
    services.run_billing(org, D(2026, 2, 1))
    # January: 1086.00 upkeep + 101.86 water = 1187.86; February: 1086.00 + 152.79 = 1238.79.
    payment = services.record_payment(account, M("1500.00"), paid_on=D(2026, 3, 5), source="bank")
    lines = [(a.period, a.service_id, a.kind, a.amount) for a in payment.allocations.order_by("pk")]
    assert lines[:2] == [(D(2026, 1, 1), water.service_id, "principal", M("101.86")),
                         (D(2026, 1, 1), upkeep.pk, "principal", M("1086.00"))]
    february = [line for line in lines if line[0] == D(2026, 2, 1)]
    assert sum(line[3] for line in february) == M("312.14")
    assert sum(line[3] for line in lines) == M("1500.00")
    assert Balance.objects.get(account=account, period=D(2026, 3, 1)).paid == M("1500.00")
    reconciles()


def test_named_period_and_advance_used_by_the_next_run(org, account, upkeep):
    services.run_billing(org, D(2026, 1, 1))
    payment = services.record_payment(account, M("2000.00"), paid_on=D(2026, 1, 25), period=D(2026, 1, 1),
                                      source="portal")
    kinds = {a.kind: a.amount for a in payment.allocations.all()}
    assert kinds == {"principal": M("1086.00"), "advance": M("914.00")}
    services.run_billing(org, D(2026, 2, 1))
    applied = Allocation.objects.filter(applied_by_run=D(2026, 2, 1))
    assert sum(a.amount for a in applied if a.kind == "principal") == M("914.00")
    assert Balance.objects.get(account=account, period=D(2026, 2, 1)).closing == M("172.00")
    services.run_billing(org, D(2026, 2, 1))  # a re-run applies the advance once
    assert Allocation.objects.filter(applied_by_run=D(2026, 2, 1)).count() == applied.count()
    reconciles()


def test_same_external_id_is_recorded_once(account, upkeep):
    first = services.record_payment(account, M("10"), paid_on=D(2026, 1, 5), source="bank", external_id="op-1")
    again = services.record_payment(account, M("10"), paid_on=D(2026, 1, 5), source="bank", external_id="op-1")
    assert first.pk == again.pk and Payment.objects.count() == 1
    with pytest.raises(services.BillingError):
        services.record_payment(account, M("0"), paid_on=D(2026, 1, 5), source="bank")


def test_penalties_domain_example_and_payment(org, account):
    service = factories.ServiceFactory(organization=org, code="rent", name="Наём", method=Service.Method.FIXED)
    TariffFactory(service=service, price=M("10000.00"))
    services.run_billing(org, D(2024, 1, 1))  # due 10.02.2024
    assert services.compute_penalties(org, D(2024, 3, 31)) == M("63.33")
    line = PenaltyCharge.objects.get(account=account)
    assert (line.period, line.debt_period, line.amount) == (D(2024, 3, 1), D(2024, 1, 1), M("63.33"))
    assert services.compute_penalties(org, D(2024, 3, 31)) == M("63.33")  # idempotent
    assert Balance.objects.get(account=account, period=D(2024, 3, 1)).penalty == M("63.33")
    # Paid in full on 31.03: principal first, penalties last; in April nothing more accrues.
    payment = services.record_payment(account, M("10063.33"), paid_on=D(2024, 3, 31), source="bank")
    assert {a.kind: a.amount for a in payment.allocations.all()} == {"principal": M("10000.00"), "penalty": M("63.33")}
    assert services.compute_penalties(org, D(2024, 4, 30)) == 0
    assert Balance.objects.get(account=account, period=D(2024, 4, 1)).closing == 0
    reconciles()


def test_the_run_is_set_wise():
    """The number of queries does not grow with the number of accounts."""
    def queries(count):
        org = factories.OrganizationFactory()
        upkeep = factories.ServiceFactory(organization=org, method=Service.Method.AREA)
        TariffFactory(service=upkeep, price=M("20.00"))
        water = None
        for _n in range(count):
            meter = MeterFactory(account=factories.AccountFactory(organization=org), **({"service": water} if water else {}))
            water = meter.service
            reading_history(meter, D(2026, 4, 1), M(10), ["1"])
        TariffFactory(service=water)
        with CaptureQueriesContext(connection) as ctx:
            services.run_billing(org, D(2026, 5, 1))
        assert Charge.objects.filter(account__organization=org).count() == 2 * count
        return len(ctx.captured_queries)

    assert queries(2) == queries(8)


def test_progress_is_reported_per_batch(org, upkeep):
    accounts = [factories.AccountFactory(organization=org) for _n in range(5)]
    calls = []
    services.run_billing(org, D(2026, 5, 1), batch_size=2, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert Charge.objects.filter(account__in=accounts, period=D(2026, 5, 1)).count() == 5


def test_balances_carry_through_later_periods_and_stop_at_a_closed_one(org, account, upkeep, staff):
    """A change in an earlier period moves the later balances (each opening is the previous closing) and
    leaves other accounts alone; once a later period is closed, a correction of an earlier open one goes
    into the first period after the closed one (else it would never reach a closing)."""
    other = factories.AccountFactory(organization=org, area=M("10.00"))
    for month in (1, 2, 3):
        services.run_billing(org, D(2026, month, 1))

    def closings(acc):
        return [(b.period.month, b.opening, b.closing) for b in Balance.objects.filter(account=acc).order_by("period")]

    assert closings(account) == [(1, 0, M("1086.00")), (2, M("1086.00"), M("2172.00")), (3, M("2172.00"), M("3258.00"))]
    services.add_recalculation(other, upkeep, M("-50.00"), reason="Перерасчёт", acting_user=staff, period=D(2026, 1, 5))
    assert closings(other) == [(1, 0, M("150.00")), (2, M("150.00"), M("350.00")), (3, M("350.00"), M("550.00"))]
    services.add_recalculation(account, upkeep, M("-86.00"), reason="Перерасчёт", acting_user=staff, period=D(2026, 1, 5))
    assert closings(other)[-1] == (3, M("350.00"), M("550.00"))
    assert closings(account) == [(1, 0, M("1000.00")), (2, M("1000.00"), M("2086.00")), (3, M("2086.00"), M("3172.00"))]
    services.close_period(org, D(2026, 2, 1))
    services.add_recalculation(account, upkeep, M("-100.00"), reason="Перерасчёт", acting_user=staff,
                               period=D(2026, 1, 5))
    assert closings(account) == [(1, 0, M("1000.00")), (2, M("1000.00"), M("2086.00")), (3, M("2086.00"), M("3072.00"))]
    assert Charge.objects.get(account=account, amount=M("-100.00")).period == D(2026, 3, 1)
    reconciles()


def test_wastewater_adds_up_the_accounts_cold_and_hot_water_and_follows_a_true_up(org, account):
    """Sewage without a meter (ПП 354 п. 42): the period's cold + hot water volumes of the same account,
    whatever rule gave them; a late reading's credit on cold water reaches the sewage line too."""
    cold = MeterFactory(account=account)
    hot = MeterFactory(account=account, resource="hot_water", service=factories.ServiceFactory(
        organization=org, code="hot_water", name="Горячая вода", unit="м³"))
    sewage = factories.ServiceFactory(organization=org, code="sewage", name="Водоотведение", unit="м³",
                                      method=Service.Method.SUM_OF_VOLUMES)
    sewage.volume_of.set([cold.service, hot.service])
    for service, price in ((cold.service, "50.93"), (hot.service, "230.50"), (sewage, "38.62")):
        TariffFactory(service=service, price=M(price))
    cold_readings = reading_history(cold, D(2025, 10, 1), M(100), ["3", "3", "3", "3"])  # through February
    reading_history(hot, D(2025, 10, 1), M(50), ["2", "2", "2", "2", "2"])  # through March

    services.run_billing(org, D(2026, 3, 1))  # cold by the average (3), hot metered (2)
    [line] = Charge.objects.filter(service=sewage, period=D(2026, 3, 1))
    assert (line.kind, line.volume, line.amount) == ("average", M(5), M("193.10"))
    assert line.protocol == ("Водоотведение: сумма объёмов: Холодная вода 3 + Горячая вода 2 = 5 м³ × 38,62 ₽ = "
                             "193,10 ₽")

    # April: the cold reading comes (1 m³ since February's), so the average billed in March is trued up.
    add_reading(cold, D(2026, 4, 1), cold_readings[-1].value + 1, cold_readings[-1])
    add_reading(hot, D(2026, 4, 1), M(65), Reading.objects.filter(meter=hot).order_by("-period").first())
    services.run_billing(org, D(2026, 4, 1))
    cold_april = Charge.objects.get(service=cold.service, period=D(2026, 4, 1))
    assert (cold_april.kind, cold_april.volume) == ("recalculation", M(-2))
    [line] = Charge.objects.filter(service=sewage, period=D(2026, 4, 1))
    assert (line.kind, line.volume, line.amount) == ("metered", M(3), M("115.86"))
    assert "− Холодная вода 2 + Горячая вода 5 = 3 м³" in line.protocol
    reconciles()


def test_a_sum_of_volumes_with_nothing_to_add_is_reported(org, account):
    sewage = factories.ServiceFactory(organization=org, code="sewage", method=Service.Method.SUM_OF_VOLUMES)
    TariffFactory(service=sewage, price=M("38.62"))
    report = services.run_billing(org, D(2026, 3, 1))
    assert report.problems == {"no_source_volume": 1}
    assert not Charge.objects.filter(service=sewage).exists()
