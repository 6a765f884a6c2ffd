"""GET /api/v1/meters/ and /api/v1/meters/{id}/: who sees which meters, and their last readings."""

import datetime as dt
from decimal import Decimal

import pytest

from kabinet.accounts.services import grant_delegation
from kabinet.core.money import add_months
from kabinet.metering.models import Meter, Reading
from tests import factories
from tests.metering.factories import MeterFactory, ReadingFactory

LIST = "/api/v1/meters/"


def detail(meter):
    return f"/api/v1/meters/{meter.pk}/"


def serials(response):
    assert response.status_code == 200, response.content
    return [m["serial"] for m in response.json()["results"]]


@pytest.fixture
def house_meter(org, account):
    """A collective meter of the account's building: staff see it, consumers never."""
    return MeterFactory(account=None, building=account.premises.building, organization=org, serial_number="HOUSE-1")


@pytest.fixture
def unregistered(account):
    return MeterFactory(account=account, serial_number="UNREG-1", is_registered=False)


def test_owner_sees_meters_with_zones_and_last_accepted_readings(client_for, alice, account, water, day_night,
                                                                 house_meter, unregistered):
    ReadingFactory(meter=water, value=Decimal("107.5"), taken_on=dt.date(2026, 11, 3), status=Reading.Status.NEW)
    response = client_for(alice).get(LIST)
    assert serials(response) == ["CW-1001", "EL-2002"]  # by account number, service name (Холодная < Электро…)
    by_serial = {m["serial"]: m for m in response.json()["results"]}
    assert by_serial["CW-1001"] == {
        "id": water.pk,
        "account": "1000200",
        "account_id": account.pk,
        "address": account.address,
        "service": {"code": "cold_water", "name": "Холодная вода", "unit": "м³"},
        "resource": "cold_water",
        "serial": "CW-1001",
        "zones": ["T1"],
        "digits": 5,
        "decimals": 3,
        "verification_due": "2030-01-01",
        "status": "active",
        "can_submit": True,
        "last_readings": {"T1": {"value": "100.000", "taken_on": "2026-10-20"}},  # the pending 107.5 is not accepted
    }
    electricity = by_serial["EL-2002"]
    assert electricity["zones"] == ["T1", "T2"]
    assert electricity["last_readings"] == {
        "T1": {"value": "5000.0", "taken_on": "2026-10-20"},
        "T2": {"value": "2000.0", "taken_on": "2026-10-20"},
    }
    assert client_for(alice).get(detail(water)).json() == by_serial["CW-1001"]


def test_a_zone_without_accepted_readings_is_null(client_for, alice, account):
    meter = MeterFactory(account=account, zone_count=2)
    ReadingFactory(meter=meter, zone="T1", value=Decimal("1.5"))
    ReadingFactory(meter=meter, zone="T2", value=Decimal("9"), status=Reading.Status.REJECTED)
    body = client_for(alice).get(detail(meter)).json()
    assert body["last_readings"] == {"T1": {"value": "1.500", "taken_on": "2026-10-20"}, "T2": None}


def test_values_keep_every_decimal_they_have(client_for, alice, account):
    meter = MeterFactory(account=account, decimals=2)
    ReadingFactory(meter=meter, value=Decimal("12.3456"))  # e.g. loaded by an import with more decimals
    assert client_for(alice).get(detail(meter)).json()["last_readings"]["T1"]["value"] == "12.3456"


def test_collective_unregistered_and_retired_meters_are_not_listed_for_consumers(
    client_for, alice, water, house_meter, unregistered
):
    retired = MeterFactory(account=water.account, serial_number="OLD-1", status=Meter.Status.RETIRED)
    client = client_for(alice)
    assert serials(client.get(LIST)) == ["CW-1001"]
    assert client.get(detail(house_meter)).status_code == 404
    assert client.get(detail(unregistered)).status_code == 404
    # A retired meter leaves the list, but its page (and history) stays readable by id.
    old = client.get(detail(retired)).json()
    assert (old["status"], old["can_submit"]) == ("retired", False)


def test_delegate_with_the_readings_right_may_submit(client_for, alice, bob, account, water):
    grant_delegation(alice, account.pk, "bob@example.com", ["readings"])
    (meter,) = client_for(bob).get(LIST).json()["results"]
    assert (meter["serial"], meter["can_submit"]) == ("CW-1001", True)


def test_delegate_without_the_readings_right_sees_but_may_not_submit(client_for, alice, bob, account, water):
    grant_delegation(alice, account.pk, "bob@example.com", ["payments"])
    (meter,) = client_for(bob).get(LIST).json()["results"]
    assert (meter["serial"], meter["can_submit"]) == ("CW-1001", False)
    assert meter["last_readings"]["T1"]["value"] == "100.000"
    assert client_for(bob).get(detail(water)).json()["can_submit"] is False


