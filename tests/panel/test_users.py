"""Users module: consumers linked to the organisation's accounts."""

import pytest
from django.urls import reverse

from kabinet.accounts.models import AccountLink, ApiToken, User
from kabinet.core.roles import Role
from kabinet.panel.views.users import SHOWN_PASSWORD_KEY
from tests import factories


@pytest.fixture
def users_staff(org, make_staff):
    return make_staff(org, [Role.USERS], email="users-staff@example.com")


@pytest.fixture
def client_staff(as_user, users_staff):
    return as_user(users_staff)


def test_list_shows_own_consumers_only(client_staff, alice, charlie):
    response = client_staff.get(reverse("panel:user_list"))
    page = response.content.decode()
    assert "alice@example.com" in page
    assert "charlie@example.com" not in page
    assert "1000200" in page
    assert response.context["page"].paginator.count == 1


@pytest.mark.parametrize("query", ["alice@", "+79120000001", "8 912 000-00-01", "1000200", "Пользователь"])
def test_search_by_name_email_phone_and_account(client_staff, alice, org, query):
    other = factories.UserFactory(email="zed@example.com", full_name="Зэд")
    factories.AccountLinkFactory(user=other, account=factories.AccountFactory(organization=org, number="555"))
    users = list(client_staff.get(reverse("panel:user_list"), {"q": query}).context["page"])
    assert alice in users
    if query != "Пользователь":
        assert other not in users


def test_search_does_not_reach_other_tenants(client_staff, alice, charlie):
    number = charlie.account_links.get().account.number
    assert list(client_staff.get(reverse("panel:user_list"), {"q": number}).context["page"]) == []


def test_pagination_and_row_count(client_staff, org):
    account = factories.AccountFactory(organization=org)
    for _ in range(30):
        factories.AccountLinkFactory(account=account)
    first = client_staff.get(reverse("panel:user_list"))
    assert first.context["page"].paginator.count == 30
    assert len(first.context["page"]) == 25
    assert "30 строк" in first.content.decode()
    second = client_staff.get(reverse("panel:user_list"), {"page": 2})
    assert len(second.context["page"]) == 5


def test_list_query_count_is_constant(client_staff, org, django_assert_num_queries):
    def add(n):
        for _ in range(n):
            factories.AccountLinkFactory(account=factories.AccountFactory(organization=org))

    add(2)
    client_staff.get(reverse("panel:user_list"))  # warm the session
    with django_assert_num_queries(8) as small:
        client_staff.get(reverse("panel:user_list"))
    add(20)
    with django_assert_num_queries(len(small.captured_queries)):
        client_staff.get(reverse("panel:user_list"))


def test_user_page_shows_linked_accounts(client_staff, alice):
    page = client_staff.get(reverse("panel:user_detail", args=[alice.pk])).content.decode()
    assert "1000200" in page
    assert "Кемерово" in page


def test_other_tenant_user_is_404_and_nothing_changes(as_user, other_staff, alice, account):
    client = as_user(other_staff)
    assert client.get(reverse("panel:user_detail", args=[alice.pk])).status_code == 404
    assert client.get(reverse("panel:user_password", args=[alice.pk])).status_code == 404
    assert client.post(reverse("panel:user_set_active", args=[alice.pk]), {"active": "0"}).status_code == 404
    assert client.post(reverse("panel:user_password", args=[alice.pk]), {"password": ""}).status_code == 404
    assert client.post(reverse("panel:user_detach", args=[alice.pk, account.pk])).status_code == 404
    assert client.post(reverse("panel:user_attach", args=[alice.pk]), {"number": "1000200"}).status_code == 404
    alice.refresh_from_db()
    assert alice.is_active
    assert alice.check_password(factories.PASSWORD)
    assert AccountLink.objects.filter(user=alice, account=account).exists()


def test_missing_user_is_404(client_staff, db):
    assert client_staff.get(reverse("panel:user_detail", args=[999999])).status_code == 404


def test_staff_without_users_role_gets_403_and_nothing_changes(as_user, org, make_staff, alice):
    client = as_user(make_staff(org, [Role.STAFF, Role.ORGANIZATION]))
    assert client.get(reverse("panel:user_detail", args=[alice.pk])).status_code == 403
    assert client.post(reverse("panel:user_set_active", args=[alice.pk]), {"active": "0"}).status_code == 403
    alice.refresh_from_db()
    assert alice.is_active


