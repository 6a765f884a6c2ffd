"""Shared set-up for the readings page tests: a cold water meter and a three-zone electricity meter."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from kabinet.metering.models import Meter
from tests.metering.factories import MeterFactory, ReadingFactory

TODAY = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)  # inside the default cutoff (25th): period November
READINGS = reverse("portal:readings")
CONFIRM = reverse("portal:readings_confirm")


def water_meter(account, *, previous="100", serial="12426322", **kwargs):
    meter = MeterFactory(account=account, serial_number=serial, **kwargs)
    if previous is not None:
        ReadingFactory(meter=meter, value=Decimal(previous), taken_on=dt.date(2026, 10, 20))
    return meter


def electricity_meter(account, *, serial="12426323", previous=("30113", "1185", "23765")):
    meter = MeterFactory(
        account=account, serial_number=serial, resource=Meter.Resource.ELECTRICITY, zone_count=3,
        service__code="electricity", service__name="Электроэнергия", service__unit="кВт·ч", digits=6, decimals=1,
    )
    for zone, value in zip(meter.zones, previous, strict=True):
        ReadingFactory(meter=meter, zone=zone, value=Decimal(value), taken_on=dt.date(2026, 10, 20))
    return meter


def field(meter, zone="T1"):
    return f"value-{meter.pk}-{zone}"


def mode(meter):
    return f"mode-{meter.pk}"


def meter_url(meter):
    return reverse("portal:meter_readings", args=[meter.pk])


def history_url(meter):
    return reverse("portal:reading_history", args=[meter.pk])
