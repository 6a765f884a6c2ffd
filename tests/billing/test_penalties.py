"""ЖК РФ 155.14 penalties with the worked examples of DOMAIN.md §3, to the kopeck."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing.rules import keyrates
from kabinet.billing.rules.penalties import (
    DueDay,
    PenaltyRule,
    RateTable,
    due_date,
    is_time_barred,
    limitation_ends,
    penalty,
)

D = dt.date


@pytest.mark.parametrize(("paid", "expected"), [
    (D(2024, 3, 31), "63.33"),
    (D(2024, 3, 11), "0.00"),
    (D(2024, 3, 12), "3.17"),
])
def test_domain_example_2024(paid, expected):
    result = penalty(Decimal("10000.00"), D(2024, 2, 10), paid)
    assert result.amount == Decimal(expected)


def test_domain_example_2024_breakdown():
    result = penalty(Decimal("10000.00"), D(2024, 2, 10), D(2024, 3, 31))
    [segment] = result.segments
    assert (segment.start, segment.end, segment.days) == (D(2024, 3, 12), D(2024, 3, 31), 20)
    assert (segment.fraction, segment.rate, segment.first_day) == (300, Decimal("9.5"), 31)
    assert result.lines() == ["12.03.2024–31.03.2024: 10\u202f000,00 × 20 days × 1/300 × 9,5\u00a0% = 63,33"]


def test_domain_example_2026():
    result = penalty(Decimal("5432.10"), D(2026, 4, 15), D(2026, 6, 20))
    assert result.amount == Decimal("61.93")
    assert sum(s.days for s in result.segments) == 36
    assert result.segments[0].start == D(2026, 5, 16)


def test_from_day_91_the_fraction_is_1_130():
    # Due 10.01.2024, paid 30.06.2024 (key rate 16 %, capped at 9.5 %): day 31 = 10.02, day 91 = 10.04.
    result = penalty(Decimal("1000"), D(2024, 1, 10), D(2024, 6, 30))
    low, high = result.segments
    assert (low.start, low.end, low.days, low.fraction) == (D(2024, 2, 10), D(2024, 4, 9), 60, 300)
    assert (high.start, high.end, high.days, high.fraction) == (D(2024, 4, 10), D(2024, 6, 30), 82, 130)
    exact = Decimal(1000) * Decimal("0.095") * (Decimal(60) / 300 + Decimal(82) / 130)
    assert result.amount == exact.quantize(Decimal("0.01"))


def test_rate_of_the_payment_day_applies_to_the_whole_period():
    # 2019: no caps; the key rate on the payment day (7.25 % from 29.07.2019) applies to all days.
    result = penalty(Decimal("1000"), D(2019, 5, 10), D(2019, 8, 9))
    assert {s.rate for s in result.segments} == {Decimal("7.25")}
    assert result.segments[0].start == D(2019, 6, 10)


def test_moratorium_2020_accrues_nothing():
    result = penalty(Decimal("1000"), D(2020, 1, 10), D(2021, 1, 31))
    inside = [s for s in result.segments if D(2020, 4, 6) <= s.start <= D(2020, 12, 31)]
    outside = [s for s in result.segments if s not in inside]
    assert inside[0].start == D(2020, 4, 6) and inside[-1].end == D(2020, 12, 31)
    assert all(s.rate == 0 and s.amount == 0 for s in inside)
    assert {s.rate for s in outside} == {Decimal("4.25")}  # the rate on 31.01.2021
    assert "ПП РФ №424" in inside[0].describe()


def test_2022_fixed_rate_then_cap():
    # Paid 15.11.2022 (key 7.5 %): days up to 22.09.2022 at the fixed 9.5 %, then min(9.5, 7.5) = 7.5 %.
    result = penalty(Decimal("1000"), D(2022, 3, 10), D(2022, 11, 15))
    rates = [(s.start, s.rate) for s in result.segments]
    assert (D(2022, 4, 10), Decimal("9.5")) in rates
    assert rates[-1] == (D(2022, 9, 23), Decimal("7.5"))


def test_partial_payment_reduces_the_base_from_the_next_day():
    # 10 000 due 10.02.2024; 4 000 paid 21.03.2024, the rest on 31.03.2024.
    result = penalty(Decimal("10000"), D(2024, 2, 10), D(2024, 3, 31),
                     payments=[(D(2024, 3, 21), Decimal("4000")), (D(2024, 3, 31), Decimal("6000"))])
    # 4 000 × 10 days (12.03–21.03) + 6 000 × 20 days, at 1/300 of 9.5 %.
    expected = (Decimal(4000) * 10 + Decimal(6000) * 20) * Decimal("0.095") / 300
    assert result.amount == expected.quantize(Decimal("0.01"))
    assert [s.base for s in result.segments] == [Decimal(4000), Decimal(6000)]


def test_unpaid_debt_uses_the_calculation_day_and_payments_after_it_are_ignored():
    full = penalty(Decimal("10000"), D(2024, 2, 10), D(2024, 3, 31))
    later = penalty(Decimal("10000"), D(2024, 2, 10), D(2024, 3, 31), payments=[(D(2024, 4, 5), Decimal(10000))])
    assert full.amount == later.amount == Decimal("63.33")


def test_paid_before_due_no_penalty():
    assert penalty(Decimal(500), D(2024, 2, 10), D(2024, 12, 31), payments=[(D(2024, 2, 1), Decimal(500))]).amount == 0


def test_custom_table():
    table = RateTable(key_rates=((D(2000, 1, 1), Decimal(12)),),
                      rules=(PenaltyRule(D(2010, 1, 1), None, keyrates.CAP_RATE, Decimal(6)),))
    assert table.rate_for(D(2005, 1, 1), D(2005, 1, 1))[0] == 12
    assert table.rate_for(D(2011, 1, 1), D(2011, 1, 1))[0] == 6
    with pytest.raises(ValueError):
        table.key_rate_on(D(1999, 1, 1))


def test_protocol_in_russian():
    from django.utils import translation

    with translation.override("ru"):
        text = penalty(Decimal("10000.00"), D(2024, 2, 10), D(2024, 3, 31)).protocol()
    assert "20 дн." in text and text.endswith("63,33")


@pytest.mark.parametrize(("period", "expected"), [
    (D(2024, 1, 1), D(2024, 2, 10)),
    (D(2026, 1, 1), D(2026, 2, 10)),
    (D(2026, 2, 1), D(2026, 3, 15)),
    (D(2026, 3, 1), D(2026, 4, 15)),
])
def test_due_date_default(period, expected):
    assert due_date(period) == expected


def test_due_date_per_organisation():
    rules = [DueDay(D(2020, 1, 1), 20), DueDay(D(2025, 6, 1), 31)]
    assert due_date(D(2025, 4, 1), rules) == D(2025, 5, 20)
    assert due_date(D(2025, 5, 1), rules) == D(2025, 6, 30)  # the 31st in a 30-day month: its last day


def test_limitation():
    assert limitation_ends(D(2021, 2, 10)) == D(2024, 2, 10)
    assert not is_time_barred(D(2021, 2, 10), D(2024, 2, 10))
    assert is_time_barred(D(2021, 2, 10), D(2024, 2, 11))
    assert limitation_ends(D(2024, 2, 29)) == D(2027, 2, 28)


def test_default_table_is_sorted_and_covers_2016_to_2026():
    table = RateTable.default()
    assert table.key_rate_on(D(2016, 1, 1)) == Decimal("11.00")
    assert table.key_rate_on(D(2024, 3, 31)) == Decimal("16.00")
    assert table.key_rate_on(D(2026, 6, 20)) >= Decimal("9.5")