def test_consumer_cannot_act(as_user, alice, bob):
    assert as_user(bob).post(reverse("panel:user_set_active", args=[alice.pk]), {"active": "0"}).status_code == 403
    alice.refresh_from_db()
    assert alice.is_active


def test_anonymous_post_changes_nothing(client, alice):
    response = client.post(reverse("panel:user_set_active", args=[alice.pk]), {"active": "0"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.is_active


def test_create_consumer_with_generated_password_shown_once(client_staff, org, users_staff):
    factories.AccountFactory(organization=org, number="777")
    response = client_staff.post(reverse("panel:user_create"), {
        "full_name": "Петров П. П.", "email": "Petrov@Example.com", "phone": "8 (912) 345-67-89",
        "number": "777", "password": "",
    })
    user = User.objects.get(email="petrov@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("panel:user_detail", args=[user.pk])
    assert user.phone == "+79123456789"
    link = AccountLink.objects.get(user=user)
    assert link.account.number == "777" and link.is_owner and link.granted_by == users_staff
    assert link.history.first().history_user == users_staff
    page = client_staff.get(response["Location"]).content.decode()
    shown = [line for line in page.splitlines() if 'class="password"' in line][0]
    password = shown.split(">")[2].split("<")[0]
    assert user.check_password(password)
    assert SHOWN_PASSWORD_KEY not in client_staff.session
    assert password not in client_staff.get(response["Location"]).content.decode()


def test_create_consumer_with_own_password(client_staff, org):
    factories.AccountFactory(organization=org, number="778")
    client_staff.post(reverse("panel:user_create"), {
        "full_name": "Сидоров", "phone": "+7 912 111-22-33", "number": "778", "password": "Very-Long-Secret-1",
    })
    user = User.objects.get(phone="+79121112233")
    assert user.email is None
    assert user.check_password("Very-Long-Secret-1")


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"email": "", "phone": ""}, "email", "Укажите электронную почту или телефон"),
    ({"phone": "12345"}, "phone", "Введите российский мобильный или городской номер"),
    ({"email": "not-an-email"}, "email", "Введите правильный адрес электронной почты."),
    ({"number": "no-such"}, "number", "нет лицевого счёта с таким номером"),
    ({"email": "alice@example.com"}, "email", "Пользователь с такой почтой уже есть"),
    ({"password": "123"}, "password", "Введённый пароль слишком короткий"),
])
def test_create_consumer_validation(client_staff, alice, data, field, message):
    values = {"full_name": "Новый", "email": "new@example.com", "phone": "", "number": "1000200", "password": "",
              **data}
    response = client_staff.post(reverse("panel:user_create"), values)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors, errors
    page = response.content.decode()
    assert message.split()[0] in page
    assert 'value="Новый"' in page  # values are kept
    assert not User.objects.filter(email="new@example.com").exists()


def test_create_consumer_refuses_other_tenants_account(client_staff, charlie):
    number = charlie.account_links.get().account.number
    response = client_staff.post(reverse("panel:user_create"), {
        "full_name": "X", "email": "x@example.com", "number": number,
    })
    assert response.status_code == 200
    assert not User.objects.filter(email="x@example.com").exists()


def test_attach_and_detach_account(client_staff, alice, org, users_staff):
    other = factories.AccountFactory(organization=org, number="900")
    response = client_staff.post(reverse("panel:user_attach", args=[alice.pk]), {"number": "900"})
    assert response.status_code == 302
    link = AccountLink.objects.get(user=alice, account=other)
    assert link.is_owner
    assert link.history.first().history_user == users_staff
    response = client_staff.post(reverse("panel:user_detach", args=[alice.pk, other.pk]))
    assert response.status_code == 302
    assert not AccountLink.objects.filter(user=alice, account=other).exists()
    deleted = AccountLink.history.filter(account_id=other.pk, history_type="-").get()
    assert deleted.history_user == users_staff


def test_attach_errors(client_staff, alice, charlie):
    response = client_staff.post(reverse("panel:user_attach", args=[alice.pk]), {"number": "1000200"})
    assert response.status_code == 400
    assert "уже подключён" in response.content.decode()
    number = charlie.account_links.get().account.number
    response = client_staff.post(reverse("panel:user_attach", args=[alice.pk]), {"number": number})
    assert response.status_code == 400
    assert AccountLink.objects.filter(user=alice).count() == 1


