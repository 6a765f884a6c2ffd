"""Staff module: members of the organisation subtree, their roles and history."""

import pytest
from django.urls import reverse

from kabinet.accounts.models import User
from kabinet.core.models import Membership
from kabinet.core.roles import Role
from tests import factories


@pytest.fixture
def admin(org, make_staff):
    """An organisation administrator (seed 003): organisation properties, users, staff."""
    return make_staff(org, [Role.ORGANIZATION, Role.USERS, Role.STAFF], email="admin-org@example.com")


@pytest.fixture
def client_admin(as_user, admin):
    return as_user(admin)


@pytest.fixture
def worker(org):
    return factories.StaffMembershipFactory(organization=org, roles=[Role.APPEALS, Role.READINGS],
                                            user__email="worker@example.com")


def test_list_shows_members_of_the_subtree_with_roles(client_admin, worker, sub_org, other_staff):
    factories.StaffMembershipFactory(organization=sub_org, roles=[Role.USERS], user__email="sub@example.com")
    response = client_admin.get(reverse("panel:staff_list"))
    page = response.content.decode()
    members = list(response.context["page"])
    emails = {m.user.email for m in members}
    assert {"worker@example.com", "sub@example.com", "admin-org@example.com"} <= emails
    assert "otherstaff@example.com" not in emails
    assert "Обращения, Новые показания" in page or "Новые показания, Обращения" in page


def test_search_members(client_admin, worker):
    members = list(client_admin.get(reverse("panel:staff_list"), {"q": "worker"}).context["page"])
    assert members == [worker]


def test_add_existing_user_with_roles(client_admin, org, admin, bob):
    response = client_admin.post(reverse("panel:staff_add"), {
        "organization": org.pk, "email": "BOB@example.com", "roles": [Role.USERS, Role.STAFF], "position": "Оператор",
    })
    membership = Membership.objects.get(user=bob, organization=org)
    assert response["Location"] == reverse("panel:staff_detail", args=[membership.pk])
    assert membership.roles == [Role.USERS, Role.STAFF]
    assert membership.position == "Оператор"
    assert membership.history.first().history_user == admin


def test_add_new_user_shows_generated_password_once(client_admin, org):
    response = client_admin.post(reverse("panel:staff_add"), {
        "organization": org.pk, "email": "new@example.com", "full_name": "Новикова Н. Н.", "roles": [Role.USERS],
    })
    user = User.objects.get(email="new@example.com")
    assert user.full_name == "Новикова Н. Н."
    page = client_admin.get(response["Location"]).content.decode()
    line = [line for line in page.splitlines() if 'class="password"' in line][0]
    assert user.check_password(line.split(">")[2].split("<")[0])
    assert 'class="password"' not in client_admin.get(response["Location"]).content.decode()


def test_cannot_grant_roles_not_held(client_admin, org, bob):
    response = client_admin.post(reverse("panel:staff_add"), {
        "organization": org.pk, "email": "bob@example.com", "roles": [Role.USERS, Role.APPEALS],
    })
    assert response.status_code == 200
    assert "Нельзя выдать роли, которых нет у вас самих: Обращения" in response.content.decode()
    assert not Membership.objects.filter(user=bob).exists()


def test_add_validation(client_admin, org, worker):
    response = client_admin.post(reverse("panel:staff_add"), {"organization": org.pk, "email": "bad", "phone": "1"})
    form = response.context["form"]
    assert "email" in form.errors and "phone" in form.errors
    response = client_admin.post(reverse("panel:staff_add"), {"organization": org.pk, "email": "worker@example.com"})
    assert "уже является сотрудником" in response.content.decode()


def test_cannot_add_into_another_tenant(client_admin, other_org, bob):
    response = client_admin.post(reverse("panel:staff_add"), {
        "organization": other_org.pk, "email": "bob@example.com", "roles": [Role.USERS],
    })
    assert response.status_code == 200
    assert "organization" in response.context["form"].errors
    assert not Membership.objects.filter(user=bob).exists()


