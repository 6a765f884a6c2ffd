"""Organisation properties (role `organization`) and the operator's organisation management."""

import pytest
from django.urls import reverse

from kabinet.core.models import Organization
from kabinet.core.roles import Role
from tests import factories

VALID = {
    "name": "ООО «УК Пример»", "short_name": "УК Пример", "public_info": "Работаем с 2010 года.",
    "inn": "7707083893", "kpp": "773601001", "ogrn": "1027700132195", "bank_name": "ПАО Сбербанк",
    "bank_bic": "044525225", "bank_account": "40702810938000000001", "bank_corr_account": "30101810400000000225",
    "address": "г. Кемерово, ул. Ленина, 1", "phone": "+7 3842 00-00-00", "email": "info@uk.example",
    "website": "https://uk.example", "office_hours": "Пн–Пт 9–18",
}


@pytest.fixture
def org_admin(org, make_staff):
    return make_staff(org, [Role.ORGANIZATION], email="org-admin@example.com")


@pytest.fixture
def client_admin(as_user, org_admin):
    return as_user(org_admin)


def test_menu_item_opens_current_organisation(client_admin, org):
    response = client_admin.get(reverse("panel:organization"))
    assert response["Location"] == reverse("panel:organization_detail", args=[org.pk])


def test_edit_requisites_and_see_history(client_admin, org, org_admin):
    url = reverse("panel:organization_detail", args=[org.pk])
    response = client_admin.post(url, {**VALID, "inn": "7707 083 893"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.inn == "7707083893" and org.bank_account == "40702810938000000001"
    assert org.public_info == "Работаем с 2010 года."
    record = org.history.first()
    assert record.history_user == org_admin
    page = client_admin.get(url).content.decode()
    assert "История изменений" in page
    assert "7707083893" in page
    assert "org-admin@example.com" in page or str(org_admin) in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("inn", "12345", "ИНН должен состоять из 10 цифр"),
    ("inn", "7707083894", "Контрольные цифры ИНН не сходятся"),
    ("kpp", "77360100", "КПП должен состоять из 9 знаков"),
    ("ogrn", "102770013219", "ОГРН должен состоять из 13 цифр"),
    ("ogrn", "1027700132194", "Контрольная цифра ОГРН не сходится"),
    ("bank_bic", "04452522", "БИК должен состоять из 9 цифр"),
    ("bank_account", "4070281093800000000", "должен состоять из 20 цифр"),
    ("bank_account", "40702810938000000002", "не соответствует БИК"),
    ("bank_corr_account", "40101810400000000225", "начинается с 30101"),
    ("email", "not-an-email", "Введите правильный адрес электронной почты."),
])
def test_requisite_errors_next_to_field(client_admin, org, field, value, message):
    before = Organization.objects.get(pk=org.pk).inn
    response = client_admin.post(reverse("panel:organization_detail", args=[org.pk]), {**VALID, field: value})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    page = response.content.decode()
    assert f'value="{value}"' in page  # the value is kept
    org.refresh_from_db()
    assert org.inn == before  # nothing saved


def test_other_tenant_organisation_is_404_and_unchanged(as_user, other_org, make_staff, org):
    client = as_user(make_staff(org, [Role.ORGANIZATION]))
    url = reverse("panel:organization_detail", args=[other_org.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {**VALID, "name": "Захвачено"}).status_code == 404
    other_org.refresh_from_db()
    assert other_org.name == "ООО «Чужая УК»"


def test_without_role_403_and_unchanged(as_user, org, make_staff):
    client = as_user(make_staff(org, [Role.USERS, Role.STAFF]))
    url = reverse("panel:organization_detail", args=[org.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {**VALID, "name": "Новое"}).status_code == 403
    org.refresh_from_db()
    assert org.name == "ООО «УК Пример»"


def test_consumer_403(as_user, alice, org):
    assert as_user(alice).post(reverse("panel:organization_detail", args=[org.pk]), VALID).status_code == 403


def test_parent_role_covers_sub_organisation_not_the_reverse(client_admin, as_user, org, sub_org, make_staff):
    assert client_admin.get(reverse("panel:organization_detail", args=[sub_org.pk])).status_code == 200
    child = as_user(make_staff(sub_org, [Role.ORGANIZATION]))
    assert child.get(reverse("panel:organization_detail", args=[org.pk])).status_code == 404
    assert child.post(reverse("panel:organization_detail", args=[org.pk]), VALID).status_code == 404
    org.refresh_from_db()
    assert org.inn != VALID["inn"]


def test_list_scoped(client_admin, org, sub_org, other_org):
    orgs = list(client_admin.get(reverse("panel:organization_list")).context["page"])
    assert orgs == [org, sub_org]


def test_staff_cannot_create_organisations(as_user, org, make_staff):
    client = as_user(make_staff(org, Role.values))
    assert client.get(reverse("panel:organization_create")).status_code == 403
    assert client.post(reverse("panel:organization_create"), {"name": "X", "kind": "management"}).status_code == 403
    assert not Organization.objects.filter(name="X").exists()


def test_operator_creates_organisation_and_sub_organisation(as_user, operator):
    client = as_user(operator)
    response = client.post(reverse("panel:organization_create"), {"name": "ООО «Новая»", "kind": "management"})
    parent = Organization.objects.get(name="ООО «Новая»")
    assert response["Location"] == reverse("panel:organization_detail", args=[parent.pk])
    assert parent.history.first().history_user == operator
    client.post(reverse("panel:organization_create"), {"name": "Участок", "kind": "supplier", "parent": parent.pk})
    child = Organization.objects.get(name="Участок")
    assert child.parent == parent and child.path == f"{parent.path}{child.pk}/"
    page = client.get(reverse("panel:organization_list")).content.decode()
    assert "ООО «Новая»" in page and "Участок" in page


def test_operator_create_validation(as_user, operator):
    response = as_user(operator).post(reverse("panel:organization_create"), {"name": "", "kind": "nonsense"})
    form = response.context["form"]
    assert "name" in form.errors and "kind" in form.errors
    assert "Обязательное поле." in response.content.decode()


def test_operator_sees_all_organisations(as_user, operator, org, other_org):
    orgs = set(as_user(operator).get(reverse("panel:organization_list")).context["page"])
    assert {org, other_org} <= orgs
    assert as_user(operator).get(reverse("panel:organization_detail", args=[other_org.pk])).status_code == 200


def test_list_search(client_admin, org, sub_org):
    factories.OrganizationFactory()
    orgs = list(client_admin.get(reverse("panel:organization_list"), {"q": "Участок"}).context["page"])
    assert orgs == [sub_org]
