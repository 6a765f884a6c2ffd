"""A closed, billed month of one account, for the bill (ЕПД) tests of billing, portal and API."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.billing.models import Balance, BillingPeriod, Charge, Payment
from kabinet.registry.models import Service
from tests import factories

PERIOD = dt.date(2026, 3, 1)
REQUISITES = dict(
    bank_account="40702810900000012345", bank_name="ПАО СБЕРБАНК", bank_bic="044525225",
    bank_corr_account="30101810400000000225", inn="7701234567", kpp="770101001",
)


@pytest.fixture
def billed(db):
    """Account 1000777 of «УК Пример» with March 2026 closed: two services, a payment, 5 234,10 ₽ due."""
    org = factories.OrganizationFactory(name="ООО «УК Пример»", **REQUISITES)
    account = factories.AccountFactory(organization=org, number="1000777", holder_name="Иванов Иван Иванович")
    owner = factories.UserFactory(email="owner@example.com", email_confirmed=True)
    factories.AccountLinkFactory(user=owner, account=account)
    upkeep = factories.ServiceFactory(organization=org, name="Содержание жилья", unit="м²",
                                      method=Service.Method.AREA)
    water = factories.ServiceFactory(organization=org, name="Холодная вода", unit="м³")
    Charge.objects.create(account=account, period=PERIOD, service=upkeep, kind="area", volume=Decimal("54.3"),
                          tariff=Decimal("30.00"), amount=Decimal("1629.00"), protocol="Содержание: 54,3 м² × 30,00 ₽")
    Charge.objects.create(account=account, period=PERIOD, service=water, kind="metered", volume=Decimal("7"),
                          tariff=Decimal("50.93"), amount=Decimal("356.51"), protocol="ХВС: 7 м³ × 50,93 ₽")
    Payment.objects.create(account=account, amount=Decimal("1000.00"), paid_on=dt.date(2026, 3, 12), period=PERIOD,
                           source="bank")
    Balance.objects.create(account=account, period=PERIOD, opening=Decimal("4248.59"), charged=Decimal("1985.51"),
                           paid=Decimal("1000.00"), closing=Decimal("5234.10"))
    BillingPeriod.objects.create(organization=org, period=PERIOD, status=BillingPeriod.Status.CLOSED)
    return account
