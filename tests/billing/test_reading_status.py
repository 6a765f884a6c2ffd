"""A billing run marks the period's readings its metered lines came from as billed (they can no longer
be rejected); other readings keep their status; a re-run changes nothing, and a reading the run no
longer uses is accepted again."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing import services
from kabinet.billing.models import Charge
from kabinet.metering import services as metering
from kabinet.metering.models import Meter, Reading
from kabinet.registry.models import Service
from tests import factories
from tests.billing.factories import NormativeFactory, TariffFactory, add_reading, reading_history
from tests.metering.factories import MeterFactory, ReadingFactory

pytestmark = pytest.mark.django_db
MAY = dt.date(2026, 5, 1)
ACCEPTED, BILLED, NEW = Reading.Status.ACCEPTED, Reading.Status.BILLED, Reading.Status.NEW


@pytest.fixture
def water(org):
    service = factories.ServiceFactory(organization=org, code="cold_water", name="Холодная вода", unit="м³",
                                       method=Service.Method.METERED)
    TariffFactory(service=service, price=Decimal("50.93"))
    NormativeFactory(service=service, value=Decimal("6.935"))
    return service


def meter_with_history(org, water, *, read_in_may=True, **meter_fields):
    """A meter read every month from December to April, and in May unless told otherwise."""
    account = factories.AccountFactory(organization=org)
    meter = MeterFactory(account=account, service=water, **meter_fields)
    history = reading_history(meter, dt.date(2025, 12, 1), Decimal("10"), ["3.1", "2.9", "3.3", "3.0"])
    if read_in_may:
        history.append(add_reading(meter, MAY, history[-1].value + Decimal("3.2"), history[-1]))
    return meter, history


def statuses(readings) -> list[str]:
    return [Reading.objects.get(pk=r.pk).status for r in readings]


def test_the_readings_a_run_bills_become_billed(org, water):
    meter, history = meter_with_history(org, water)
    pending = ReadingFactory(meter=meter, value=Decimal("30"), period=MAY, taken_on=dt.date(2026, 5, 25), status=NEW)

    services.run_billing(org, MAY)

    assert Charge.objects.get(meter=meter, period=MAY).kind == "metered"
    assert statuses(history) == [ACCEPTED] * 5 + [BILLED]  # earlier months are not this run's
    assert statuses([pending]) == [NEW]


def test_readings_the_run_does_not_use_keep_their_status(org, water):
    unverified, unverified_history = meter_with_history(org, water, verification_due=dt.date(2026, 3, 10))
    unread, unread_history = meter_with_history(org, water, read_in_may=False)

    services.run_billing(org, MAY)

    assert Charge.objects.get(meter=unverified, period=MAY).kind != "metered"  # readings do not count
    assert Charge.objects.get(meter=unread, period=MAY).kind == "average"
    assert Reading.objects.filter(status=BILLED).count() == 0
    assert statuses(unverified_history)[-1] == ACCEPTED


def test_a_rerun_changes_nothing(org, water):
    _meter, history = meter_with_history(org, water)
    services.run_billing(org, MAY)
    charges = list(Charge.objects.values_list("kind", "volume", "amount", "protocol"))

    services.run_billing(org, MAY)

    assert statuses(history)[-1] == BILLED
    assert list(Charge.objects.values_list("kind", "volume", "amount", "protocol")) == charges


def test_a_reading_no_longer_used_is_accepted_again(org, water):
    meter, history = meter_with_history(org, water)
    services.run_billing(org, MAY)
    assert statuses(history)[-1] == BILLED

    Meter.objects.filter(pk=meter.pk).update(verification_due=dt.date(2026, 4, 10))  # found expired since
    services.run_billing(org, MAY)

    assert statuses(history)[-1] == ACCEPTED
    assert Charge.objects.get(meter=meter, period=MAY).kind != "metered"


def test_a_billed_reading_can_no_longer_be_rejected(org, water, staff):
    _meter, history = meter_with_history(org, water)
    services.run_billing(org, MAY)

    with pytest.raises(metering.MeteringError):
        metering.reject_reading(history[-1], "Фото не совпадает", acting_user=staff)
    assert statuses(history)[-1] == BILLED


def test_batches_mark_each_their_own_readings(org, water):
    pairs = [meter_with_history(org, water) for _ in range(5)]

    services.run_billing(org, MAY, batch_size=2)

    assert [statuses(history)[-1] for _meter, history in pairs] == [BILLED] * 5
