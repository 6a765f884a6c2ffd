"""Commission and fee splitting (DOMAIN.md §8)."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kabinet.payments.rules import Commission, CommissionError, price, split_fee

D = Decimal


def test_recipient_pays_a_percentage_with_a_minimum_and_a_fixed_part():
    rule = Commission(percent=D("1.5"), minimum=D("10"), fixed=D("2"))
    assert price(rule, D("1000")) == price(rule, D("1000.00"))
    priced = price(rule, D("1000"))
    assert (priced.fee, priced.total, priced.credited) == (D("17.00"), D("1000.00"), D("983.00"))
    small = price(rule, D("100"))  # 1.5 % is 1.50 < minimum 10
    assert (small.fee, small.total, small.credited) == (D("12.00"), D("100.00"), D("88.00"))


def test_payer_pays_a_pure_percentage_rounded_up_to_the_kopeck():
    priced = price(Commission(percent=D("2"), payer_pays=True), D("1000"))
    assert priced.total == D("1020.41")  # 1000 / 0.98 = 1020.408… → up
    assert priced.credited == D("1000.00") and priced.fee == D("20.41")


def test_payer_pays_the_minimum_when_the_percentage_is_below_it():
    priced = price(Commission(percent=D("1"), minimum=D("30"), fixed=D("5"), payer_pays=True), D("500"))
    assert (priced.total, priced.fee, priced.credited) == (D("535.00"), D("35.00"), D("500.00"))


def test_free_and_bad_amounts():
    assert price(Commission(), D("10.5")).fee == D("0.00")
    with pytest.raises(CommissionError):
        price(Commission(), D("0"))
    with pytest.raises(CommissionError):
        price(Commission(minimum=D("50")), D("40"))  # the whole payment would be the fee


@given(st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2),
       st.decimals(min_value=D("0"), max_value=D("10"), places=3),
       st.decimals(min_value=D("0"), max_value=D("50"), places=2),
       st.decimals(min_value=D("0"), max_value=D("20"), places=2))
def test_payer_pays_the_recipient_always_gets_the_amount_and_the_fee_covers_the_rule(x, percent, minimum, fixed):
    rule = Commission(percent=percent, minimum=minimum, fixed=fixed, payer_pays=True)
    priced = price(rule, x)
    assert priced.total - priced.fee == x == priced.credited
    assert priced.fee >= max(minimum, (priced.total * percent / 100).quantize(D("0.01"))) + fixed - D("0.01")
    assert priced.fee < max(minimum, priced.total * percent / 100) + fixed + D("0.02")


@given(st.decimals(min_value=D("0"), max_value=D("500"), places=2),
       st.lists(st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2), min_size=1, max_size=6))
def test_fee_shares_add_up_to_the_fee(fee, amounts):
    shares = split_fee(fee, amounts)
    assert sum(shares) == fee and all(share >= 0 for share in shares)
