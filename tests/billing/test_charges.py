"""Pricing: tariff changes inside a month, area, fixed amounts, rounding at the line."""

import datetime as dt
from decimal import Decimal

from kabinet.billing.rules import charges, volumes
from kabinet.billing.rules.charges import TariffSpan

D = dt.date
M = Decimal


def test_tariff_change_inside_the_month_is_prorated_by_days():
    tariffs = [TariffSpan(D(2025, 1, 1), D(2026, 6, 10), M("40.00")), TariffSpan(D(2026, 6, 11), None, M("50.00"))]
    lines = charges.price(volumes.metered(M(30)), tariffs, D(2026, 6, 1), service="ХВС", unit="м³")
    assert [(line.volume, line.price, line.amount) for line in lines] == [
        (M(10), M("40.00"), M("400.00")), (M(20), M("50.00"), M("1000.00"))]
    assert "10/30 days (01.06.2026–10.06.2026)" in lines[0].protocol
    assert sum(line.volume for line in lines) == M(30)


def test_volume_is_conserved_exactly_across_a_split():
    tariffs = [TariffSpan(D(2025, 1, 1), D(2026, 7, 9), M("40.00")), TariffSpan(D(2026, 7, 10), None, M("41.00"))]
    lines = charges.price(volumes.metered(M("7.333333")), tariffs, D(2026, 7, 1), service="ХВС", unit="м³")
    assert sum(line.volume for line in lines) == M("7.333333")


def test_days_without_a_tariff_are_not_charged():
    tariffs = [TariffSpan(D(2026, 6, 16), None, M("30.00"))]
    [line] = charges.price(volumes.metered(M(30)), tariffs, D(2026, 6, 1), service="ХВС", unit="м³")
    assert line.volume == M(15) and line.amount == M("450.00")


def test_area_and_fixed():
    tariffs = [TariffSpan(D(2020, 1, 1), None, M("31.17"))]
    [line] = charges.by_area(M("54.30"), tariffs, D(2026, 6, 1), service="Содержание")
    assert line.amount == M("1692.53") and line.kind == volumes.AREA  # 54.30 × 31.17 = 1692.531
    assert line.protocol == "Содержание: area 54,3 м² × 31,17 ₽ = 1\u202f692,53 ₽"
    [line] = charges.fixed([TariffSpan(D(2020, 1, 1), None, M("120.00"))], D(2026, 6, 1), service="Домофон")
    assert line.amount == M("120.00") and line.kind == volumes.FIXED


def test_rounding_half_up_at_the_line():
    [line] = charges.price(volumes.metered(M("0.1")), [TariffSpan(D(2020, 1, 1), None, M("0.05"))],
                           D(2026, 6, 1), service="x", unit="")
    assert line.amount == M("0.01")  # 0.005 → 0.01


def test_a_protocol_prints_the_tariff_with_its_own_decimals_so_it_multiplies_out():
    four = [TariffSpan(D(2020, 1, 1), None, M("5.1534"))]
    [line] = charges.price(volumes.metered(M(10)), four, D(2026, 6, 1), service="Электроэнергия", unit="кВт·ч")
    assert line.amount == M("51.53") and "10 кВт·ч × 5,1534 ₽ = 51,53 ₽" in line.protocol
    whole = [TariffSpan(D(2020, 1, 1), None, M("20"))]
    [line] = charges.price(volumes.metered(M(3)), whole, D(2026, 6, 1), service="ХВС", unit="м³")
    assert line.protocol.endswith("3 м³ × 20,00 ₽ = 60,00 ₽")
