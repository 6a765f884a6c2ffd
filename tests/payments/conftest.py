"""A consumer owing two suppliers on one account: the organisation (upkeep) and a water company."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from kabinet.accounts.models import AccountLink
from kabinet.billing.ledger import refresh_balances
from kabinet.billing.models import Charge
from kabinet.core.models import Organization
from kabinet.registry.models import PersonalAccount, Service
from tests import factories

PERIOD = dt.date(2026, 10, 1)


@dataclass
class Debtor:
    user: object
    account: PersonalAccount
    org: Organization
    water: Organization
    upkeep_service: Service
    water_service: Service


@pytest.fixture
def debtor(db):
    org = factories.OrganizationFactory(name="ООО «УК Платёж»")
    water = factories.OrganizationFactory(name="АО «Водоканал»", kind=Organization.Kind.SUPPLIER)
    account = factories.AccountFactory(organization=org, number="3000300")
    user = factories.UserFactory(email="payer@example.com")
    factories.AccountLinkFactory(user=user, account=account, role=AccountLink.Role.OWNER)
    upkeep = factories.ServiceFactory(organization=org, name="Содержание", unit="м²", method=Service.Method.AREA)
    cold = factories.ServiceFactory(organization=org, name="Холодная вода", supplier=water)
    Charge.objects.create(account=account, period=PERIOD, service=upkeep, kind="area", volume=Decimal("50"),
                          tariff=Decimal("20"), amount=Decimal("1000.00"))
    Charge.objects.create(account=account, period=PERIOD, service=cold, kind="metered", volume=Decimal("10"),
                          tariff=Decimal("50"), amount=Decimal("500.00"))
    refresh_balances(org, [account.pk], PERIOD)
    return Debtor(user, account, org, water, upkeep, cold)


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages are asserted in English (the Russian catalogue is checked by tests/core/test_translations.py)."""
    from django.utils import translation

    with translation.override("en"):
        yield
