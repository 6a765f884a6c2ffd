import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from kabinet.accounts.services import issue_api_token
from kabinet.metering.models import Meter
from tests.metering.factories import MeterFactory, ReadingFactory


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def client_for():
    """An API client authenticated with a fresh Bearer token of `user`."""

    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(user, name='tests')}")
        return client

    return make


# --- Meters and readings ----------------------------------------------------------------------------------

TODAY = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)  # before the cutoff day: period 2026-11


@pytest.fixture
def today():
    """Freeze the clock on 20.11.2026 (the submission counts for 2026-11)."""
    with time_machine.travel(TODAY, tick=False):
        yield TODAY.date()


@pytest.fixture
def water(account):
    """Cold water on `account` (2 residents: limit 20 m³ a month), last accepted 100 on 20.10.2026."""
    meter = MeterFactory(account=account, serial_number="CW-1001")
    ReadingFactory(meter=meter, value=Decimal("95"), taken_on=dt.date(2026, 9, 20))
    ReadingFactory(meter=meter, value=Decimal("100"), taken_on=dt.date(2026, 10, 20))
    return meter


@pytest.fixture
def day_night(account):
    """A two-zone electricity meter on `account`, one decimal, last accepted T1 5000, T2 2000."""
    meter = MeterFactory(account=account, serial_number="EL-2002", resource=Meter.Resource.ELECTRICITY, zone_count=2,
                         digits=6, decimals=1, service__code="electricity", service__name="Электроэнергия",
                         service__unit="кВт·ч")
    ReadingFactory(meter=meter, zone="T1", value=Decimal("5000"), taken_on=dt.date(2026, 10, 20))
    ReadingFactory(meter=meter, zone="T2", value=Decimal("2000"), taken_on=dt.date(2026, 10, 20))
    return meter
