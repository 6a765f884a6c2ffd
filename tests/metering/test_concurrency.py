"""Two submissions for one meter at the same moment end with exactly one pending reading.

Needs real row locks, so it runs where the database has SELECT … FOR UPDATE (PostgreSQL, MariaDB);
SQLite serialises writers on the whole file instead.
"""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from kabinet.metering import services
from kabinet.metering.models import Reading
from tests import factories
from tests.metering.factories import MeterFactory, ReadingFactory

pytestmark = pytest.mark.skipif(not connection.features.has_select_for_update,
                                reason="the database has no row locks (SELECT … FOR UPDATE)")


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_leave_one_pending_reading():
    account = factories.AccountFactory()
    user = factories.UserFactory()
    factories.AccountLinkFactory(user=user, account=account)
    meter = MeterFactory(account=account)
    ReadingFactory(meter=meter, value=Decimal("100"))
    today = dt.date(2026, 11, 20)
    barrier = threading.Barrier(2)
    errors = []

    def submit(value):
        try:
            barrier.wait(timeout=10)
            services.submit_readings([{"meter": meter.pk, "value": value}], acting_user=user, source="portal",
                                     today=today)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    for _round in range(3):
        threads = [threading.Thread(target=submit, args=(v,)) for v in ("105", "106")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert not errors, errors
        assert Reading.objects.filter(meter=meter, status=Reading.Status.NEW).count() == 1
    assert Reading.objects.filter(meter=meter, status=Reading.Status.SUPERSEDED).count() == 5
