"""«Тарифы и нормативы» in the panel: the list with what is in force, tariffs for a building group that
the next run prices with, normatives, groups, the change history, deletion, refusals that change
nothing, and the roles."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.billing import services
from kabinet.billing.models import BuildingGroup, Charge, Normative, Tariff
from kabinet.core.roles import Role
from kabinet.panel.views.rates import in_force
from kabinet.registry.models import Service
from tests import factories
from tests.billing.factories import NormativeFactory, TariffFactory

OCT = dt.date(2026, 10, 1)


@pytest.fixture
def editor(org, make_staff):
    return make_staff(org, [Role.MANUAL_EDITING])


@pytest.fixture
def maintenance(org):
    return factories.ServiceFactory(organization=org, code="maintenance", name="Содержание", unit="м²",
                                    method=Service.Method.AREA)


def _tariff_data(service, **extra):
    data = {"service": str(service.pk), "zone": "", "price": "31.40", "valid_from": "2026-01-01", "valid_to": "",
            "building": "", "building_group": ""}
    return {**data, **extra}


def test_the_page_lists_what_is_in_force_and_hides_what_ended(as_user, editor, org, maintenance):
    old = TariffFactory(service=maintenance, price=Decimal("25.00"), valid_from=dt.date(2020, 1, 1),
                        valid_to=dt.date(2020, 12, 31))
    superseded = TariffFactory(service=maintenance, price=Decimal("28.00"), valid_from=dt.date(2021, 1, 1))
    current = TariffFactory(service=maintenance, price=Decimal("31.40"), valid_from=dt.date(2024, 1, 1))
    client = as_user(editor)
    assert client.get(reverse("panel:rates")).url == reverse("panel:rates_detail", kwargs={"pk": org.pk})
    page = client.get(reverse("panel:rates_detail", kwargs={"pk": org.pk}))
    assert page.status_code == 200
    shown = {t.pk: t.in_force for t in page.context["tariffs"]}
    assert shown == {superseded.pk: False, current.pk: True}
    assert "31,40" in page.content.decode() and "25,00" not in page.content.decode()
    with_ended = client.get(reverse("panel:rates_detail", kwargs={"pk": org.pk}), {"ended": "1"})
    assert old.pk in {t.pk for t in with_ended.context["tariffs"]}


def test_in_force_is_the_latest_start_today_per_scope():
    class Row:
        def __init__(self, pk, key, start, end=None):
            self.pk, self.key, self.valid_from, self.valid_to = pk, key, start, end

    today = dt.date(2026, 6, 15)
    rows = [Row(1, "a", dt.date(2025, 1, 1)), Row(2, "a", dt.date(2026, 1, 1)), Row(3, "a", dt.date(2026, 7, 1)),
            Row(4, "b", dt.date(2026, 1, 1), dt.date(2026, 5, 31)), Row(5, "c", dt.date(2026, 6, 15), today)]
    assert [r.pk for r in in_force(rows, lambda r: r.key, today) if r.in_force] == [2, 5]


def test_a_group_tariff_made_in_the_panel_prices_the_next_run(as_user, editor, org, maintenance):
    TariffFactory(service=maintenance, price=Decimal("31.40"))
    in_group = factories.AccountFactory(organization=org, area=Decimal("50.00"))
    elsewhere = factories.AccountFactory(organization=org, area=Decimal("50.00"))
    client = as_user(editor)
    response = client.post(reverse("panel:rate_create", kwargs={"pk": org.pk, "kind": "group"}),
                           {"name": "Дома без лифта", "buildings": [str(in_group.premises.building_id)]})
    assert response.status_code == 302
    group = BuildingGroup.objects.get(organization=org)
    assert list(group.buildings.all()) == [in_group.premises.building]
    response = client.post(reverse("panel:rate_create", kwargs={"pk": org.pk, "kind": "tariff"}),
                           _tariff_data(maintenance, price="20.00", building_group=str(group.pk)))
    assert response.status_code == 302
    tariff = Tariff.objects.get(building_group=group)
    assert tariff.history.get().history_user == editor
    services.run_billing(org, OCT)
    amounts = dict(Charge.objects.filter(period=OCT).values_list("account_id", "amount"))
    assert amounts == {in_group.pk: Decimal("1000.00"), elsewhere.pk: Decimal("1570.00")}


def test_an_edit_is_in_the_history_with_who_and_what(as_user, editor, org, maintenance):
    tariff = TariffFactory(service=maintenance, price=Decimal("31.40"))
    client = as_user(editor)
    url = reverse("panel:rate_edit", kwargs={"kind": "tariff", "pk": tariff.pk})
    assert client.post(url, _tariff_data(maintenance, price="33.10", valid_from="2020-01-01")).status_code == 302
    tariff.refresh_from_db()
    assert tariff.price == Decimal("33.10")
    page = client.get(url)
    (change,) = page.context["history"][0]["changes"]
    assert (change["old"], change["new"], page.context["history"][0]["user"]) == ("31.4000", "33.1000", editor)


@pytest.mark.parametrize(("extra", "field"), [
    ({"valid_to": "2025-12-31"}, "valid_to"),  # ends before it starts
    ({"price": "abc"}, "price"),
    ({"price": "-5"}, "price"),  # a negative price
    ({"valid_from": "2020-01-01"}, "valid_from"),  # another tariff of this scope starts that day
])
def test_a_bad_tariff_is_refused_with_the_reason_and_nothing_saved(as_user, editor, org, maintenance, extra, field):
    TariffFactory(service=maintenance, price=Decimal("31.40"), valid_from=dt.date(2020, 1, 1))
    before = list(Tariff.objects.values())
    response = as_user(editor).post(reverse("panel:rate_create", kwargs={"pk": org.pk, "kind": "tariff"}),
                                    _tariff_data(maintenance, **extra))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert list(Tariff.objects.values()) == before


def test_a_tariff_cannot_use_another_organisations_service_or_group(as_user, editor, org, other_org, maintenance):
    foreign_service = factories.ServiceFactory(organization=other_org)
    foreign_group = BuildingGroup.objects.create(organization=other_org, name="Чужая")
    response = as_user(editor).post(reverse("panel:rate_create", kwargs={"pk": org.pk, "kind": "tariff"}),
                                    _tariff_data(foreign_service, building_group=str(foreign_group.pk)))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"service", "building_group"}
    assert not Tariff.objects.exists()


def test_a_group_takes_only_the_organisations_buildings_and_a_name_once(as_user, editor, org, other_org):
    own = factories.AccountFactory(organization=org).premises.building
    foreign = factories.AccountFactory(organization=other_org).premises.building
    BuildingGroup.objects.create(organization=org, name="Газ")
    client = as_user(editor)
    url = reverse("panel:rate_create", kwargs={"pk": org.pk, "kind": "group"})
    response = client.post(url, {"name": "Новая", "buildings": [str(own.pk), str(foreign.pk)]})
    assert response.status_code == 400 and response.context["form"].errors["buildings"]
    response = client.post(url, {"name": "Газ", "buildings": [str(own.pk)]})
    assert response.status_code == 400 and response.context["form"].errors["name"]
    assert BuildingGroup.objects.filter(organization=org).count() == 1


def test_a_normative_is_created_and_the_run_uses_it(as_user, editor, org):
    waste = factories.ServiceFactory(organization=org, code="waste", unit="м³", method=Service.Method.RESIDENTS)
    TariffFactory(service=waste, price=Decimal("100.00"))
    factories.AccountFactory(organization=org, residents=2)
    response = as_user(editor).post(reverse("panel:rate_create", kwargs={"pk": org.pk, "kind": "normative"}), {
        "service": str(waste.pk), "value": "0.25", "basis": Normative.Basis.PER_RESIDENT,
        "valid_from": "2026-01-01", "valid_to": ""})
    assert response.status_code == 302
    assert Normative.objects.get().history.get().history_user == editor
    services.run_billing(org, OCT)
    assert Charge.objects.get(service=waste).amount == Decimal("50.00")


def test_delete_needs_the_tick_and_a_group_with_tariffs_stays(as_user, editor, org, maintenance):
    group = BuildingGroup.objects.create(organization=org, name="Газ")
    tariff = TariffFactory(service=maintenance, building_group=group)
    normative = NormativeFactory(service=maintenance)
    client = as_user(editor)

    def delete(kind, pk, **data):
        return client.post(reverse("panel:rate_delete", kwargs={"kind": kind, "pk": pk}), data)

    delete("tariff", tariff.pk)
    assert Tariff.objects.filter(pk=tariff.pk).exists()
    delete("group", group.pk, confirm="on")
    assert BuildingGroup.objects.filter(pk=group.pk).exists()
    delete("tariff", tariff.pk, confirm="on")
    delete("normative", normative.pk, confirm="on")
    delete("group", group.pk, confirm="on")
    assert not Tariff.objects.exists() and not Normative.objects.exists() and not BuildingGroup.objects.exists()
    assert Tariff.history.filter(id=tariff.pk, history_type="-").get().history_user == editor


def test_roles_and_organisations(as_user, make_staff, org, other_org, maintenance):
    tariff = TariffFactory(service=maintenance)
    reader = make_staff(org, [Role.READINGS])
    assert as_user(reader).get(reverse("panel:rates")).status_code == 403
    loader = make_staff(org, [Role.DATA_LOADING])
    assert as_user(loader).get(reverse("panel:rate_edit", kwargs={"kind": "tariff", "pk": tariff.pk})).status_code == 200
    stranger = make_staff(other_org, [Role.MANUAL_EDITING, Role.DATA_LOADING])
    client = as_user(stranger)
    assert client.get(reverse("panel:rate_edit", kwargs={"kind": "tariff", "pk": tariff.pk})).status_code == 404
    assert client.get(reverse("panel:rates_detail", kwargs={"pk": org.pk})).status_code == 404
    assert client.post(reverse("panel:rate_create", kwargs={"pk": org.pk, "kind": "tariff"}),
                       _tariff_data(maintenance)).status_code == 404
    assert client.get(reverse("panel:rate_edit", kwargs={"kind": "nonsense", "pk": tariff.pk})).status_code == 404
    assert Tariff.objects.count() == 1
