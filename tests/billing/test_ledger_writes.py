"""The ledger's bulk writes store exactly what they are given: `insert_charges` (COPY in text format on
PostgreSQL, bulk_create elsewhere) and `ids_in` with a batch of ids."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing.ledger import bigint_array, ids_in, insert_charges
from kabinet.billing.models import Charge
from kabinet.registry.models import PersonalAccount
from tests import factories
from tests.metering.factories import MeterFactory

pytestmark = pytest.mark.django_db
MAY = dt.date(2026, 5, 1)


def test_insert_charges_stores_every_field_as_given(org):
    account = factories.AccountFactory(organization=org)
    meter = MeterFactory(account=account)
    service = factories.ServiceFactory(organization=org)
    awkward = "Вода:\tпоказания 1\\2\nвторая строка\r\\N — конец"  # what COPY's text format must escape
    rows = [
        (account.pk, meter.service_id, meter.pk, "T1", "metered", Decimal("5.233333"), Decimal("50.9300"),
         Decimal("266.53"), awkward),
        (account.pk, service.pk, None, "", "recalculation", Decimal("-1.500000"), Decimal("812.6400"),
         Decimal("-1218.96"), ""),
    ]

    insert_charges(MAY, rows)

    stored = list(Charge.objects.filter(account=account).order_by("amount").values_list(
        "period", "automatic", "account_id", "service_id", "meter_id", "zone", "kind", "volume", "tariff", "amount",
        "protocol"))
    assert stored == [
        (MAY, True, account.pk, service.pk, None, "", "recalculation", Decimal("-1.500000"), Decimal("812.6400"),
         Decimal("-1218.96"), ""),
        (MAY, True, account.pk, meter.service_id, meter.pk, "T1", "metered", Decimal("5.233333"), Decimal("50.9300"),
         Decimal("266.53"), awkward),
    ]
    assert Charge.objects.get(meter=meter).created_at is not None


def test_ids_in_selects_exactly_the_batch(org):
    accounts = [factories.AccountFactory(organization=org) for _ in range(5)]
    batch = [accounts[0].pk, accounts[2].pk, accounts[4].pk]

    found = set(PersonalAccount.objects.filter(ids_in("pk", batch)).values_list("pk", flat=True))

    assert found == set(batch)
    assert not PersonalAccount.objects.filter(ids_in("pk", [])).exists()


def test_bigint_array_is_a_postgresql_array_literal():
    assert bigint_array([3, 1, 20]) == "{3,1,20}"
    assert bigint_array([]) == "{}"
