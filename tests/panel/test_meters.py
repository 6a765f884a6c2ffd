"""Meters: list with search and filters, the meter page, create, edit, replace, retire, seal — roles,
tenants, the audit history and query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.core.roles import Role
from kabinet.metering.models import Meter, Reading, SealRecord
from tests import factories
from tests.metering.factories import MeterFactory, MeteringServiceFactory, ReadingFactory

D = Decimal


@pytest.fixture
def meter(account):
    meter = MeterFactory(account=account, serial_number="CW-1")
    ReadingFactory(meter=meter, value=D("100"), taken_on=dt.date(2026, 10, 20))
    return meter


@pytest.fixture
def editor(org, make_staff):
    return make_staff(org, [Role.MANUAL_EDITING], full_name="Редактор Иван")


@pytest.fixture
def reviewer(org, make_staff):
    return make_staff(org, [Role.READINGS])


@pytest.fixture
def foreign_meter(other_org):
    return MeterFactory(account=factories.AccountFactory(organization=other_org), serial_number="FOREIGN-1")


def _ids(response):
    assert response.status_code == 200
    return [m.pk for m in response.context["page"].object_list]


def test_meter_list_search_and_filters(as_user, reviewer, account, meter, foreign_meter):
    house = MeterFactory(account=None, building=account.premises.building, organization=account.organization,
                         serial_number="HOUSE-9")
    retired = MeterFactory(account=factories.AccountFactory(organization=account.organization, number="7770001"),
                           serial_number="OLD-5", status=Meter.Status.RETIRED)
    client = as_user(reviewer)
    url = reverse("panel:meter_list")
    assert set(_ids(client.get(url))) == {meter.pk, house.pk, retired.pk}
    assert _ids(client.get(url, {"q": "cw-"})) == [meter.pk]
    assert _ids(client.get(url, {"q": "7770001"})) == [retired.pk]
    street = account.premises.building.street.split()[-1]
    assert set(_ids(client.get(url, {"q": street}))) >= {meter.pk, house.pk}
    assert _ids(client.get(url, {"kind": "collective"})) == [house.pk]
    assert _ids(client.get(url, {"status": "retired"})) == [retired.pk]
    assert _ids(client.get(url, {"q": "FOREIGN"})) == []
    assert "FOREIGN-1" not in client.get(url).content.decode()


@pytest.mark.parametrize("roles", [[Role.READINGS], [Role.MANUAL_EDITING]])
def test_meter_pages_open_with_either_role(as_user, org, make_staff, meter, roles):
    client = as_user(make_staff(org, roles))
    assert client.get(reverse("panel:meter_list")).status_code == 200
    page = client.get(reverse("panel:meter_detail", args=[meter.pk]))
    assert page.status_code == 200
    assert page.context["can_edit"] == (Role.MANUAL_EDITING in roles)
    assert page.context["can_enter"] == (Role.READINGS in roles)


def test_meter_pages_refuse_others(as_user, org, make_staff, alice, client, meter, foreign_meter, editor):
    for name in ("panel:meter_list", "panel:meter_create"):
        assert as_user(make_staff(org, [Role.USERS])).get(reverse(name)).status_code == 403
        assert as_user(alice).get(reverse(name)).status_code == 403
    assert as_user(editor).get(reverse("panel:meter_detail", args=[foreign_meter.pk])).status_code == 404
    client.logout()
    response = client.get(reverse("panel:meter_detail", args=[meter.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))


def test_meter_page_shows_readings_seals_and_history(as_user, editor, reviewer, meter):
    client = as_user(editor)
    client.post(reverse("panel:meter_seal", args=[meter.pk]), {"seal_number": "S-1", "sealed_on": "2026-11-01"})
    page = as_user(reviewer).get(reverse("panel:meter_detail", args=[meter.pk])).content.decode()
    assert "S-1" in page and "01.11.2026" in page and "100" in page
    assert "Редактор Иван" in page


def test_create_an_individual_meter(as_user, editor, org, account):
    water = MeteringServiceFactory(organization=org, code="cold_water", name="Холодная вода")
    response = as_user(editor).post(reverse("panel:meter_create"), {
        "kind": "individual", "account_number": account.number, "service": water.pk, "serial_number": "NEW-77",
        "resource": "cold_water", "zone_count": "1", "digits": "5", "decimals": "3", "installed_on": "2026-11-02",
        "verification_due": "2032-11-02", "seal_number": "P-1", "is_registered": "on",
    })
    assert response.status_code == 302
    meter = Meter.objects.get(serial_number="NEW-77")
    assert (meter.account, meter.organization, meter.seal_number) == (account, org, "P-1")
    assert meter.history.get().history_user == editor
    assert SealRecord.objects.filter(meter=meter).exists()


def test_create_a_house_meter(as_user, editor, org, account):
    water = MeteringServiceFactory(organization=org, code="cold_water", name="Холодная вода")
    response = as_user(editor).post(reverse("panel:meter_create"), {
        "kind": "collective", "building": account.premises.building_id, "organization": org.pk,
        "service": water.pk, "serial_number": "HOUSE-1", "resource": "cold_water", "zone_count": "1",
        "digits": "6", "decimals": "2",
    })
    assert response.status_code == 302
    assert Meter.objects.get(serial_number="HOUSE-1").building == account.premises.building


def test_create_with_a_foreign_account_or_bad_input_shows_errors(as_user, editor, org, charlie):
    water = MeteringServiceFactory(organization=org, code="cold_water", name="Холодная вода")
    foreign_number = charlie.account_links.get().account.number
    response = as_user(editor).post(reverse("panel:meter_create"), {
        "kind": "individual", "account_number": foreign_number, "service": water.pk, "serial_number": "X",
        "resource": "cold_water", "zone_count": "1", "digits": "5", "decimals": "3",
    })
    assert 'id="id_account_number_error"' in response.content.decode()
    response = as_user(editor).post(reverse("panel:meter_create"), {"kind": "collective", "service": water.pk})
    page = response.content.decode()
    assert 'id="id_building_error"' in page and 'id="id_serial_number_error"' in page
    assert not Meter.objects.exists()


def test_edit_is_audited(as_user, editor, meter):
    client = as_user(editor)
    data = {"serial_number": "CW-1A", "resource": "cold_water", "zone_count": "1", "digits": "5", "decimals": "3",
            "installed_on": "2020-01-01", "verification_due": "2034-01-01", "is_registered": "on"}
    assert client.post(reverse("panel:meter_edit", args=[meter.pk]), data).status_code == 302
    meter.refresh_from_db()
    assert (meter.serial_number, meter.verification_due) == ("CW-1A", dt.date(2034, 1, 1))
    record = meter.history.first()
    assert record.history_user == editor
    history = client.get(reverse("panel:meter_detail", args=[meter.pk])).context["history"]
    assert history[0]["user"] == editor
    assert {c["new"] for c in history[0]["changes"]} >= {"CW-1A", "01.01.2034"}
    # Zones cannot change once there are readings: the error is next to the field.
    response = client.post(reverse("panel:meter_edit", args=[meter.pk]), {**data, "zone_count": "2"})
    assert response.status_code == 400 and 'id="id_zone_count_error"' in response.content.decode()


def test_replace(as_user, editor, meter):
    client = as_user(editor)
    response = client.post(reverse("panel:meter_replace", args=[meter.pk]), {
        "replaced_on": "2026-11-10", "serial_number": "NEW-1", "zone_count": "1", "digits": "5", "decimals": "3",
        "final_T1": "105,5", "initial_T1": "", "seal_number": "S-9",
    })
    assert response.status_code == 302
    meter.refresh_from_db()
    new = meter.replaced_by
    assert response["Location"] == reverse("panel:meter_detail", args=[new.pk])
    assert meter.status == Meter.Status.REPLACED and new.serial_number == "NEW-1"
    assert Reading.objects.get(meter=meter, taken_on=dt.date(2026, 11, 10)).value == D("105.5")
    assert Reading.objects.get(meter=new).value == D("0")
    assert meter.history.first().history_user == editor
    # A replaced meter is not replaced twice.
    response = client.get(reverse("panel:meter_replace", args=[meter.pk]))
    assert response.status_code == 302


def test_replace_with_a_final_reading_below_the_previous_shows_the_error(as_user, editor, meter):
    response = as_user(editor).post(reverse("panel:meter_replace", args=[meter.pk]), {
        "replaced_on": "2026-11-10", "serial_number": "NEW-1", "zone_count": "1", "digits": "5", "decimals": "3",
        "final_T1": "99",
    })
    assert response.status_code == 400
    assert 'id="id_final_T1_error"' in response.content.decode()
    meter.refresh_from_db()
    assert meter.status == Meter.Status.ACTIVE and Meter.objects.count() == 1


def test_retire(as_user, editor, meter):
    response = as_user(editor).post(reverse("panel:meter_retire", args=[meter.pk]), {
        "retired_on": "2026-11-15", "final_T1": "110", "reason": "неисправен",
    })
    assert response.status_code == 302
    meter.refresh_from_db()
    assert (meter.status, meter.retired_on) == (Meter.Status.RETIRED, dt.date(2026, 11, 15))
    assert meter.history.first().history_user == editor
    assert meter.history.first().history_change_reason == "неисправен"


def test_seal(as_user, editor, meter):
    client = as_user(editor)
    response = client.post(reverse("panel:meter_seal", args=[meter.pk]), {"seal_number": " ", "sealed_on": ""})
    assert response.status_code == 400 and 'id="id_seal_number_error"' in response.content.decode()
    assert client.post(reverse("panel:meter_seal", args=[meter.pk]),
                       {"seal_number": "S-2", "sealed_on": "2026-11-01", "note": "после поверки"}).status_code == 302
    meter.refresh_from_db()
    assert meter.seal_number == "S-2" and meter.history.first().history_user == editor
    assert SealRecord.objects.get(meter=meter).set_by == editor


@pytest.mark.parametrize("name", ["panel:meter_edit", "panel:meter_replace", "panel:meter_retire",
                                  "panel:meter_seal"])
def test_changes_need_manual_editing_and_my_meter(as_user, editor, reviewer, alice, meter, foreign_meter, name):
    data = {"serial_number": "HACK", "seal_number": "HACK", "final_T1": "200", "retired_on": "2026-11-15",
            "replaced_on": "2026-11-15", "sealed_on": "2026-11-15", "zone_count": "1", "digits": "5",
            "decimals": "3", "resource": "cold_water"}
    assert as_user(reviewer).post(reverse(name, args=[meter.pk]), data).status_code == 403
    assert as_user(alice).post(reverse(name, args=[meter.pk]), data).status_code == 403
    assert as_user(editor).post(reverse(name, args=[foreign_meter.pk]), data).status_code == 404
    assert as_user(editor).get(reverse(name, args=[foreign_meter.pk])).status_code == 404
    for m in (meter, foreign_meter):
        m.refresh_from_db()
        assert m.status == Meter.Status.ACTIVE and m.serial_number != "HACK" and not m.seal_number
    assert Meter.objects.count() == 2


def test_meter_list_query_count_is_constant(as_user, reviewer, account, django_assert_num_queries):
    client = as_user(reviewer)

    def add(n):
        for _ in range(n):
            MeterFactory(account=factories.AccountFactory(organization=account.organization))
            MeterFactory(account=None, building=factories.BuildingFactory(), organization=account.organization)

    add(1)
    client.get(reverse("panel:meter_list"))
    with django_assert_num_queries(7) as few:
        client.get(reverse("panel:meter_list"))
    add(10)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("panel:meter_list"))
