"""Factories for tariffs and normatives, and helpers to build a meter's reading history."""

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from kabinet.billing.models import Normative, Tariff
from kabinet.core.money import add_months
from kabinet.metering.models import Reading
from tests.metering.factories import ReadingFactory


class TariffFactory(DjangoModelFactory):
    class Meta:
        model = Tariff

    organization = factory.SelfAttribute("service.organization")
    price = Decimal("50.93")
    valid_from = dt.date(2020, 1, 1)


class NormativeFactory(DjangoModelFactory):
    class Meta:
        model = Normative

    organization = factory.SelfAttribute("service.organization")
    value = Decimal("6.935")
    valid_from = dt.date(2020, 1, 1)


def reading_history(meter, start_period: dt.date, start_value: Decimal, consumptions, zone: str = "T1"):
    """A baseline reading in `start_period`, then one accepted reading per month with these consumptions;
    returns the readings, oldest first."""
    previous = ReadingFactory(meter=meter, zone=zone, value=start_value, period=start_period,
                              taken_on=start_period.replace(day=20), status=Reading.Status.ACCEPTED)
    readings = [previous]
    for n, consumption in enumerate(consumptions, start=1):
        readings.append(add_reading(meter, add_months(start_period, n), previous.value + Decimal(consumption),
                                    previous, zone))
        previous = readings[-1]
    return readings


def add_reading(meter, period: dt.date, value: Decimal, previous, zone: str = "T1"):
    return ReadingFactory(meter=meter, zone=zone, value=Decimal(value), period=period, taken_on=period.replace(day=20),
                          previous=previous, consumption=Decimal(value) - previous.value,
                          status=Reading.Status.ACCEPTED)