def test_edit_roles_keeps_roles_the_editor_does_not_hold(client_admin, worker, admin):
    url = reverse("panel:staff_detail", args=[worker.pk])
    page = client_admin.get(url).content.decode()
    assert f'value="{Role.APPEALS}" id="id_roles_6" checked disabled' in page or "disabled" in page
    client_admin.post(url, {"roles": [Role.USERS], "position": "Инженер"})
    worker.refresh_from_db()
    assert set(worker.roles) == {Role.USERS, Role.APPEALS, Role.READINGS}
    assert worker.position == "Инженер"
    client_admin.post(url, {"roles": [], "position": "Инженер"})
    worker.refresh_from_db()
    assert set(worker.roles) == {Role.APPEALS, Role.READINGS}
    history = client_admin.get(url).context["history"]
    assert history[0]["user"] == admin
    assert history[0]["changes"][0]["old"].startswith("Пользователи")


def test_operator_grants_any_role(as_user, operator, worker):
    as_user(operator).post(reverse("panel:staff_detail", args=[worker.pk]), {"roles": [Role.DATA_LOADING]})
    worker.refresh_from_db()
    assert worker.roles == [Role.DATA_LOADING]


def test_block_and_restore_member(client_admin, worker):
    url = reverse("panel:staff_set_active", args=[worker.pk])
    client_admin.post(url, {"active": "0"})
    worker.refresh_from_db()
    assert not worker.is_active
    page = client_admin.get(reverse("panel:staff_detail", args=[worker.pk])).content.decode()
    assert "История изменений" in page and "Активный" in page
    client_admin.post(url, {"active": "1"})
    worker.refresh_from_db()
    assert worker.is_active


def test_cannot_block_yourself(client_admin, admin):
    membership = admin.memberships.get()
    client_admin.post(reverse("panel:staff_set_active", args=[membership.pk]), {"active": "0"})
    membership.refresh_from_db()
    assert membership.is_active


def test_other_tenant_member_is_404_and_nothing_changes(as_user, org, make_staff, worker):
    outsider = as_user(make_staff(factories.OrganizationFactory(), [Role.STAFF]))
    assert outsider.get(reverse("panel:staff_detail", args=[worker.pk])).status_code == 404
    assert outsider.post(reverse("panel:staff_detail", args=[worker.pk]), {"roles": []}).status_code == 404
    assert outsider.post(reverse("panel:staff_set_active", args=[worker.pk]), {"active": "0"}).status_code == 404
    worker.refresh_from_db()
    assert worker.is_active and set(worker.roles) == {Role.APPEALS, Role.READINGS}


def test_without_staff_role_403_and_nothing_changes(as_user, org, make_staff, worker):
    client = as_user(make_staff(org, [Role.USERS, Role.ORGANIZATION]))
    assert client.get(reverse("panel:staff_detail", args=[worker.pk])).status_code == 403
    assert client.post(reverse("panel:staff_set_active", args=[worker.pk]), {"active": "0"}).status_code == 403
    worker.refresh_from_db()
    assert worker.is_active


def test_consumer_gets_403(as_user, alice, worker):
    assert as_user(alice).post(reverse("panel:staff_set_active", args=[worker.pk]), {"active": "0"}).status_code == 403
    worker.refresh_from_db()
    assert worker.is_active


def test_parent_role_covers_sub_organisation_not_the_reverse(as_user, org, sub_org, make_staff, client_admin,
                                                            worker):
    child_member = factories.StaffMembershipFactory(organization=sub_org, roles=[Role.USERS])
    assert client_admin.get(reverse("panel:staff_detail", args=[child_member.pk])).status_code == 200
    child_admin = as_user(make_staff(sub_org, [Role.STAFF, Role.USERS]))
    assert child_admin.get(reverse("panel:staff_detail", args=[worker.pk])).status_code == 404
    child_admin.post(reverse("panel:staff_set_active", args=[worker.pk]), {"active": "0"})
    worker.refresh_from_db()
    assert worker.is_active
