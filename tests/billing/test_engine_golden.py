"""The billing run's output over a small organisation with every kind of line, compared with a snapshot
taken from the engine before it was restructured for speed (set-wise reads, plain tuples, COPY).

Every rule path is here: area (the account's and the premises' area, none at all), fixed, by residents,
by normative without a meter, metered, average, true-up after substituted periods, expired verification,
a three-zone meter with zone tariffs, a building's own tariff, a tariff changing inside the month,
owners instead of residents, a service without a tariff, an advance applied by the run, and balances.

To re-take the snapshot (only when a rule changes on purpose):
`KABINET_WRITE_GOLDEN=1 .venv/bin/pytest tests/billing/test_engine_golden.py`.
"""

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import translation

from kabinet.billing import services
from kabinet.billing.models import Allocation, Balance, Charge
from kabinet.metering.models import Meter
from kabinet.registry.models import Service
from tests import factories
from tests.billing.factories import NormativeFactory, TariffFactory, add_reading, reading_history
from tests.metering.factories import MeterFactory

pytestmark = pytest.mark.django_db
D = dt.date
M = Decimal
SNAPSHOT = Path(__file__).parent / "data" / "engine_golden.json"
AREA = M("54.30")
PERIODS = (D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1), D(2026, 5, 1))


def build(org):
    building = factories.BuildingFactory(street="ул. Эталонная", house="1")
    own_building = factories.BuildingFactory(street="ул. Эталонная", house="2")
    upkeep = factories.ServiceFactory(organization=org, code="upkeep", name="Содержание", unit="м²",
                                      method=Service.Method.AREA)
    TariffFactory(service=upkeep, price=M("20.00"))
    TariffFactory(service=upkeep, price=M("24.50"), building=own_building)
    heating = factories.ServiceFactory(organization=org, code="heating", name="Отопление", unit="м²",
                                       method=Service.Method.AREA)
    TariffFactory(service=heating, price=M("40.00"), valid_to=D(2026, 3, 14))
    TariffFactory(service=heating, price=M("43.10"), valid_from=D(2026, 3, 15))
    intercom = factories.ServiceFactory(organization=org, code="intercom", name="Домофон", unit="",
                                        method=Service.Method.FIXED)
    TariffFactory(service=intercom, price=M("55.00"))
    waste = factories.ServiceFactory(organization=org, code="waste", name="ТКО", unit="м³",
                                     method=Service.Method.RESIDENTS)
    TariffFactory(service=waste, price=M("812.64"))
    NormativeFactory(service=waste, value=M("0.1542"))
    factories.ServiceFactory(organization=org, code="untariffed", name="Без тарифа", method=Service.Method.AREA)
    cold = factories.ServiceFactory(organization=org, code="cold_water", name="Холодная вода", unit="м³",
                                    method=Service.Method.METERED)
    TariffFactory(service=cold, price=M("50.93"))
    NormativeFactory(service=cold, value=M("6.935"))
    power = factories.ServiceFactory(organization=org, code="power", name="Электроэнергия", unit="кВт·ч",
                                     method=Service.Method.METERED)
    for zone, price in (("T1", "6.18"), ("T2", "1.74"), ("T3", "5.15")):
        TariffFactory(service=power, price=M(price), zone=zone)
    NormativeFactory(service=power, value=M("92"))

    def account(number, *, area=AREA, premises_area=AREA, residents=2, owners=1, where=building):
        premises = factories.PremisesFactory(building=where, number=number, area=premises_area)
        return factories.AccountFactory(organization=org, premises=premises, number=number, area=area,
                                        residents=residents, owners=owners)

    def meter(acc, serial, service=cold, **kwargs):
        return MeterFactory(account=acc, service=service, serial_number=serial, **kwargs)

    # Metered every month.
    a = account("1001")
    reading_history(meter(a, "S1001"), D(2025, 9, 1), M("10"), ["3.1", "2.9", "3.3", "3.0", "3.4", "2.8", "3.2", "3.6"])
    # Readings stop after January: average for February and March, true-up in April.
    a = account("1002", area=None, premises_area=M("61.75"), residents=0, owners=2)
    m = meter(a, "S1002")
    history = reading_history(m, D(2025, 7, 1), M("68.6"), ["5.1", "4.8", "5.4", "6.0", "5.2", "4.9"])
    add_reading(m, D(2026, 4, 1), M("118.000"), history[-1])
    # No readings for five months: average for three, then the normative.
    a = account("1003", residents=3)
    reading_history(meter(a, "S1003"), D(2025, 6, 1), M("1"), ["4", "4.5", "5", "5.5"])
    # Verification expired in December: average from then, then the normative × 1.5.
    a = account("1004", where=own_building)
    reading_history(meter(a, "S1004", verification_due=D(2025, 12, 10)), D(2025, 6, 1), M("1"),
                    ["4", "4.5", "5", "5.5", "6", "6.5", "7", "7.5"])
    # No meter: the normative × (1 + K).
    account("1005", residents=4)
    # No area at all: reported, not charged by area.
    account("1006", area=None, premises_area=None)
    # Three-zone electricity.
    a = account("1007")
    p = meter(a, "E1007", service=power, resource=Meter.Resource.ELECTRICITY, zone_count=3)
    for zone, steps in (("T1", ["90", "95", "88", "91", "92"]), ("T2", ["60", "61", "59", "62", "58"]),
                        ("T3", ["120", "118", "121", "125", "119"])):
        reading_history(p, D(2025, 11, 1), M("1000"), steps, zone=zone)
    # An advance paid before the run: the run applies it to the new charges.
    a = account("1008")
    services.record_payment(a, M("5000.00"), paid_on=D(2026, 1, 20), source="bank")


