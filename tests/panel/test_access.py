"""Who may enter the panel and its modules; the organisation switcher."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from kabinet.core.roles import Role
from kabinet.panel.scope import SESSION_KEY
from tests import factories

PAGES = ["panel:summary", "panel:organization", "panel:organization_list", "panel:user_list", "panel:user_create",
         "panel:staff_list", "panel:staff_add", "panel:organization_create"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert "next=" in response["Location"]


@pytest.mark.parametrize("name", PAGES)
def test_consumer_gets_403(as_user, alice, name):
    assert as_user(alice).get(reverse(name)).status_code == 403


def test_blocked_membership_is_not_staff(as_user, org, make_staff):
    user = make_staff(org, [Role.USERS])
    user.memberships.update(is_active=False)
    assert as_user(user).get(reverse("panel:summary")).status_code == 403


@pytest.mark.parametrize(("role", "name"), [
    (Role.USERS, "panel:user_list"), (Role.USERS, "panel:user_create"),
    (Role.STAFF, "panel:staff_list"), (Role.STAFF, "panel:staff_add"),
    (Role.ORGANIZATION, "panel:organization_list"),
])
def test_module_needs_its_role(as_user, org, make_staff, role, name):
    others = [r for r in Role.values if r != role]
    without = as_user(make_staff(org, others))
    assert without.get(reverse(name)).status_code == 403
    with_role = as_user(make_staff(org, [role]))
    assert with_role.get(reverse(name)).status_code == 200


def test_menu_shows_only_allowed_modules(as_user, org, make_staff):
    page = as_user(make_staff(org, [Role.USERS])).get(reverse("panel:summary")).content.decode()
    assert reverse("panel:user_list") in page
    assert reverse("panel:staff_list") not in page
    assert reverse("panel:organization") not in page
    assert reverse("panel:organization_list") not in page


def test_operator_menu_has_everything(as_user, operator):
    page = as_user(operator).get(reverse("panel:summary")).content.decode()
    for name in ("panel:user_list", "panel:staff_list", "panel:organization", "panel:organization_list"):
        assert reverse(name) in page


def test_pages_render_in_russian(as_user, org, make_staff):
    page = as_user(make_staff(org, Role.values)).get(reverse("panel:summary")).content.decode()
    assert 'lang="ru"' in page
    for word in ("Сводка", "Пользователи", "Сотрудники", "Организация", "Лицевые счета"):
        assert word in page


def test_switcher_keeps_the_chosen_organisation(as_user, org, sub_org, make_staff):
    client = as_user(make_staff(org, [Role.USERS]))
    response = client.post(reverse("panel:switch_organization"),
                           {"organization": sub_org.pk, "next": reverse("panel:user_list")})
    assert response.status_code == 302
    assert response["Location"] == reverse("panel:user_list")
    assert client.session[SESSION_KEY] == sub_org.pk
    page = client.get(reverse("panel:summary")).content.decode()
    assert f'value="{sub_org.pk}" selected' in page


def test_switcher_refuses_another_tenant_and_external_next(as_user, org, other_org, make_staff):
    client = as_user(make_staff(org, [Role.USERS]))
    response = client.post(reverse("panel:switch_organization"),
                           {"organization": other_org.pk, "next": "https://evil.example/"})
    assert response["Location"] == reverse("panel:summary")
    assert client.session[SESSION_KEY] == "all"
    page = client.get(reverse("panel:summary")).content.decode()
    assert str(other_org) not in page


def test_switcher_lists_own_subtree_only(as_user, org, sub_org, other_org, make_staff):
    page = as_user(make_staff(org, [Role.USERS])).get(reverse("panel:summary")).content.decode()
    assert "ООО «Участок №2»" in page
    assert "Чужая УК" not in page


def test_operator_sees_every_organisation_in_switcher(as_user, operator, org, other_org):
    page = as_user(operator).get(reverse("panel:summary")).content.decode()
    assert "Чужая УК" in page and "УК Пример" in page


def test_switch_requires_post(as_user, org, make_staff):
    assert as_user(make_staff(org, [])).get(reverse("panel:switch_organization")).status_code == 405


def test_staff_of_sub_organisation_only_sees_it(as_user, org, sub_org, make_staff):
    factories.AccountFactory(organization=org)
    factories.AccountFactory(organization=sub_org)
    client = as_user(make_staff(sub_org, [Role.USERS]))
    response = client.get(reverse("panel:summary"))
    assert response.context["stats"]["accounts"] == 1
    assert "УК Пример" not in response.content.decode()