def test_it_validates_ownership(client_for, charlie, water):
    """A stranger gets the same 404 as for a missing meter, and a list without it."""
    client = client_for(charlie)
    foreign, missing = client.get(detail(water)), client.get("/api/v1/meters/999999999/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert missing.json()["code"] == "not_found"
    assert "CW-1001" not in foreign.content.decode()
    assert serials(client.get(LIST)) == []


def test_staff_see_their_organisations_meters_house_meters_included(client_for, staff, org, water, house_meter,
                                                                     unregistered, charlie):
    sub = factories.OrganizationFactory(parent=org)
    sub_meter = MeterFactory(account=factories.AccountFactory(organization=sub), serial_number="SUB-1")
    foreign = MeterFactory(account=charlie.account_links.get().account, serial_number="FOREIGN-1")
    client = client_for(staff)
    assert sorted(serials(client.get(LIST))) == ["CW-1001", "HOUSE-1", "SUB-1", "UNREG-1"]
    results = {m["serial"]: m for m in client.get(LIST).json()["results"]}
    assert results["HOUSE-1"]["account"] is None and results["HOUSE-1"]["account_id"] is None
    assert results["HOUSE-1"]["address"] == str(house_meter.building)
    assert results["HOUSE-1"]["can_submit"] is True
    assert results["UNREG-1"]["can_submit"] is False
    assert client.get(detail(sub_meter)).status_code == 200
    assert client.get(detail(foreign)).status_code == 404


def test_staff_without_the_readings_role_see_no_meters(client_for, org, water):
    user = factories.StaffMembershipFactory(organization=org, roles=["users", "appeals"]).user
    assert serials(client_for(user).get(LIST)) == []
    assert client_for(user).get(detail(water)).status_code == 404


def test_staff_of_another_organisation_get_404(client_for, other_staff, water):
    client = client_for(other_staff)
    assert client.get(detail(water)).status_code == 404
    assert serials(client.get(LIST)) == []


def test_operator_sees_every_organisations_meters(client_for, operator, water, charlie):
    MeterFactory(account=charlie.account_links.get().account, serial_number="FOREIGN-1")
    assert sorted(serials(client_for(operator).get(LIST))) == ["CW-1001", "FOREIGN-1"]


def test_a_user_who_is_both_sees_both_sets(client_for, alice, other_org, water, charlie):
    factories.StaffMembershipFactory(user=alice, organization=other_org)
    MeterFactory(account=charlie.account_links.get().account, serial_number="FOREIGN-1")
    assert sorted(serials(client_for(alice).get(LIST))) == ["CW-1001", "FOREIGN-1"]


def test_filter_by_account(client_for, staff, org, water):
    other = MeterFactory(account=factories.AccountFactory(organization=org), serial_number="OTHER-1")
    client = client_for(staff)
    assert serials(client.get(LIST, {"account": water.account_id})) == ["CW-1001"]
    assert serials(client.get(LIST, {"account": other.account_id})) == ["OTHER-1"]
    response = client.get(LIST, {"account": "x"})
    assert response.status_code == 400 and "account" in response.json()["errors"]


def test_non_numeric_and_huge_ids_are_404(client_for, alice, water):
    client = client_for(alice)
    assert client.get("/api/v1/meters/abc/").status_code == 404
    assert client.get("/api/v1/meters/99999999999999999999999/").status_code == 404


def test_meters_are_read_only(client_for, alice, water):
    response = client_for(alice).delete(detail(water))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_not_found_is_russian_by_default_and_english_on_request(client_for, charlie, water):
    client = client_for(charlie)
    assert client.get(detail(water)).json()["detail"] == "Такого счётчика нет."
    assert client.get(detail(water), HTTP_ACCEPT_LANGUAGE="en").json()["detail"] == "No such meter."


# --- Query counts --------------------------------------------------------------------------------------------

# Token, staff memberships (for the staff scope), the page count, the page, the last readings.
LIST_QUERIES = 5


def add_meters(n, account):
    for _ in range(n):
        meter = MeterFactory(account=account, zone_count=2)
        for month in range(12):
            for zone in ("T1", "T2"):
                ReadingFactory(meter=meter, zone=zone, value=Decimal(100 + month),
                               taken_on=add_months(dt.date(2025, 11, 20), month))


@pytest.mark.parametrize("n", [1, 10])
def test_consumer_list_queries_are_constant(client_for, alice, account, n, django_assert_num_queries):
    add_meters(n, account)
    client = client_for(alice)
    client.get("/api/v1/me/")  # the token's last_used_at is touched once a minute: not in the counts
    with django_assert_num_queries(LIST_QUERIES):
        results = client.get(LIST).json()["results"]
    assert len(results) == n
    assert {m["last_readings"]["T2"]["value"] for m in results} == {"111.000"}


@pytest.mark.parametrize("n", [1, 10])
def test_staff_list_queries_are_constant(client_for, staff, account, n, django_assert_num_queries):
    add_meters(n, account)
    client = client_for(staff)
    client.get("/api/v1/me/")
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(LIST).json()["count"] == n


def test_detail_queries(client_for, alice, water, django_assert_num_queries):
    client = client_for(alice)
    client.get("/api/v1/me/")
    with django_assert_num_queries(4):  # token, staff memberships, the meter, its last readings
        assert client.get(detail(water)).status_code == 200
