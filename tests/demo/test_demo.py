import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from kabinet.billing.models import Balance
from kabinet.core.models import Membership, Organization
from kabinet.core.tenancy import staff_organizations
from kabinet.demo.data import DEMO_PASSWORD, MONTHS
from kabinet.registry.models import PersonalAccount


@pytest.fixture
def demo(db):
    call_command("demo", stdout=open("/dev/null", "w"))


def test_demo_has_the_promised_shape(demo):
    orgs = Organization.objects.all()
    assert orgs.count() >= 2
    assert orgs.filter(parent__isnull=False).exists(), "one organisation has a sub-organisation"
    assert PersonalAccount.objects.count() >= 50
    assert PersonalAccount.objects.values("premises__building__street").distinct().count() >= 3
    periods = Balance.objects.filter(account__number="1000200").values_list("period", flat=True)
    assert len(set(periods)) == MONTHS


def test_demo_logins_work(demo, rf):
    for username in ("demo@example.com", "1000200", "staff@example.com", "admin@example.com"):
        assert authenticate(rf.post("/login/"), username=username, password=DEMO_PASSWORD) is not None, username


def test_demo_consumer_has_an_account_in_each_of_two_organisations(demo):
    accounts = PersonalAccount.objects.filter(links__user__email="demo@example.com")
    numbers = set(accounts.values_list("number", flat=True))
    assert "1000200" in numbers
    assert accounts.values("organization").distinct().count() == 2


def test_demo_staff_is_staff_of_the_first_organisation_only(demo):
    staff = Membership.objects.get(user__email="staff@example.com")
    visible = staff_organizations(staff.user)
    roots = {o.pk for o in visible if o.parent_id is None}
    assert roots == {staff.organization_id}
    assert visible.filter(parent=staff.organization).exists(), "covers its sub-organisation"


def test_demo_is_idempotent(demo):
    counts = (PersonalAccount.objects.count(), Balance.objects.count(), Organization.objects.count())
    call_command("demo", stdout=open("/dev/null", "w"))
    assert (PersonalAccount.objects.count(), Balance.objects.count(), Organization.objects.count()) == counts


def test_demo_balances_reconcile(demo):
    for balance in Balance.objects.all()[:200]:
        assert balance.closing == balance.opening + balance.charged + balance.recalculated + balance.penalty - balance.paid


# --- Meters and readings ----------------------------------------------------------------------------------


def test_demo_accounts_have_meters_with_a_year_of_readings(demo):
    from kabinet.metering.models import Meter, Reading

    without = PersonalAccount.objects.filter(meters__isnull=True).values_list("number", flat=True)
    assert list(without) == ["5000200"], "only the consumer's supplier account: its flat's meter is on 1000200"
    counts = Reading.objects.filter(meter__account__number="1000101").values("meter", "zone").distinct()
    for row in counts:
        readings = Reading.objects.filter(meter=row["meter"], zone=row["zone"], status__in=Reading.COUNTED)
        assert readings.values("period").distinct().count() == MONTHS
    water = Reading.objects.filter(meter__resource=Meter.Resource.COLD_WATER, meter__account__isnull=False,
                                   consumption__isnull=False)
    assert all(0 < r.consumption <= 25 for r in water[:500])


def test_demo_consumer_has_a_three_zone_meter_and_two_water_meters(demo):
    from kabinet.metering.models import Meter

    meters = Meter.objects.filter(account__number="1000200", account__organization__short_name="УК Пример")
    assert sorted(meters.values_list("resource", "zone_count")) == [
        ("cold_water", 1), ("electricity", 3), ("hot_water", 1)]
    assert Meter.objects.filter(zone_count=3).exists()
    assert meters.get(resource="hot_water").verification_expired(dt.date.today())


def test_demo_buildings_have_one_collective_meter_each(demo):
    from kabinet.metering.models import Meter
    from kabinet.registry.models import Building

    for building in Building.objects.all():
        assert Meter.objects.filter(building=building, resource=Meter.Resource.COLD_WATER).count() == 1
    # The electricity supplier's house meter at ул. Ленина, 12 (common-house needs).
    assert list(Meter.objects.filter(resource=Meter.Resource.ELECTRICITY, building__isnull=False)
                .values_list("building__street", "building__house")) == [("ул. Ленина", "12")]


def test_demo_shows_common_house_needs_and_a_loss(demo):
    from kabinet.billing.models import Charge, CommonHouseLoss

    losses = CommonHouseLoss.objects.filter(service__code="electricity")
    assert [(loss.building.street, loss.building.house) for loss in losses] == [("ул. Ленина", "12")]
    [loss] = losses
    assert loss.loss_volume > 0 and loss.loss_amount > 0 and loss.distributed_volume == loss.cap_volume
    lines = Charge.objects.filter(kind="common", service__code="electricity", period=loss.period)
    assert lines.count() == loss.accounts > 0
    assert sum(c.amount for c in lines) == loss.distributed_amount
    assert Charge.objects.filter(kind="common", account__number="5000200").exists()  # the consumer's supplier account


def test_demo_consumer_sees_three_meters_and_can_submit(demo):
    from kabinet.accounts.models import User
    from kabinet.metering import selectors, services

    user = User.objects.get(email="demo@example.com")
    groups = selectors.consumer_meter_groups(user)
    cards = [card for group in groups for card in group.meters]
    assert len(groups) == 1 and len(cards) == 3
    entries = [
        {"meter": card.meter.pk, "zone": zone.zone, "value": zone.last.value + 1} for card in cards for zone in card.zones
    ]
    preview = services.preview_readings(selectors.submittable_meters(user), entries)
    assert preview.ok and not preview.confirmations, preview.as_api_errors()


