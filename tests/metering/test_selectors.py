"""Selectors: what consumers and staff see, in a constant number of queries."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.metering import selectors
from kabinet.metering.models import Meter, Reading, ReadingSettings
from tests import factories
from tests.metering.factories import MeterFactory, ReadingFactory

TODAY = dt.date(2026, 11, 20)


def add_meters(account, count):
    meters = []
    for i in range(count):
        meter = MeterFactory(account=account, zone_count=1 + i % 3)
        for zone in meter.zones:
            ReadingFactory(meter=meter, zone=zone, value=Decimal(10 + i), taken_on=dt.date(2026, 9, 20))
            ReadingFactory(meter=meter, zone=zone, value=Decimal(20 + i), taken_on=dt.date(2026, 10, 20))
            ReadingFactory(meter=meter, zone=zone, value=Decimal(25 + i), taken_on=TODAY, status=Reading.Status.NEW)
        meters.append(meter)
    return meters


def test_consumer_groups_by_address_with_last_and_pending_readings(alice, account, org):
    (meter,) = add_meters(account, 1)
    groups = selectors.consumer_meter_groups(alice, today=TODAY)
    assert [g.premises for g in groups] == [account.premises]
    (card,) = groups[0].meters
    assert card.meter == meter and card.can_submit and card.period == dt.date(2026, 11, 1)
    (zone,) = card.zones
    assert (zone.last.value, zone.last.taken_on, zone.pending.value) == (Decimal(20), dt.date(2026, 10, 20),
                                                                       Decimal(25))
    ReadingSettings.objects.create(organization=org, window_start_day=23, window_end_day=25)
    (card,) = selectors.consumer_meter_groups(alice, today=TODAY)[0].meters
    assert not card.can_submit and card.window_opens_on == dt.date(2026, 11, 23)


@pytest.mark.parametrize("count", [1, 6])
def test_consumer_groups_in_a_constant_number_of_queries(alice, account, other_org, count, django_assert_num_queries):
    add_meters(account, count)
    # A second account of another organisation at another address.
    second = factories.AccountFactory(organization=other_org)
    factories.AccountLinkFactory(user=alice, account=second)
    add_meters(second, count)
    with django_assert_num_queries(5):
        groups = selectors.consumer_meter_groups(alice, today=TODAY)
        assert sum(len(z.zones) for g in groups for z in g.meters) > 0
        for group in groups:
            for card in group.meters:
                str(group.address), str(card.meter), card.account.number
                [z.last.value for z in card.zones]


def test_consumers_never_see_house_unregistered_retired_or_others_meters(alice, charlie, account, org):
    mine = MeterFactory(account=account)
    MeterFactory(account=account, is_registered=False)
    MeterFactory(account=account, status=Meter.Status.RETIRED)
    MeterFactory(account=None, building=account.premises.building, organization=org)
    theirs = MeterFactory(account=charlie.account_links.get().account)
    assert list(selectors.consumer_meters(alice)) == [mine]
    assert list(selectors.consumer_meters(charlie)) == [theirs]
    assert selectors.consumer_meter(charlie, mine.pk) is None
    assert selectors.consumer_meter(alice, "x") is None
    assert selectors.consumer_meter(alice, mine.pk) == mine


def test_view_right_sees_but_cannot_submit(bob, account):
    from kabinet.accounts.models import AccountLink

    AccountLink.objects.create(user=bob, account=account, role=AccountLink.Role.DELEGATE)
    (meter,) = add_meters(account, 1)
    (card,) = selectors.consumer_meter_groups(bob, today=TODAY)[0].meters
    assert card.meter == meter and not card.can_submit
    assert not selectors.submittable_meters(bob).exists()


def test_reading_history_by_period(account):
    (meter,) = add_meters(account, 1)
    assert selectors.reading_history(meter).count() == 3
    assert [r.value for r in selectors.reading_history(meter, period=dt.date(2026, 10, 1))] == [Decimal(20)]
    assert selectors.reading_history(meter, period_from=dt.date(2026, 10, 1)).count() == 2
    assert selectors.reading_history(meter, period_to=dt.date(2026, 9, 1)).count() == 1
    assert selectors.reading_history(meter, statuses=["new"]).count() == 1


def test_staff_review_is_scoped_and_filtered(staff, other_staff, operator, account, org, other_org):
    meters = add_meters(account, 2)
    foreign = add_meters(factories.AccountFactory(organization=other_org), 1)
    mine = selectors.staff_readings(staff)  # a single-rate and a two-zone meter: 3 readings per zone
    assert mine.count() == 9 and not mine.filter(meter__in=foreign).exists()
    assert selectors.staff_readings(other_staff).count() == 3
    assert selectors.staff_readings(operator).count() == 12
    assert selectors.staff_readings(staff, status="new").count() == 3
    assert selectors.staff_readings(staff, period=dt.date(2026, 9, 1)).count() == 3
    assert selectors.staff_readings(staff, building=account.premises.building).count() == 9
    assert selectors.staff_readings(staff, service=meters[0].service, source=["portal"]).count() == 9
    assert selectors.staff_readings(staff, source="sms").count() == 0
    Reading.objects.filter(status="new", meter=meters[0]).update(flag_high=True)
    assert selectors.staff_readings(staff, flagged=True).count() == 1
    assert selectors.staff_readings(staff, flagged=False).count() == 8
    assert selectors.staff_meter(other_staff, meters[0].pk) is None
    assert selectors.staff_meter(staff, meters[0].pk) == meters[0]


def test_staff_without_the_readings_role_see_nothing(org, account):
    membership = factories.StaffMembershipFactory(organization=org, roles=["appeals"])
    add_meters(account, 1)
    assert not selectors.staff_readings(membership.user).exists()
    assert not selectors.staff_meters(membership.user).exists()


def test_staff_review_list_query_count(staff, account, django_assert_num_queries):
    add_meters(account, 4)
    with django_assert_num_queries(2):  # the memberships, then the readings with their meters
        rows = [(r.meter.account.premises.building, r.meter.service.name, r.submitted_by)
                for r in selectors.staff_readings(staff)]
    assert len(rows) == 3 * (1 + 2 + 3 + 1)  # zone counts 1, 2, 3, 1; three readings each
