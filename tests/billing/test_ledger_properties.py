"""Properties of the ledger on the database (hypothesis): whatever sequence of billing runs, payments,
recalculations, penalty calculations and period closings happens, money is conserved —

- every payment is allocated exactly (principal + penalty + advance = the payment);
- every balance reconciles (opening + charged + recalculated + penalty − paid = closing) and opens with
  the previous period's closing;
- an account's last closing = Σ its charges + Σ its penalties − Σ its payments;
- a closed period never changes, and a refused action changes nothing.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kabinet.billing import services
from kabinet.billing.ledger import BillingError
from kabinet.billing.models import Allocation, Balance, Charge, Payment, PenaltyCharge
from kabinet.core.money import add_months
from kabinet.registry.models import Service
from tests import factories
from tests.billing.factories import NormativeFactory, TariffFactory

pytestmark = pytest.mark.django_db(transaction=False)
START = dt.date(2026, 1, 1)
MONTHS = 4
ZERO = Decimal("0.00")

money = st.integers(min_value=1, max_value=400_000).map(lambda n: Decimal(n) / 100)
months = st.integers(min_value=0, max_value=MONTHS - 1)
steps = st.one_of(
    st.tuples(st.just("run"), months),
    st.tuples(st.just("pay"), st.integers(0, 1), money, months, st.none() | months, st.booleans()),
    st.tuples(st.just("recalc"), st.integers(0, 1), st.integers(-50_000, 50_000).map(lambda n: Decimal(n) / 100),
              months),
    st.tuples(st.just("penalties"), st.integers(0, 8)),
    st.tuples(st.just("close"), months),
)


def period(n: int) -> dt.date:
    return add_months(START, n)


def build():
    org = factories.OrganizationFactory()
    upkeep = factories.ServiceFactory(organization=org, code="upkeep", name="Содержание", unit="м²",
                                      method=Service.Method.AREA)
    TariffFactory(service=upkeep, price=Decimal("23.17"))
    waste = factories.ServiceFactory(organization=org, code="waste", name="ТКО", unit="м³",
                                     method=Service.Method.RESIDENTS)
    TariffFactory(service=waste, price=Decimal("812.64"), valid_to=dt.date(2026, 2, 14))
    TariffFactory(service=waste, price=Decimal("850.00"), valid_from=dt.date(2026, 2, 15))
    NormativeFactory(service=waste, value=Decimal("0.1542"))
    accounts = [factories.AccountFactory(organization=org, area=Decimal(area), residents=residents)
                for area, residents in (("54.30", 2), ("31.07", 0))]
    return org, accounts, upkeep


def snapshot(periods: set[dt.date]):
    """Everything written about these periods, to compare before and after."""
    return (
        sorted(Balance.objects.filter(period__in=periods).values_list("account_id", "period", "opening", "charged",
                                                                       "recalculated", "paid", "penalty", "closing")),
        sorted(Charge.objects.filter(period__in=periods).values_list("pk", "amount")),
        sorted(PenaltyCharge.objects.filter(period__in=periods).values_list("pk", "amount")),
        sorted(Payment.objects.filter(period__in=periods).values_list("pk", "amount")),
    )


def total(queryset) -> Decimal:
    """Summed in Python: SQLite sums decimals as floats."""
    return sum(queryset.values_list("amount", flat=True), ZERO)


def check_conservation(accounts):
    for payment in Payment.objects.all():
        assert total(payment.allocations.all()) == payment.amount, payment
    for account in accounts:
        balances = list(Balance.objects.filter(account=account).order_by("period"))
        previous = ZERO
        for b in balances:
            assert b.opening == previous, b
            assert b.opening + b.charged + b.recalculated + b.penalty - b.paid == b.closing, b
            previous = b.closing
        expected = (total(Charge.objects.filter(account=account)) + total(PenaltyCharge.objects.filter(account=account))
                    - total(Payment.objects.filter(account=account)))
        assert previous == expected, account
        assert total(Allocation.objects.filter(account=account, kind="principal")) <= total(
            Charge.objects.filter(account=account).exclude(amount__lt=0)), account


def apply(step, org, accounts, upkeep):
    kind = step[0]
    if kind == "run":
        services.run_billing(org, period(step[1]))
    elif kind == "pay":
        _, who, amount, paid_in, named, on_bill = step
        day = period(paid_in) + dt.timedelta(days=17)
        named_period = period(named) if named is not None else None
        services.record_payment(accounts[who], amount, paid_on=day, source="bank",
                                period=None if on_bill else named_period,
                                bill_period=named_period if on_bill else None)
    elif kind == "recalc":
        _, who, amount, month = step
        if amount:
            services.add_recalculation(accounts[who], upkeep, amount, reason="проверка", acting_user=None,
                                       period=period(month))
    elif kind == "penalties":
        services.compute_penalties(org, period(0) + dt.timedelta(days=40 * step[1] + 20))
    elif kind == "close":
        services.close_period(org, period(step[1]))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sequence=st.lists(steps, min_size=1, max_size=8))
def test_money_is_conserved_and_closed_periods_never_change(sequence):
    with transaction.atomic():
        org, accounts, upkeep = build()
        closed: dict[dt.date, tuple] = {}
        for step in sequence:
            before = snapshot(set(closed)) if closed else None
            everything = snapshot({period(n) for n in range(-1, MONTHS + 8)})
            try:
                with transaction.atomic():
                    apply(step, org, accounts, upkeep)
            except BillingError:
                assert snapshot({period(n) for n in range(-1, MONTHS + 8)}) == everything, step
            if closed:
                assert snapshot(set(closed)) == before, step
            if step[0] == "close":
                closed[period(step[1])] = ()
            check_conservation(accounts)
        transaction.set_rollback(True)


consumption = st.integers(min_value=0, max_value=20_000).map(lambda n: Decimal(n) / 1000)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=st.lists(consumption, min_size=3, max_size=6), actual=st.lists(consumption, min_size=2, max_size=4),
       limit=st.integers(min_value=1, max_value=4))
def test_a_late_reading_bills_the_same_volume_as_readings_on_time_through_the_run(history, actual, limit):
    """Two flats with the same consumption: one reports every month, the other only at the end (its
    months between are billed by average, then normative, then trued up). Over the months the run bills
    both the same volume; the money differs only by the rounding of each line."""
    from kabinet.metering.models import Reading
    from tests.billing.factories import add_reading, reading_history
    from tests.metering.factories import MeterFactory

    with transaction.atomic():
        org = factories.OrganizationFactory()
        water = factories.ServiceFactory(organization=org, code="cold_water", name="ХВС", unit="м³",
                                         method=Service.Method.METERED, max_average_periods=limit)
        TariffFactory(service=water, price=Decimal("50.93"))
        NormativeFactory(service=water, value=Decimal("6.935"))
        start = add_months(START, -len(history) - 1)
        on_time, late = (MeterFactory(account=factories.AccountFactory(organization=org), service=water)
                         for _ in range(2))
        readings = {m: reading_history(m, start, Decimal("100"), history)[-1] for m in (on_time, late)}
        value = readings[on_time].value
        for n, used in enumerate(actual):
            value += used
            readings[on_time] = add_reading(on_time, period(n), value, readings[on_time])
            if n == len(actual) - 1:
                add_reading(late, period(n), value, readings[late])
            services.run_billing(org, period(n))
        assert Reading.objects.filter(meter=late, period=period(len(actual) - 1)).get().status == "billed"

        def billed(meter, field):
            return sum(Charge.objects.filter(meter=meter).values_list(field, flat=True), Decimal(0))

        assert billed(late, "volume") == billed(on_time, "volume") == sum(actual)
        lines = Charge.objects.filter(meter__in=(on_time, late)).count()
        assert abs(billed(late, "amount") - billed(on_time, "amount")) <= Decimal("0.005") * lines
        transaction.set_rollback(True)