def test_detach_other_tenants_account_is_404(client_staff, alice, charlie):
    foreign = charlie.account_links.get()
    response = client_staff.post(reverse("panel:user_detach", args=[alice.pk, foreign.account_id]))
    assert response.status_code == 404
    assert AccountLink.objects.filter(pk=foreign.pk).exists()


def test_detaching_the_last_account_returns_to_list(client_staff, alice, account):
    response = client_staff.post(reverse("panel:user_detach", args=[alice.pk, account.pk]))
    assert response["Location"] == reverse("panel:user_list")


def test_block_and_unblock(client_staff, alice):
    ApiToken.objects.create(user=alice, key_hash="x" * 64, prefix="x")
    client_staff.post(reverse("panel:user_set_active", args=[alice.pk]), {"active": "0"})
    alice.refresh_from_db()
    assert not alice.is_active
    assert ApiToken.objects.get(user=alice).revoked_at is not None
    assert "заблокирован" in client_staff.get(reverse("panel:user_detail", args=[alice.pk])).content.decode()
    client_staff.post(reverse("panel:user_set_active", args=[alice.pk]), {"active": "1"})
    alice.refresh_from_db()
    assert alice.is_active


def test_block_requires_post(client_staff, alice):
    assert client_staff.get(reverse("panel:user_set_active", args=[alice.pk])).status_code == 405


def test_staff_cannot_block_another_staff_member(client_staff, org, make_staff, account):
    colleague = make_staff(org, [Role.APPEALS])
    factories.AccountLinkFactory(user=colleague, account=account)
    client_staff.post(reverse("panel:user_set_active", args=[colleague.pk]), {"active": "0"})
    colleague.refresh_from_db()
    assert colleague.is_active


def test_reset_password_generated_and_set(client_staff, alice):
    url = reverse("panel:user_password", args=[alice.pk])
    assert client_staff.get(url).status_code == 200
    response = client_staff.post(url, {"password": ""})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.check_password(factories.PASSWORD)
    page = client_staff.get(response["Location"]).content.decode()
    assert "показывается только один раз" in page
    client_staff.post(url, {"password": "Another-Good-Secret-9"})
    alice.refresh_from_db()
    assert alice.check_password("Another-Good-Secret-9")


def test_reset_password_validation(client_staff, alice):
    response = client_staff.post(reverse("panel:user_password", args=[alice.pk]), {"password": "12345678"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    alice.refresh_from_db()
    assert alice.check_password(factories.PASSWORD)


def test_role_on_parent_covers_sub_organisation(client_staff, sub_org):
    consumer = factories.AccountLinkFactory(account=factories.AccountFactory(organization=sub_org)).user
    assert client_staff.get(reverse("panel:user_detail", args=[consumer.pk])).status_code == 200
    client_staff.post(reverse("panel:user_set_active", args=[consumer.pk]), {"active": "0"})
    consumer.refresh_from_db()
    assert not consumer.is_active


def test_role_on_sub_organisation_does_not_cover_parent(as_user, sub_org, make_staff, alice):
    client = as_user(make_staff(sub_org, [Role.USERS]))
    assert client.get(reverse("panel:user_detail", args=[alice.pk])).status_code == 404
    client.post(reverse("panel:user_set_active", args=[alice.pk]), {"active": "0"})
    alice.refresh_from_db()
    assert alice.is_active


def test_switcher_narrows_the_list(client_staff, alice, org, sub_org):
    consumer = factories.AccountLinkFactory(account=factories.AccountFactory(organization=sub_org)).user
    assert client_staff.get(reverse("panel:user_list")).context["page"].paginator.count == 2
    client_staff.post(reverse("panel:switch_organization"), {"organization": sub_org.pk})
    assert list(client_staff.get(reverse("panel:user_list")).context["page"]) == [consumer]
    # object pages keep working whatever is chosen
    assert client_staff.get(reverse("panel:user_detail", args=[alice.pk])).status_code == 200


def test_operator_sees_all(as_user, operator, alice, charlie):
    response = as_user(operator).get(reverse("panel:user_list"))
    assert {alice, charlie} <= set(response.context["page"])
    assert as_user(operator).get(reverse("panel:user_detail", args=[charlie.pk])).status_code == 200
