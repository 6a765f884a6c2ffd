"""Services behind the panel's manual editing: create and edit meters, reading settings; role checks."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.core.roles import Role
from kabinet.metering import services
from kabinet.metering.models import Meter, ReadingSettings, SealRecord, ServiceLimit
from tests import factories
from tests.metering.factories import MeterFactory, MeteringServiceFactory, ReadingFactory


@pytest.fixture
def editor(org):
    return factories.StaffMembershipFactory(organization=org, roles=[Role.MANUAL_EDITING]).user


@pytest.fixture
def reviewer(org):
    return factories.StaffMembershipFactory(organization=org, roles=[Role.READINGS]).user


@pytest.fixture
def water(org):
    return MeteringServiceFactory(organization=org, code="cold_water", name="Холодная вода")


def test_create_individual_and_collective_meters(editor, org, account, water):
    meter = services.create_meter(acting_user=editor, service=water, serial_number=" W-1 ", account=account,
                                  installed_on=dt.date(2026, 1, 5), seal_number="S-1")
    assert (meter.organization, meter.serial_number, meter.account) == (org, "W-1", account)
    assert meter.history.get().history_user == editor
    assert SealRecord.objects.get(meter=meter).sealed_on == dt.date(2026, 1, 5)
    building = account.premises.building
    house = services.create_meter(acting_user=editor, service=water, serial_number="H-1", building=building,
                                  organization=org, zone_count=1)
    assert house.is_collective and house.organization == org


def test_create_meter_refuses_strangers_and_bad_input(editor, reviewer, other_staff, account, water, other_org):
    with pytest.raises(services.MeteringError, match="No such organisation"):
        services.create_meter(acting_user=other_staff, service=water, serial_number="X", account=account)
    with pytest.raises(services.MeteringError, match="No such organisation"):
        services.create_meter(acting_user=reviewer, service=water, serial_number="X", account=account)
    with pytest.raises(services.MeteringError) as error:
        services.create_meter(acting_user=editor, service=water, serial_number="  ", account=account)
    assert error.value.issues[0].field == "serial_number"
    foreign = MeteringServiceFactory(organization=other_org, code="gas", name="Газ")
    with pytest.raises(services.MeteringError) as error:
        services.create_meter(acting_user=editor, service=foreign, serial_number="X", account=account)
    assert error.value.issues[0].field == "service"
    with pytest.raises(services.MeteringError):
        services.create_meter(acting_user=editor, service=water, serial_number="X")
    assert not Meter.objects.exists()


def test_update_meter_is_audited_and_keeps_zones_with_readings(editor, reviewer, account):
    meter = MeterFactory(account=account)
    assert services.update_meter(meter, {"serial_number": "NEW-1", "verification_due": dt.date(2033, 1, 1)},
                                 acting_user=editor)
    meter.refresh_from_db()
    assert meter.serial_number == "NEW-1"
    assert meter.history.first().history_user == editor
    assert not services.update_meter(meter, {"serial_number": "NEW-1"}, acting_user=editor)
    ReadingFactory(meter=meter)
    with pytest.raises(services.MeteringError) as error:
        services.update_meter(meter, {"zone_count": 2}, acting_user=editor)
    assert error.value.issues[0].field == "zone_count"
    with pytest.raises(services.MeteringError, match="No such meter"):
        services.update_meter(meter, {"serial_number": "HACK"}, acting_user=reviewer)
    meter.refresh_from_db()
    assert (meter.serial_number, meter.zone_count) == ("NEW-1", 1)


def test_meter_changes_need_manual_editing(reviewer, account):
    meter = MeterFactory(account=account)
    for action in (lambda: services.set_seal(meter, "A1", acting_user=reviewer),
                   lambda: services.retire_meter(meter, acting_user=reviewer),
                   lambda: services.replace_meter(meter, acting_user=reviewer, final_values=["1"],
                                                  serial_number="N")):
        with pytest.raises(services.MeteringError, match="No such meter"):
            action()
    meter.refresh_from_db()
    assert meter.status == Meter.Status.ACTIVE and not meter.seal_number


@pytest.mark.parametrize("role", [Role.ORGANIZATION, Role.CHANNELS])
def test_update_reading_settings(org, water, role):
    user = factories.StaffMembershipFactory(organization=org, roles=[role]).user
    changed = services.update_reading_settings(
        org, {"cutoff_day": 20, "limit_mode": "refuse", "window_start_day": 15, "window_end_day": 25},
        acting_user=user, service_limits={water: Decimal("12")},
    )
    assert changed
    reading_settings = ReadingSettings.objects.get(organization=org)
    assert (reading_settings.cutoff_day, reading_settings.limit_mode) == (20, "refuse")
    assert reading_settings.history.first().history_user == user
    assert ServiceLimit.objects.get(service=water).per_resident == Decimal("12")
    assert not services.update_reading_settings(org, {"cutoff_day": 20}, acting_user=user,
                                                service_limits={water: Decimal("12")})
    assert services.update_reading_settings(org, {}, acting_user=user, service_limits={water: None})
    assert not ServiceLimit.objects.exists()


def test_reading_settings_refuse_strangers_and_half_windows(org, other_staff, reviewer):
    for user in (other_staff, reviewer):
        with pytest.raises(services.MeteringError, match="No such organisation"):
            services.update_reading_settings(org, {"cutoff_day": 5}, acting_user=user)
    admin = factories.StaffMembershipFactory(organization=org, roles=[Role.ORGANIZATION]).user
    with pytest.raises(services.MeteringError) as error:
        services.update_reading_settings(org, {"window_start_day": 5, "window_end_day": None}, acting_user=admin)
    assert error.value.issues[0].field == "window_end_day"
    assert not ReadingSettings.objects.filter(cutoff_day=5).exists()