def snapshot(org) -> dict:
    lines = [[c.account.number, f"{c.period:%Y-%m}", c.service.code, c.meter.serial_number if c.meter else "", c.zone,
              c.kind, str(c.volume), str(c.tariff), str(c.amount), c.protocol]
             for c in Charge.objects.filter(account__organization=org).select_related("account", "service", "meter")]
    balances = [[b.account.number, f"{b.period:%Y-%m}", str(b.opening), str(b.charged), str(b.recalculated),
                 str(b.paid), str(b.penalty), str(b.closing)]
                for b in Balance.objects.filter(account__organization=org).select_related("account")]
    allocations = [[x.account.number, f"{x.period:%Y-%m}" if x.period else "", x.service.code if x.service else "",
                    x.kind, str(x.amount), f"{x.applied_by_run:%Y-%m}" if x.applied_by_run else ""]
                   for x in Allocation.objects.filter(account__organization=org).select_related("account", "service")]
    return {"lines": sorted(lines), "balances": sorted(balances), "allocations": sorted(allocations)}


def run(org, **kwargs) -> tuple[dict, list]:
    problems = []
    for period in PERIODS:
        report = services.run_billing(org, period, **kwargs)
        problems.append([f"{period:%Y-%m}", report.accounts, report.lines, str(report.amount),
                         [list(item) for item in sorted(report.problems.items())]])
    return snapshot(org), problems


@pytest.mark.parametrize("batch_size", [1000, 3])
def test_the_run_gives_the_snapshot(org, batch_size):
    build(org)
    with translation.override("ru"):
        result, problems = run(org, batch_size=batch_size)
    result["reports"] = problems
    if os.environ.get("KABINET_WRITE_GOLDEN") and batch_size == 1000:
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    assert result["reports"] == expected["reports"]
    assert result["lines"] == expected["lines"]
    assert result["balances"] == expected["balances"]
    assert result["allocations"] == expected["allocations"]


def test_a_rerun_gives_the_same(org):
    build(org)
    first, _problems = run(org)
    again, _problems = run(org)
    assert again == first
