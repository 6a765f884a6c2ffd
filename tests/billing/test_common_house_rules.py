"""Common-house needs (DOMAIN.md §7) as pure rules: no database."""

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kabinet.billing.rules import common_house as ch
from kabinet.core.money import to_money

M = Decimal


def test_domain_example_formula_12():
    """(12000 − 1000 − 4000 − 5000) × 60 / 2400 = 50 kWh × 1.936 ₽ = 96.80 ₽."""
    result = ch.common_house(M(12000), M(1000) + M(4000) + M(5000))
    assert (result.actual, result.cap, result.distributed, result.loss) == (M(2000), None, M(2000), M(0))
    [share, _rest] = ch.shares(result.distributed, [M(60), M(2340)])
    assert share == M(50)
    assert to_money(share * M("1.936")) == M("96.80")


def test_domain_example_protocol_in_russian():
    result = ch.common_house(M(12000), M(10000))
    with translation.override("ru"):
        text = ch.protocol(result, area=M(60), total_area=M(2400), volume=M(50), unit="кВт·ч", price=M("1.936"),
                           amount=M("96.80"))
    assert text.replace("\u202f", " ") == "ОДН: (12 000 − 10 000) × 60 / 2 400 = 50 кВт·ч × 1,936 ₽ = 96,80 ₽"


def test_protocol_in_english_source():
    result = ch.common_house(M(12000), M(10000))
    text = ch.protocol(result, area=M(60), total_area=M(2400), volume=M(50), unit="kWh", price=M("1.936"),
                       amount=M("96.80"))
    assert text.replace("\u202f", " ") == ("Common-house needs: (12 000 − 10 000) × 60 / 2 400 = 50 kWh × 1,936 ₽ = "
                                           "96,80 ₽")


def test_capped_at_the_normative_and_the_excess_is_the_loss():
    """2000 kWh counted for the common property, normative 0.5 kWh/m² × 1000 m² = 500 kWh distributed."""
    result = ch.common_house(M(12000), M(10000), normative=M("0.5"), common_area=M(1000))
    assert (result.actual, result.cap, result.distributed, result.loss) == (M(2000), M(500), M(500), M(1500))
    assert ch.shares(result.distributed, [M(60), M(2340)]) == [M("12.5"), M("487.5")]
    assert ch.loss_amount(result.loss, M("1.936")) == M("2904.00")
    text = ch.protocol(result, area=M(60), total_area=M(2400), volume=M("12.5"), unit="kWh", price=M("1.936"),
                       amount=M("24.20"))
    assert text.replace("\u202f", " ") == ("Common-house needs: min(12 000 − 10 000; normative 0,5 × 1 000) × 60 / "
                                           "2 400 = 12,5 kWh × 1,936 ₽ = 24,20 ₽")


def test_below_the_cap_everything_is_distributed():
    result = ch.common_house(M(12000), M(11800), normative=M("0.5"), common_area=M(1000))
    assert (result.actual, result.distributed, result.loss) == (M(200), M(200), M(0))


def test_individual_above_the_house_gives_no_common_volume_and_is_flagged():
    result = ch.common_house(M(9000), M(10000), normative=M("0.5"), common_area=M(1000))
    assert (result.actual, result.distributed, result.loss) == (M(0), M(0), M(0))
    assert result.individual_exceeds_house
    assert not ch.common_house(M(10000), M(10000)).individual_exceeds_house


def test_no_cap_without_common_area_or_normative():
    assert ch.cap(None, M(100)) is None and ch.cap(M("0.5"), None) is None
    assert ch.common_house(M(100), M(40), normative=M("0.5")).distributed == M(60)


def test_shares_put_the_remainder_on_the_largest_area():
    assert ch.shares(M(100), [M(1), M(1), M(1)]) == [M("33.333334"), M("33.333333"), M("33.333333")]
    assert ch.shares(M(100), [M(30), M(50), M(20)]) == [M(30), M(50), M(20)]
    assert ch.shares(M(10), []) == []
    with pytest.raises(ValueError):
        ch.shares(M(10), [M(0)])


@given(st.decimals(min_value=0, max_value=100000, places=6),
       st.lists(st.decimals(min_value=0, max_value=500, places=2), min_size=1, max_size=30))
def test_shares_always_add_up_exactly(volume, areas):
    if sum(areas) <= 0:
        return
    parts = ch.shares(volume, areas)
    assert sum(parts) == volume
    assert all(abs(part - volume * area / sum(areas)) < M("0.0001") for part, area in zip(parts, areas, strict=True))