def test_demo_meters_are_idempotent(demo):
    from kabinet.metering.models import Meter, Reading

    counts = (Meter.objects.count(), Reading.objects.count())
    call_command("demo", stdout=open("/dev/null", "w"))
    assert (Meter.objects.count(), Reading.objects.count()) == counts


def test_demo_meters_next_month_adds_one_reading_per_zone(db):
    from kabinet.demo.data import DemoLoader
    from kabinet.metering.models import Reading

    DemoLoader(today=dt.date(2026, 11, 20)).load()
    before = Reading.objects.count()
    zones = Reading.objects.values("meter", "zone").distinct().count()
    DemoLoader(today=dt.date(2026, 12, 20)).load()
    assert Reading.objects.count() == before + zones
    latest = Reading.objects.filter(period=dt.date(2026, 11, 1)).exclude(consumption=None)
    assert latest.count() == zones


def test_demo_has_debts_and_overpayments(demo):
    from kabinet.billing.selectors import with_balance

    balances = [a.balance for a in with_balance(PersonalAccount.objects.all())]
    assert any(b > 0 for b in balances) and any(b < 0 for b in balances)


def test_a_later_run_continues_the_balance_chain(demo):
    import datetime as dt

    from kabinet.core.money import add_months, period_start
    from kabinet.demo.data import DemoLoader

    next_month = add_months(period_start(dt.date.today()), 1)
    DemoLoader(today=next_month).load()
    for account in PersonalAccount.objects.all()[:20]:
        rows = list(Balance.objects.filter(account=account).order_by("period"))
        for before, after in zip(rows, rows[1:], strict=False):
            assert after.opening == before.closing, (account.number, after.period)


# --- Billing ------------------------------------------------------------------------------------------------


def test_demo_ledger_is_behind_the_balances(demo):
    from django.db.models import Sum

    from kabinet.billing.models import Charge, Payment

    for balance in Balance.objects.filter(account__number__in=["1000200", "5000200", "1000101"]):
        charged = Charge.objects.filter(account=balance.account, period=balance.period).aggregate(s=Sum("amount"))["s"]
        paid = Payment.objects.filter(account=balance.account, period=balance.period).aggregate(s=Sum("amount"))["s"]
        assert (charged or 0) == balance.charged and (paid or 0) == balance.paid, (balance.account, balance.period)
    for payment in Payment.objects.all()[:300]:
        assert sum(a.amount for a in payment.allocations.all()) == payment.amount


def test_demo_is_idempotent_for_billing(demo):
    from kabinet.billing.models import Allocation, BillingSchedule, Charge, Normative, Payment, Tariff

    models = (Tariff, Normative, BillingSchedule, Charge, Payment, Allocation)
    counts = [m.objects.count() for m in models]
    call_command("demo", stdout=open("/dev/null", "w"))
    assert [m.objects.count() for m in models] == counts
    assert Tariff.objects.filter(service__code="electricity", zone="T1", price="6.18").exists()
    assert BillingSchedule.objects.filter(organization__short_name="УК Пример", close_day=26).exists()


def test_demo_bills_the_previous_month_sensibly(demo):
    from decimal import Decimal

    from django.db.models import Sum

    from kabinet.billing.models import Charge, Payment
    from kabinet.billing.reports import turnover
    from kabinet.billing.services import run_billing
    from kabinet.core.money import add_months, period_start

    period = add_months(period_start(dt.date.today()), -1)
    paid_before = Payment.objects.filter(period=period).aggregate(s=Sum("amount"))["s"]
    uk = Organization.objects.get(short_name="УК Пример")
    report = run_billing(uk, period)
    assert report.accounts >= 30 and report.lines >= report.accounts * 4 and not report.problems
    assert Decimal("1000") < report.amount / report.accounts < Decimal("20000")
    lines = Charge.objects.filter(account__number="1000200", account__organization=uk, period=period)
    by_zone = {c.zone: c.tariff for c in lines.filter(service__code="electricity")}
    assert by_zone == {"T1": Decimal("6.18"), "T2": Decimal("1.74"), "T3": Decimal("5.15")}
    assert {c.service.code for c in lines} >= {"maintenance", "heating", "cold_water", "hot_water", "sewage"}
    assert all(c.protocol and c.amount >= 0 for c in lines)
    assert not lines.filter(protocol__startswith="Демонстрационная").exists()  # the history line was replaced
    assert Payment.objects.filter(period=period).aggregate(s=Sum("amount"))["s"] == paid_before
    energo = Organization.objects.get(short_name="Энергосбыт Пример")
    assert run_billing(energo, period).lines > 0
    sheet = turnover(PersonalAccount.objects.all(), add_months(period, -11), period_start(dt.date.today()))
    assert sheet.reconciles, sheet.statement


def test_demo_consumer_can_quote_a_payment_with_each_commission_kind(demo):
    """Both organisations have a sandbox commission: kept back by the first, paid on top at the second."""
    from kabinet.accounts.models import User
    from kabinet.payments import services

    consumer = User.objects.get(email="demo@example.com")
    items = services.payable_items(consumer)
    assert {i.account.number for i in items} >= {"1000200"}
    quotes = {i.account.organization.inn: services.quote([(i.account, i.supplier, "1000")], "sandbox") for i in items}
    kinds = {(q.total > q.amount) for q in quotes.values()}
    assert kinds == {True, False}
