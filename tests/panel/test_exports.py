"""The export of readings (CSV and XLSX, parsed back), the log of past exports, and reading settings."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kabinet.core.roles import Role
from kabinet.metering.models import ReadingExport, ReadingSettings, ServiceLimit
from tests import factories
from tests.metering.factories import MeterFactory, MeteringServiceFactory, ReadingFactory

D = Decimal
NOVEMBER = dt.date(2026, 11, 1)


@pytest.fixture
def reviewer(org, make_staff):
    return make_staff(org, [Role.READINGS])


@pytest.fixture
def readings(account, other_org):
    meter = MeterFactory(account=account, serial_number="CW-1")
    first = ReadingFactory(meter=meter, value=D("104.5"), taken_on=dt.date(2026, 11, 20), status="new")
    october = ReadingFactory(meter=meter, value=D("100"), taken_on=dt.date(2026, 10, 20))
    foreign = MeterFactory(account=factories.AccountFactory(organization=other_org), serial_number="FOREIGN-1")
    ReadingFactory(meter=foreign, taken_on=dt.date(2026, 11, 20))
    return meter, first, october


def _export(client, org, fmt, only_new=True):
    data = {"organization": org.pk, "period": "2026-11", "file_format": fmt}
    if only_new:
        data["only_new"] = "on"
    return client.post(reverse("panel:reading_export"), data)


def _csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def _xlsx_rows(response):
    assert "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_csv_export(as_user, reviewer, org, account, readings):
    response = _export(as_user(reviewer), org, "csv")
    assert response.status_code == 200 and 'filename="readings-2026-11-' in response["Content-Disposition"]
    (row,) = _csv_rows(response)
    assert (row["account"], row["meter"], row["value"], row["period"], row["status"]) == (
        account.number, "CW-1", "104.500000", "2026-11-01", "new")


def test_xlsx_export_and_only_new(as_user, reviewer, org, account, readings):
    meter, first, _october = readings
    client = as_user(reviewer)
    (row,) = _xlsx_rows(_export(client, org, "xlsx"))
    assert (row["account"], row["meter"], D(str(row["value"])), row["reading_id"]) == (
        account.number, "CW-1", D("104.5"), first.pk)
    second = ReadingFactory(meter=meter, zone="T1", value=D("105"), taken_on=dt.date(2026, 11, 21), status="new")
    rows = _xlsx_rows(_export(client, org, "xlsx"))
    assert [r["reading_id"] for r in rows] == [second.pk]  # only new: the first was exported before
    rows = _csv_rows(_export(client, org, "csv", only_new=False))
    assert {int(r["reading_id"]) for r in rows} == {first.pk, second.pk}
    page = client.get(reverse("panel:reading_export"))
    assert [e.rows for e in page.context["page"].object_list] == [2, 1, 1]


def test_export_of_another_organisation_is_refused(as_user, reviewer, other_org, readings):
    response = _export(as_user(reviewer), other_org, "csv")
    assert response.status_code == 200 and 'id="id_organization_error"' in response.content.decode()
    assert not ReadingExport.objects.exists()


def test_export_page_lists_only_my_exports(as_user, reviewer, org, other_org, other_staff, readings):
    ReadingExport.objects.create(organization=other_org, period=NOVEMBER, rows=99, created_by=other_staff)
    page = as_user(reviewer).get(reverse("panel:reading_export"))
    assert list(page.context["page"].object_list) == []
    assert "otherstaff@example.com" not in page.content.decode()


# --- Reading settings ---------------------------------------------------------------------------------------

def _settings_data(**over):
    data = {"window_start_day": "", "window_end_day": "", "cutoff_day": "25", "limit_mode": "confirm",
            "water_limit": "10", "electricity_limit": "200", "high_factor": "3"}
    data.update(over)
    return data


@pytest.mark.parametrize("role", [Role.ORGANIZATION, Role.CHANNELS])
def test_reading_settings(as_user, org, make_staff, role):
    water = MeteringServiceFactory(organization=org, code="cold_water", name="Холодная вода")
    user = make_staff(org, [role])
    client = as_user(user)
    assert client.get(reverse("panel:reading_settings")).status_code == 302  # to the only organisation
    url = reverse("panel:reading_settings_detail", args=[org.pk])
    response = client.post(url, _settings_data(window_start_day="15", window_end_day="25", cutoff_day="20",
                                               limit_mode="refuse", **{f"limit_{water.pk}": "12,5"}))
    assert response.status_code == 302, response.context["form"].errors
    saved = ReadingSettings.objects.get(organization=org)
    assert (saved.window_start_day, saved.cutoff_day, saved.limit_mode) == (15, 20, "refuse")
    assert ServiceLimit.objects.get(service=water).per_resident == D("12.5")
    page = client.get(url)
    assert page.context["history"][0]["user"] == user
    assert page.context["form"][f"limit_{water.pk}"].value() == D("12.5")


def test_reading_settings_errors_next_to_fields(as_user, org, make_staff):
    client = as_user(make_staff(org, [Role.ORGANIZATION]))
    url = reverse("panel:reading_settings_detail", args=[org.pk])
    response = client.post(url, _settings_data(window_start_day="15", cutoff_day="40"))
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_window_end_day_error"' in page and 'id="id_cutoff_day_error"' in page
    assert not ReadingSettings.objects.exists()


def test_reading_settings_refuse_others(as_user, org, other_org, make_staff, alice):
    url = reverse("panel:reading_settings_detail", args=[org.pk])
    assert as_user(make_staff(org, [Role.READINGS, Role.MANUAL_EDITING])).post(
        url, _settings_data(cutoff_day="5")).status_code == 403
    assert as_user(alice).get(url).status_code == 403
    assert as_user(make_staff(other_org, [Role.ORGANIZATION])).post(
        url, _settings_data(cutoff_day="5")).status_code == 404
    assert not ReadingSettings.objects.exists()


def test_menu_shows_the_modules_by_role(as_user, org, make_staff):
    def menu(roles):
        page = as_user(make_staff(org, roles)).get(reverse("panel:summary"))
        return {item["key"] for item in page.context["request"].panel.menu()}

    assert {"meters", "readings", "reading_settings"}.isdisjoint(menu([Role.USERS]))
    assert {"meters", "readings"} <= menu([Role.READINGS]) and "reading_settings" not in menu([Role.READINGS])
    assert "meters" in menu([Role.MANUAL_EDITING]) and "readings" not in menu([Role.MANUAL_EDITING])
    assert "reading_settings" in menu([Role.CHANNELS])
