"""ГК 319.1 payment allocation (DOMAIN.md §4)."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing.rules.allocation import (
    ADVANCE,
    PENALTY,
    PRINCIPAL,
    DebtLine,
    allocate,
    split_pro_rata,
)

D = dt.date
M = Decimal


def lines_of(result):
    return [(r.period, r.service, r.kind, r.amount) for r in result]


def test_split_adds_up_with_the_remainder_on_the_designated_line():
    caps = [M(100), M(100), M(100)]
    assert split_pro_rata(M("100.00"), caps) == [M("33.34"), M("33.33"), M("33.33")]
    assert split_pro_rata(M("100.00"), caps, designated=2) == [M("33.33"), M("33.33"), M("33.34")]
    assert split_pro_rata(M("10"), [M("10"), M("5")]) == [M("6.67"), M("3.33")]


def test_split_never_exceeds_a_cap():
    shares = split_pro_rata(M("0.05"), [M("0.01"), M("0.01"), M("0.01"), M("0.01"), M("0.01"), M("0.01")])
    assert sum(shares) == M("0.05") and all(s <= M("0.01") for s in shares)


def test_split_refuses_more_than_the_caps():
    with pytest.raises(ValueError):
        split_pro_rata(M(11), [M(5), M(5)])


DEBTS = [
    DebtLine(D(2026, 1, 1), "water", "vodokanal", principal=M("300.00"), penalty=M("5.00")),
    DebtLine(D(2026, 1, 1), "upkeep", "uk", principal=M("700.00")),
    DebtLine(D(2026, 2, 1), "water", "vodokanal", principal=M("400.00")),
    DebtLine(D(2026, 2, 1), "upkeep", "uk", principal=M("600.00")),
]


def test_oldest_period_first_pro_rata_inside():
    result = allocate(M("500.00"), DEBTS, paid_on=D(2026, 3, 20))
    assert lines_of(result) == [
        (D(2026, 1, 1), "water", PRINCIPAL, M("150.00")),
        (D(2026, 1, 1), "upkeep", PRINCIPAL, M("350.00")),
    ]


def test_named_period_first_then_oldest():
    result = allocate(M("1200.00"), DEBTS, paid_on=D(2026, 3, 20), named_period=D(2026, 2, 1))
    assert lines_of(result) == [
        (D(2026, 2, 1), "water", PRINCIPAL, M("400.00")),
        (D(2026, 2, 1), "upkeep", PRINCIPAL, M("600.00")),
        (D(2026, 1, 1), "water", PRINCIPAL, M("60.00")),
        (D(2026, 1, 1), "upkeep", PRINCIPAL, M("140.00")),
    ]


def test_bill_period_when_none_named():
    result = allocate(M("100.00"), DEBTS, paid_on=D(2026, 3, 20), bill_period=D(2026, 2, 1))
    assert {r.period for r in result} == {D(2026, 2, 1)}


def test_penalties_last_then_advance():
    result = allocate(M("2010.00"), DEBTS, paid_on=D(2026, 3, 20))
    assert lines_of(result)[-2:] == [
        (D(2026, 1, 1), "water", PENALTY, M("5.00")),
        (None, None, ADVANCE, M("5.00")),
    ]
    assert sum(r.amount for r in result) == M("2010.00")


def test_explicit_penalty_is_paid_first():
    result = allocate(M("100.00"), DEBTS, paid_on=D(2026, 3, 20), penalty_amount=M("5.00"))
    assert lines_of(result)[0] == (D(2026, 1, 1), "water", PENALTY, M("5.00"))
    assert sum(r.amount for r in result if r.kind == PRINCIPAL) == M("95.00")


def test_same_due_date_shares_pro_rata():
    # Two periods with one due date (an organisation moving its due day can produce this).
    debts = [DebtLine(D(2026, 1, 1), "a", principal=M(100)), DebtLine(D(2026, 2, 1), "a", principal=M(300))]
    result = allocate(M(200), debts, paid_on=D(2026, 4, 1), due=lambda p: D(2026, 3, 15))
    assert [r.amount for r in result] == [M(50), M(150)]


def test_time_barred_only_on_instruction():
    debts = [DebtLine(D(2020, 1, 1), "a", principal=M(100)), DebtLine(D(2026, 1, 1), "a", principal=M(50))]
    assert lines_of(allocate(M(100), debts, paid_on=D(2026, 3, 1))) == [
        (D(2026, 1, 1), "a", PRINCIPAL, M(50)), (None, None, ADVANCE, M(50))]
    assert lines_of(allocate(M(100), debts, paid_on=D(2026, 3, 1), include_time_barred=True))[0] == (
        D(2020, 1, 1), "a", PRINCIPAL, M(100))
    assert lines_of(allocate(M(30), debts, paid_on=D(2026, 3, 1), named_period=D(2020, 1, 1))) == [
        (D(2020, 1, 1), "a", PRINCIPAL, M(30))]


def test_designated_line_takes_the_remainder():
    debts = [DebtLine(D(2026, 1, 1), "a", principal=M(1)), DebtLine(D(2026, 1, 1), "b", principal=M(1)),
             DebtLine(D(2026, 1, 1), "c", principal=M(1), designated=True)]
    result = allocate(M("1.00"), debts, paid_on=D(2026, 2, 1))
    assert [r.amount for r in result] == [M("0.33"), M("0.33"), M("0.34")]


def test_nothing_owed_everything_is_advance():
    assert lines_of(allocate(M(10), [], paid_on=D(2026, 1, 1))) == [(None, None, ADVANCE, M(10))]
    with pytest.raises(ValueError):
        allocate(M(0), [], paid_on=D(2026, 1, 1))
