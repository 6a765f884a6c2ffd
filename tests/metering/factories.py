"""Factories for meters and readings."""

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from kabinet.metering.models import Meter, Reading
from tests.factories import AccountFactory, ServiceFactory


class MeteringServiceFactory(ServiceFactory):
    """A service found by (organisation, code), so meters of one flat share it."""

    class Meta:
        django_get_or_create = ("organization", "code")


class MeterFactory(DjangoModelFactory):
    """An individual single-rate cold water meter on an account of the service's organisation."""

    class Meta:
        model = Meter

    account = factory.SubFactory(AccountFactory)
    organization = factory.SelfAttribute("account.organization")
    service = factory.SubFactory(MeteringServiceFactory, organization=factory.SelfAttribute("..organization"),
                                 code="cold_water", name="Холодная вода", unit="м³")
    resource = Meter.Resource.COLD_WATER
    serial_number = factory.Sequence(lambda n: f"{12426300 + n}")
    zone_count = 1
    digits = 5
    decimals = 3
    installed_on = dt.date(2020, 1, 1)
    verification_due = dt.date(2030, 1, 1)


class ReadingFactory(DjangoModelFactory):
    """An accepted reading (a baseline for the tests' submissions)."""

    class Meta:
        model = Reading

    meter = factory.SubFactory(MeterFactory)
    zone = "T1"
    value = Decimal("100")
    taken_on = dt.date(2026, 10, 20)
    period = factory.LazyAttribute(lambda o: o.taken_on.replace(day=1))
    source = Reading.Source.PORTAL
    status = Reading.Status.ACCEPTED
