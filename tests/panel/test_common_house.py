"""«Потери ОДН» in the panel: roles, scope, the figures a billing run wrote, totals, CSV/XLSX parsed back."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kabinet.billing import services
from kabinet.billing.models import CommonHouseLoss, Normative
from kabinet.core.roles import Role
from tests import factories
from tests.billing.factories import NormativeFactory
from tests.billing.test_common_house import PERIOD, House

M = Decimal
pytestmark = pytest.mark.django_db
QUERY = {"period": f"{PERIOD:%Y-%m}"}


@pytest.fixture
def billed(org):
    """The building of the engine tests, capped at 0.1 kWh/m² × 1 200 m²: 120 kWh distributed, 120 lost."""
    house = House(org)
    NormativeFactory(service=house.service, value=M("0.1"), basis=Normative.Basis.PER_COMMON_AREA)
    services.run_billing(org, PERIOD)
    return house


@pytest.fixture
def foreign(other_org):
    service = factories.ServiceFactory(organization=other_org, name="Чужая услуга")
    return CommonHouseLoss.objects.create(
        organization=other_org, building=factories.BuildingFactory(street="ул. Чужая"), service=service,
        period=PERIOD, house_volume=M(1), individual_volume=M(1), common_volume=M(0), distributed_volume=M(0),
        loss_volume=M(0), tariff=M(1), loss_amount=M("4242.42"))


def _get(client, name="panel:common_house", **params):
    return client.get(reverse(name), {**QUERY, **params})


@pytest.mark.parametrize("role", [Role.DATA_LOADING, Role.ORGANIZATION])
def test_the_page_shows_each_building_with_its_loss(org, make_staff, as_user, billed, foreign, role):
    response = _get(as_user(make_staff(org, [role])))
    assert response.status_code == 200
    body = response.content.decode().replace("\u202f", " ").replace("\xa0", " ")
    assert str(billed.building.street) in body and "Электроснабжение" in body
    assert "1 240" in body and "1 000" in body and "232,32 ₽" in body  # house, individual, distributed = loss ₽
    assert "ул. Чужая" not in body and "4 242,42" not in body
    assert reverse("panel:common_house") in body  # in the menu


def test_other_roles_consumers_and_anonymous_are_refused(org, make_staff, as_user, alice, client, billed):
    assert _get(client).status_code == 302
    assert _get(as_user(alice)).status_code == 403
    assert _get(as_user(make_staff(org, [Role.READINGS]))).status_code == 403


def test_another_period_and_another_building_show_nothing(org, make_staff, as_user, billed):
    client = as_user(make_staff(org, [Role.DATA_LOADING]))
    assert "1 240" not in _get(client, period="2026-03").content.decode().replace("\u202f", " ")
    other = factories.BuildingFactory()
    factories.AccountFactory(organization=org, premises__building=other)
    body = _get(client, building=str(other.pk)).content.decode().replace("\u202f", " ")
    assert "1 240" not in body and "<table" not in body


def test_individual_above_the_house_meter_is_shown_as_a_problem(org, make_staff, as_user, billed):
    CommonHouseLoss.objects.update(individual_exceeds_house=True)
    body = _get(as_user(make_staff(org, [Role.DATA_LOADING]))).content.decode()
    assert "row-bad" in body


def test_csv_export_parsed_back(org, make_staff, as_user, billed, foreign):
    response = _get(as_user(make_staff(org, [Role.DATA_LOADING])), "panel:common_house_export", file_format="csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "common-house-2026-04.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header, building, service_total, total = rows
    assert len(header) == 14
    assert building[1] == str(billed.building) and building[2] == "Электроснабжение"
    assert [M(c.replace(",", ".")) for c in building[4:13]] == [
        M(1240), M(1000), M(240), M(120), M(120), M(120), M("1.936"), M("232.32"), M("232.32")]
    assert service_total[2] == "Электроснабжение" and M(service_total[12].replace(",", ".")) == M("232.32")
    assert M(total[11].replace(",", ".")) == M("232.32") and M(total[12].replace(",", ".")) == M("232.32")
    assert "Чужая" not in response.content.decode("utf-8-sig")


def test_xlsx_export_parsed_back(org, make_staff, as_user, billed):
    response = _get(as_user(make_staff(org, [Role.ORGANIZATION])), "panel:common_house_export", file_format="xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 4
    assert rows[1][1] == str(billed.building) and M(str(rows[1][9])) == M(120) and M(str(rows[1][12])) == M("232.32")


def test_the_page_reads_a_fixed_number_of_queries(org, make_staff, as_user, billed, django_assert_max_num_queries):
    client = as_user(make_staff(org, [Role.DATA_LOADING]))
    _get(client)
    House(org)  # a second building, billed
    services.run_billing(org, PERIOD)
    assert CommonHouseLoss.objects.count() == 2
    with django_assert_max_num_queries(12):
        assert _get(client).status_code == 200
