"""ПП 354 volumes with the worked examples of DOMAIN.md §1 and §7."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing.rules import volumes
from kabinet.billing.rules.charges import TariffSpan, price
from kabinet.core.money import to_money

D = dt.date
M = Decimal
HISTORY = [M("5.1"), M("4.8"), M("5.4"), M("6.0"), M("5.2"), M("4.9")]
WATER = [TariffSpan(D(2020, 1, 1), None, M("50.93"))]


def test_average_of_six_months():
    average = volumes.average_monthly(HISTORY)
    assert average.quantize(M("0.00001")) == M("5.23333")
    assert to_money(average * M("50.93")) == M("266.53")


def test_average_needs_three_months():
    assert volumes.average_monthly(HISTORY[:2]) is None
    assert volumes.average_monthly(HISTORY[:3]) == M("5.1")
    assert volumes.average_monthly([M(1)] * 4 + HISTORY) == volumes.average_monthly(HISTORY)


def test_average_line_protocol():
    [line] = price(volumes.by_average(HISTORY), WATER, D(2026, 2, 1), service="ХВС", unit="м³")
    assert line.amount == M("266.53") and line.kind == volumes.AVERAGE
    assert line.protocol == "ХВС: average over 6 months (5,1; 4,8; 5,4; 6,0; 5,2; 4,9) = 5,23333 м³ × 50,93 ₽ = 266,53 ₽"


def test_average_line_protocol_in_russian():
    from django.utils import translation

    with translation.override("ru"):
        [line] = price(volumes.by_average(HISTORY), WATER, D(2026, 2, 1), service="ХВС", unit="м³")
    assert line.protocol == "ХВС: среднее за 6 мес. (5,1; 4,8; 5,4; 6,0; 5,2; 4,9) = 5,23333 м³ × 50,93 ₽ = 266,53 ₽"


def test_true_up_domain_example():
    average = volumes.average_monthly(HISTORY)
    april = volumes.trued_up(M("118.000") - M("100.000"), [average, average])
    assert april.volume.quantize(M("0.00001")) == M("7.53333")
    [line] = price(april, WATER, D(2026, 4, 1), service="ХВС", unit="м³")
    assert line.amount == M("383.67") and line.kind == volumes.METERED
    assert "18 − billed by average or normative 10,46667 = 7,53333" in line.protocol


def test_true_up_negative_is_a_credit():
    volume = volumes.trued_up(M(2), [M(5), M(5)])
    assert volume.volume == M(-8) and volume.kind == volumes.RECALCULATION
    [line] = price(volume, WATER, D(2026, 4, 1), service="ХВС", unit="м³")
    assert line.amount == to_money(M(-8) * M("50.93"))


def test_substitution_sequence():
    args = dict(history=HISTORY, normative=M("6.935"), people=3)
    assert volumes.substitute(periods_substituted=0, **args).kind == volumes.AVERAGE
    assert volumes.substitute(periods_substituted=2, **args).kind == volumes.AVERAGE
    normative = volumes.substitute(periods_substituted=3, **args)
    assert normative.kind == volumes.NORMATIVE and normative.volume == M("20.805")
    six = volumes.VolumeSettings(max_average_periods=6)
    assert volumes.substitute(periods_substituted=5, settings=six, **args).kind == volumes.AVERAGE


def test_short_history_falls_back_to_normative():
    volume = volumes.substitute(history=HISTORY[:2], periods_substituted=0, normative=M("6.935"), people=3)
    assert volume.kind == volumes.NORMATIVE


def test_failed_meter_after_the_average_takes_the_multiplier():
    volume = volumes.substitute(history=HISTORY, periods_substituted=3, normative=M("6.935"), people=3, failed=True)
    assert volume.volume == M("31.2075")  # 3 × 6.935 × 1.5
    assert "× (1 + 0,5)" in volume.explanation


def test_no_normative_is_an_error():
    with pytest.raises(volumes.VolumeError):
        volumes.substitute(history=[], periods_substituted=0, normative=None, people=2)


def test_normative_domain_example():
    assert volumes.normative_volume(M("6.935"), volumes.people_count(3, 1)) == M("20.805")
    assert volumes.people_count(0, 2) == 2
    assert volumes.normative_volume(M("6.935"), 2, M("0.5")) == M("20.805")


def test_three_zone_electricity_domain_example():
    tariffs = {"T1": M("6.18"), "T2": M("1.74"), "T3": M("5.15")}
    used = {"T1": M(90), "T2": M(60), "T3": M(120)}
    lines = [
        price(volumes.metered(used[z]), [TariffSpan(D(2020, 1, 1), None, tariffs[z])], D(2026, 3, 1),
              service="ЭЭ", unit="кВт·ч", zone=z)[0]
        for z in ("T1", "T2", "T3")
    ]
    assert [line.amount for line in lines] == [M("556.20"), M("104.40"), M("618.00")]
    assert sum(line.amount for line in lines) == M("1278.60")


def test_prorate_by_days():
    # 31 m³ between 20.03 and 20.04 (31 days): 11 days in March, 20 in April.
    assert volumes.prorate(M(31), D(2026, 3, 20), D(2026, 4, 20), D(2026, 4, 1), D(2026, 4, 30)) == M(20)
    assert volumes.prorate(M(31), D(2026, 3, 20), D(2026, 4, 20), D(2026, 3, 1), D(2026, 3, 31)) == M(11)
    assert volumes.prorate(M(5), D(2026, 4, 5), D(2026, 4, 5), D(2026, 4, 1), D(2026, 4, 30)) == M(5)


def test_monthly_history_spreads_a_reading_over_its_months():
    months = volumes.monthly_history([(D(2026, 1, 1), D(2026, 2, 1), M(5)), (D(2026, 2, 1), D(2026, 4, 1), M(8))])
    assert months == {D(2026, 2, 1): M(5), D(2026, 3, 1): M(4), D(2026, 4, 1): M(4)}
    assert volumes.history_before(months, D(2026, 5, 1)) == [M(5), M(4), M(4)]



def test_wastewater_is_the_sum_of_cold_and_hot_water():
    """ПП 354 п. 42: without a wastewater meter, its volume is the cold and hot water consumed."""
    volume = volumes.summed([("ХВС", volumes.METERED, M("3.1")), ("ГВС", volumes.METERED, M("2.000"))])
    assert (volume.kind, volume.volume) == (volumes.METERED, M("5.1"))
    [line] = price(volume, [TariffSpan(D(2020, 1, 1), None, M("38.62"))], D(2026, 2, 1), service="Водоотведение",
                   unit="м³")
    assert line.amount == M("196.96")
    assert line.protocol == "Водоотведение: sum of volumes: ХВС 3,1 + ГВС 2 = 5,1 м³ × 38,62 ₽ = 196,96 ₽"


def test_wastewater_takes_the_least_exact_kind_and_a_true_up_credit():
    average = volumes.summed([("ХВС", volumes.METERED, M(3)), ("ГВС", volumes.AVERAGE, M(2))])
    assert average.kind == volumes.AVERAGE
    normative = volumes.summed([("ХВС", volumes.NORMATIVE, M(7)), ("ГВС", volumes.AVERAGE, M(2))])
    assert normative.kind == volumes.NORMATIVE
    credit = volumes.summed([("ХВС", volumes.RECALCULATION, M(-4)), ("ГВС", volumes.METERED, M(1))])
    assert (credit.kind, credit.volume) == (volumes.RECALCULATION, M(-3))
    assert credit.explanation == "sum of volumes: − ХВС 4 + ГВС 1 = −3"
