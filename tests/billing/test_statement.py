"""The statement selector on engine data (runs, payments, penalties, a recalculation) and on loaded
balances only; its query count; the penalty calculator's read of the rate table."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from kabinet.billing import services
from kabinet.billing.models import Balance, KeyRate, PenaltyRule
from kabinet.billing.statement import DEBT, OVERPAID, SETTLED, account_statement, calculate_penalty
from kabinet.registry.models import Service
from tests import factories
from tests.billing.factories import TariffFactory, add_reading, reading_history
from tests.metering.factories import MeterFactory

D = dt.date
M = Decimal
pytestmark = pytest.mark.django_db

FIELDS = ("opening", "charged", "recalculated", "paid", "penalty", "closing")


@pytest.fixture
def engine_account(org, account, staff):
    """February–April billed by the engine (water by average, then the April true-up; upkeep by area),
    a bank payment in April, a recalculation in April, penalties computed on 20.05.2026."""
    water = MeterFactory(account=account, service__name="Холодная вода", service__unit="м³")
    TariffFactory(service=water.service, price=M("50.93"))
    upkeep = factories.ServiceFactory(organization=org, code="upkeep", name="Содержание", unit="м²",
                                      method=Service.Method.AREA)
    TariffFactory(service=upkeep, price=M("20.00"))
    readings = reading_history(water, D(2025, 7, 1), M("68.6"), ["5.1", "4.8", "5.4", "6.0", "5.2", "4.9"])
    for month in (2, 3):
        services.run_billing(org, D(2026, month, 1))
    add_reading(water, D(2026, 4, 1), M("118.000"), readings[-1])
    services.run_billing(org, D(2026, 4, 1))
    services.record_payment(account, M("1000.00"), paid_on=D(2026, 4, 5), source="bank")
    services.add_recalculation(account, upkeep, M("-100.00"), reason="Не было уборки подъезда", acting_user=staff,
                               period=D(2026, 4, 1))
    services.compute_penalties(org, D(2026, 5, 20))
    return account


def test_periods_newest_first_with_totals_from_the_balances(engine_account):
    periods = account_statement(engine_account)
    assert [p.period for p in periods] == [D(2026, 5, 1), D(2026, 4, 1), D(2026, 3, 1), D(2026, 2, 1)]
    balances = {b.period: b for b in Balance.objects.filter(account=engine_account)}
    for p in periods:
        assert tuple(getattr(p, f) for f in FIELDS) == tuple(getattr(balances[p.period], f) for f in FIELDS)
        assert p.opening + p.charged + p.recalculated + p.penalty - p.paid == p.closing
        # The lines add up to the totals.
        assert sum((c.amount for c in p.charges), M(0)) == p.charged
        assert sum((c.amount for c in p.recalculations), M(0)) == p.recalculated
        assert sum((x.amount for x in p.payments), M(0)) == p.paid
        assert sum((x.amount for x in p.penalties), M(0)) == p.penalty
        assert p.has_lines
    assert periods[-1].opening == 0 and periods[1].opening == periods[2].closing


def test_charge_lines_per_service_with_volume_tariff_kind_and_protocol(engine_account):
    february = account_statement(engine_account)[-1]
    water, upkeep = sorted(february.charges, key=lambda c: c.service)[::-1]
    assert (water.service, water.unit, water.kind, water.kind_label) == ("Холодная вода", "м³", "average", "By average")
    assert (water.volume, water.tariff, water.amount) == (M("5.233333"), M("50.93"), M("266.53"))
    assert water.protocol.startswith("Холодная вода: среднее за 6 мес.") and water.zone_label == ""
    assert (upkeep.kind_label, upkeep.volume, upkeep.amount) == ("By area", M("54.3"), M("1086.00"))
    assert [(s.service, s.charged) for s in february.services] == [("Содержание", M("1086.00")),
                                                                  ("Холодная вода", M("266.53"))]
    april = account_statement(engine_account, period_from=D(2026, 4, 1), period_to=D(2026, 4, 30))[0]
    metered = next(c for c in april.charges if c.service == "Холодная вода")
    assert (metered.kind, metered.amount) == ("metered", M("383.67")) and "10,46667" in metered.protocol


def test_recalculation_is_a_separate_line_with_its_reason(engine_account):
    april = account_statement(engine_account, period_from=D(2026, 4, 1), period_to=D(2026, 4, 1))[0]
    [line] = april.recalculations
    assert (line.service, line.amount, line.protocol, line.kind_label) == (
        "Содержание", M("-100.00"), "Не было уборки подъезда", "Recalculation")
    assert april.recalculated == M("-100.00") and line not in april.charges
    upkeep = next(s for s in april.services if s.service == "Содержание")
    assert (upkeep.charged, upkeep.recalculated, upkeep.total) == (M("1086.00"), M("-100.00"), M("986.00"))


def test_payment_shows_what_it_paid(engine_account):
    april = account_statement(engine_account, period_from=D(2026, 4, 1), period_to=D(2026, 4, 1))[0]
    [payment] = april.payments
    assert (payment.paid_on, payment.amount, payment.source, payment.source_label) == (
        D(2026, 4, 5), M("1000.00"), "bank", "Bank")
    # ГК 319.1: the oldest debt first (February), pro rata across its services.
    assert {part.period for part in payment.parts} == {D(2026, 2, 1)}
    assert {part.kind_label for part in payment.parts} == {"Principal"}
    assert sum((part.amount for part in payment.parts), M(0)) == M("1000.00")
    assert {part.service for part in payment.parts} == {"Холодная вода", "Содержание"}


def test_penalty_lines_with_their_protocol(engine_account):
    may = account_statement(engine_account)[0]
    assert may.period == D(2026, 5, 1) and not may.charges and may.penalty > 0
    debt_periods = [line.debt_period for line in may.penalties]
    assert debt_periods == sorted(debt_periods) and D(2026, 2, 1) in debt_periods
    february = next(line for line in may.penalties if line.debt_period == D(2026, 2, 1))
    assert february.calculated_on == D(2026, 5, 20) and "ст. 155 ч. 14" in february.protocol
    assert may.closing_state == DEBT


def test_range_filter_and_full_history(engine_account):
    assert [p.period for p in account_statement(engine_account, period_from=D(2026, 3, 15))] == [
        D(2026, 5, 1), D(2026, 4, 1), D(2026, 3, 1)]
    assert [p.period for p in account_statement(engine_account, period_to=D(2026, 3, 1))] == [
        D(2026, 3, 1), D(2026, 2, 1)]
    assert account_statement(engine_account, period_from=D(2030, 1, 1)) == []


def test_three_zone_lines_are_named_by_zone(org, account):
    meter = MeterFactory(account=account, zone_count=3, service__code="electricity", service__name="ЭЭ",
                         service__unit="кВт·ч")
    for zone, price in (("T1", "6.18"), ("T2", "1.74"), ("T3", "5.15")):
        TariffFactory(service=meter.service, zone=zone, price=M(price))
    for zone, used in (("T1", 90), ("T2", 60), ("T3", 120)):
        base = reading_history(meter, D(2026, 2, 1), M(1000), [], zone=zone)[0]
        add_reading(meter, D(2026, 3, 1), M(1000 + used), base, zone=zone)
    services.run_billing(org, D(2026, 3, 1))
    [march] = account_statement(account)
    assert [(c.zone_label, c.amount) for c in march.charges] == [
        ("Peak", M("556.20")), ("Night", M("104.40")), ("Half-peak", M("618.00"))]
    [electricity] = march.services
    assert electricity.charged == M("1278.60") == march.charged


def test_loaded_balances_only_give_the_totals(account):
    """External billing: no charge, payment or penalty rows — the periods are the balances."""
    factories.BalanceFactory(account=account, period=D(2026, 9, 1), charged=M("1500.00"), paid=M("0"))
    factories.BalanceFactory(account=account, period=D(2026, 10, 1), opening=M("1500.00"), charged=M("1500.00"),
                             paid=M("4000.00"))
    october, september = account_statement(account)
    assert (october.period, october.closing, october.closing_state) == (D(2026, 10, 1), M("-1000.00"), OVERPAID)
    assert (september.closing, september.closing_state, september.opening_state) == (M("1500.00"), DEBT, SETTLED)
    assert not october.has_lines and october.charges == october.payments == october.services == ()


def test_an_account_without_history_has_an_empty_statement(account):
    assert account_statement(account) == []


def test_other_accounts_do_not_leak_in(engine_account, org):
    other = factories.AccountFactory(organization=org)
    factories.BalanceFactory(account=other, period=D(2026, 2, 1), charged=M("7.77"))
    assert all(p.charged != M("7.77") for p in account_statement(engine_account))
    [only] = account_statement(other)
    assert only.charged == M("7.77") and not only.has_lines  # the engine's lines of `account` are not its


def _long_history(account, months):
    period = D(2020, 1, 1)
    for _n in range(months):
        factories.BalanceFactory(account=account, period=period, charged=M("100.00"))
        period = D(period.year + period.month // 12, period.month % 12 + 1, 1)


@pytest.mark.parametrize("months", [1, 36])
def test_query_count_is_constant_for_loaded_balances(account, django_assert_num_queries, months):
    _long_history(account, months)
    with django_assert_num_queries(5):
        assert len(account_statement(account)) == months


def test_query_count_is_constant_for_engine_data(engine_account, django_assert_num_queries):
    with django_assert_num_queries(5):
        periods = account_statement(engine_account)
        # Everything the page and the API read is already loaded.
        read = [(line.kind_label, line.zone_label, line.protocol)
                for p in periods for line in [*p.charges, *p.recalculations]]
        read += [(payment.source_label, *(part.kind_label for part in payment.parts))
                 for p in periods for payment in p.payments]
        read += [(s.service, s.total) for p in periods for s in p.services]
        read += [line.protocol for p in periods for line in p.penalties]
    assert len(periods) == 4 and read


# --- Penalty calculator -----------------------------------------------------------------------------


@pytest.mark.parametrize(("paid", "amount"), [(D(2024, 3, 31), "63.33"), (D(2024, 3, 11), "0.00"),
                                              (D(2024, 3, 12), "3.17")])
def test_calculator_gives_the_domain_examples(paid, amount):
    assert calculate_penalty(M("10000.00"), D(2024, 2, 10), paid).amount == M(amount)


def test_calculator_second_domain_example():
    result = calculate_penalty(M("5432.10"), D(2026, 4, 15), D(2026, 6, 20))
    assert result.amount == M("61.93")
    [segment] = result.segments
    assert (segment.days, segment.fraction, segment.rate) == (36, 300, M("9.5"))


def test_calculator_reads_the_database_rate_table_like_the_command():
    """Without the cap rule in the database, the key rate of 31.03.2024 (16 %) applies: the page and
    `kabinet penalty` both follow the database, since they share the loader."""
    PenaltyRule.objects.all().delete()
    result = calculate_penalty(M("10000"), D(2024, 2, 10), D(2024, 3, 31))
    assert result.amount == M("106.67")
    out = StringIO()
    call_command("penalty", debt="10000", due="2024-02-10", paid="2024-03-31", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "106.67"


def test_calculator_refuses_a_day_before_the_rate_table():
    KeyRate.objects.filter(date__lt=D(2024, 1, 1)).delete()
    with pytest.raises(ValueError):
        calculate_penalty(M("100"), D(2023, 1, 10), D(2023, 6, 1))


def test_a_service_total_splits_individual_and_common_house_lines(db):
    """The statement's service totals keep the common-house needs (ОДН) apart (DOMAIN.md §6)."""
    import datetime as dt
    from decimal import Decimal

    from kabinet.billing.models import Charge
    from kabinet.billing.statement import account_statement
    from tests import factories

    account = factories.AccountFactory()
    service = factories.ServiceFactory(organization=account.organization, name="Электроснабжение", unit="кВт·ч")
    period = dt.date(2026, 4, 1)
    for kind, volume, amount in (("metered", "150", "290.40"), ("common", "30", "58.08")):
        Charge.objects.create(account=account, period=period, service=service, kind=kind, volume=Decimal(volume),
                              tariff=Decimal("1.936"), amount=Decimal(amount))
    [month] = account_statement(account)
    [total] = month.services
    assert (total.individual_volume, total.common_volume) == (Decimal(150), Decimal(30))
    assert (total.individual_charged, total.common_charged, total.charged) == (
        Decimal("290.40"), Decimal("58.08"), Decimal("348.48"))
    assert total.has_common and [line.kind_label for line in total.lines] == ["By meter", "Common-house needs"]
