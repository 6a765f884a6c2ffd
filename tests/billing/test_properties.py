"""Properties (hypothesis): allocation conserves money, penalties are monotone and never negative,
a late reading's true-up bills the same volume as readings on time."""

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from kabinet.billing.rules import volumes
from kabinet.billing.rules.allocation import DebtLine, allocate, split_pro_rata
from kabinet.billing.rules.charges import TariffSpan, price
from kabinet.billing.rules.penalties import RateTable, penalty

D = dt.date
kopecks = st.integers(min_value=0, max_value=10_000_000).map(lambda n: Decimal(n) / 100)
positive = st.integers(min_value=1, max_value=10_000_000).map(lambda n: Decimal(n) / 100)
periods = st.integers(min_value=0, max_value=40).map(lambda n: D(2023 + n // 12, n % 12 + 1, 1))
debt_lines = st.builds(DebtLine, period=periods, service=st.sampled_from("abcd"), supplier=st.sampled_from("xy"),
                       principal=kopecks, penalty=kopecks, designated=st.booleans())
FAST = settings(max_examples=150, deadline=None)


@FAST
@given(caps=st.lists(kopecks, min_size=1, max_size=8), data=st.data())
def test_split_conserves_and_respects_caps(caps, data):
    total = sum(caps, Decimal(0))
    amount = data.draw(st.integers(min_value=0, max_value=int(total * 100)).map(lambda n: Decimal(n) / 100))
    designated = data.draw(st.none() | st.integers(min_value=0, max_value=len(caps) - 1))
    shares = split_pro_rata(amount, caps, designated)
    assert sum(shares) == amount
    assert all(0 <= s <= c for s, c in zip(shares, caps, strict=True))


@FAST
@given(amount=positive, debts=st.lists(debt_lines, max_size=10), named=st.none() | periods,
       penalty_amount=kopecks, barred=st.booleans())
def test_allocation_conserves_money(amount, debts, named, penalty_amount, barred):
    result = allocate(amount, debts, paid_on=D(2026, 6, 1), named_period=named, penalty_amount=penalty_amount,
                      include_time_barred=barred)
    assert sum(r.amount for r in result) == amount
    assert all(r.amount > 0 for r in result)
    owed = {}
    for debt in debts:
        for kind, value in (("principal", debt.principal), ("penalty", debt.penalty)):
            key = (debt.period, debt.service, kind)
            owed[key] = owed.get(key, 0) + value
    paid = {}
    for r in result:
        if r.kind != "advance":
            key = (r.period, r.service, r.kind)
            paid[key] = paid.get(key, 0) + r.amount
    assert all(paid[k] <= owed[k] for k in paid)


FLAT = RateTable(key_rates=((D(2000, 1, 1), Decimal("9.5")),))
due_dates = st.dates(min_value=D(2016, 1, 1), max_value=D(2026, 6, 1))


@FAST
@given(debt=kopecks, due=due_dates, days=st.integers(0, 1500), more=st.integers(0, 400))
def test_penalty_is_monotone_in_days_and_never_negative(debt, due, days, more):
    first = penalty(debt, due, due + dt.timedelta(days=days), table=FLAT).amount
    later = penalty(debt, due, due + dt.timedelta(days=days + more), table=FLAT).amount
    assert 0 <= first <= later


@FAST
@given(debt=kopecks, due=due_dates, days=st.integers(0, 1500))
def test_penalty_with_real_rates_is_never_negative(debt, due, days):
    assert penalty(debt, due, due + dt.timedelta(days=days)).amount >= 0


@FAST
@given(debt=positive, due=due_dates, days=st.integers(0, 800), paid_share=st.integers(0, 100),
       paid_after=st.integers(0, 800))
def test_a_partial_payment_never_increases_the_penalty(debt, due, days, paid_share, paid_after):
    on = due + dt.timedelta(days=days)
    part = (debt * paid_share / 100).quantize(Decimal("0.01"))
    with_payment = penalty(debt, due, on, payments=[(due + dt.timedelta(days=min(paid_after, days)), part)],
                           table=FLAT)
    assert with_payment.amount <= penalty(debt, due, on, table=FLAT).amount


monthly = st.integers(min_value=0, max_value=20_000).map(lambda n: Decimal(n) / 1000)


@FAST
@given(history=st.lists(monthly, min_size=3, max_size=6), actual=st.lists(monthly, min_size=2, max_size=5))
def test_late_reading_bills_the_same_volume_as_readings_on_time(history, actual):
    """Months without readings billed by average, then one late reading: the substituted volumes
    plus the true-up equal the consumption; the money differs from on-time billing only by the
    rounding of each line (half a kopeck per line at most)."""
    tariff = [TariffSpan(D(2020, 1, 1), None, Decimal("50.93"))]
    substituted = []
    for n in range(len(actual) - 1):
        volume = volumes.substitute(history=history, periods_substituted=n, normative=Decimal(1), people=1,
                                    settings=volumes.VolumeSettings(max_average_periods=10))
        substituted.append(volume.volume.quantize(Decimal("0.000001")))
    late = volumes.trued_up(sum(actual), substituted)
    assert sum(substituted) + late.volume == sum(actual)
    late_money = sum(line.amount for v in [*(volumes.metered(s) for s in substituted), late]
                     for line in price(v, tariff, D(2026, 1, 1), service="x", unit=""))
    on_time_money = sum(price(volumes.metered(v), tariff, D(2026, 1, 1), service="x", unit="")[0].amount
                        for v in actual)
    assert abs(late_money - on_time_money) <= Decimal("0.005") * 2 * len(actual)
