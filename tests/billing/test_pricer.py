"""`engine.Pricer` gives exactly what `charges.price` gives (it only reuses work across accounts)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from kabinet.billing import engine
from kabinet.billing.rules import charges, volumes
from kabinet.billing.rules.charges import TariffSpan

PERIOD = dt.date(2026, 3, 1)
WHOLE = (TariffSpan(dt.date(2020, 1, 1), None, Decimal("50.93")),)
SPLIT = (TariffSpan(dt.date(2020, 1, 1), dt.date(2026, 3, 14), Decimal("40.00")),
         TariffSpan(dt.date(2026, 3, 15), None, Decimal("43.10")))
GAP = (TariffSpan(dt.date(2026, 3, 10), None, Decimal("7.5")),)


@pytest.mark.parametrize("language", ["en", "ru"])
@settings(max_examples=60, deadline=None)
@given(volume=st.decimals(min_value=Decimal("-50"), max_value=Decimal("5000"), places=6),
       tariffs=st.sampled_from([WHOLE, SPLIT, GAP, ()]), zone=st.sampled_from(["", "T1"]))
def test_the_same_lines_as_charges_price(language, volume, tariffs, zone):
    with translation.override(language):
        pricer = engine.Pricer(PERIOD)
        v = volumes.metered(volume, Decimal("100"), Decimal("100") + volume)
        expected = charges.price(v, tariffs, PERIOD, service="Вода", unit="м³", zone=zone)
        assert pricer.price(v, tariffs, service="Вода", unit="м³", zone=zone) == expected
        assert pricer.price(v, list(tariffs), service="Вода", unit="м³", zone=zone) == expected  # reused


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("tariffs", [WHOLE, SPLIT, GAP, ()])
@pytest.mark.parametrize("area", [Decimal("54.30"), Decimal("54.3"), Decimal("1234.56"), Decimal("0.5"), 12])
def test_by_area_the_same_lines_as_charges_by_area(language, tariffs, area):
    with translation.override(language):
        pricer = engine.Pricer(PERIOD)
        expected = charges.by_area(area, tariffs, PERIOD, service="Содержание")
        assert pricer.by_area(area, tariffs, service="Содержание") == expected
        assert pricer.by_area(area, list(tariffs), service="Содержание") == expected  # reused
