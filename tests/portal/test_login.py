import pytest
from django.urls import reverse

from kabinet.accounts.services import set_user_active
from tests import factories
from tests.portal.conftest import ru

pytestmark = pytest.mark.django_db

LOGIN = reverse("portal:login")


def post_login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def test_login_page_is_russian_by_default(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "Вход в Кабинет" in html and "Логин" in html and "Пароль" in html
    assert "htmx.min.js" in html and "cdn" not in html.lower()


@pytest.mark.parametrize("username", ["alice@example.com", "ALICE@example.com ", "+79120000001",
                                      "8 (912) 000-00-01", "89120000001", "1000200"])
def test_login_by_email_phone_or_account_number(client, alice, password, username):
    response = post_login(client, username, password)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:dashboard")
    assert logged_in_as(client) == str(alice.pk)


def test_wrong_password_gives_one_generic_message_and_keeps_login(client, alice):
    response = post_login(client, "alice@example.com", "wrong-password")
    assert response.status_code == 200
    assert ru("Wrong login or password.") in response.content.decode()
    assert 'value="alice@example.com"' in response.content.decode()
    assert logged_in_as(client) is None


def test_unknown_login_gives_the_same_message(client, db):
    response = post_login(client, "nobody@example.com", "whatever-123")
    assert ru("Wrong login or password.") in response.content.decode()


def test_empty_form_shows_field_errors(client, db):
    response = client.post(LOGIN, {"username": "", "password": ""})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()


def test_blocked_user_with_right_password_is_told_so(client, alice, password):
    set_user_active(alice, False)
    response = post_login(client, "alice@example.com", password)
    html = response.content.decode()
    assert ru("Your account is blocked. Please contact your organisation.") in html
    assert "Учётная запись заблокирована, обратитесь в организацию" in html
    assert logged_in_as(client) is None


def test_blocked_user_with_wrong_password_gets_the_generic_message(client, alice):
    set_user_active(alice, False)
    response = post_login(client, "alice@example.com", "wrong-password")
    assert ru("Wrong login or password.") in response.content.decode()


def test_lockout_after_five_failures(client, alice, password):
    for _ in range(4):
        assert post_login(client, "alice@example.com", "wrong").status_code == 200
    assert post_login(client, "alice@example.com", "wrong").status_code == 429
    response = post_login(client, "alice@example.com", password)  # even the right password
    assert response.status_code == 429
    assert logged_in_as(client) is None


def test_next_is_followed_only_within_the_site(client, alice, password, account):
    target = reverse("portal:account_detail", args=[account.pk])
    response = post_login(client, "alice@example.com", password, next=target)
    assert response["Location"] == target
    client.logout()
    response = post_login(client, "alice@example.com", password, next="https://evil.example.com/")
    assert response["Location"] == reverse("portal:dashboard")


def test_login_required_pages_redirect_with_next(client, db):
    response = client.get(reverse("portal:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/"
    assert 'name="next" value="/"' in client.get(response["Location"]).content.decode()


def test_logged_in_user_is_sent_from_login_to_dashboard(login, alice):
    client = login(alice)
    assert client.get(LOGIN)["Location"] == reverse("portal:dashboard")


def test_logout_is_post_only(login, alice):
    client = login(alice)
    assert client.get(reverse("portal:logout")).status_code == 405
    response = client.post(reverse("portal:logout"))
    assert response["Location"] == LOGIN
    assert logged_in_as(client) is None


def test_language_switch_to_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": LOGIN}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html and "Log in to Kabinet" in html


# --- by address -------------------------------------------------------------------------------------

ADDRESS = reverse("portal:login_address")


@pytest.fixture
def flat(account):
    premises = account.premises
    premises.building.settlement = "Кемерово"
    premises.building.street = "ул. Ленина"
    premises.building.house = "12"
    premises.building.save()
    premises.number = "5"
    premises.save()
    factories.PremisesFactory(building=premises.building, number="10")
    factories.BuildingFactory(settlement="Кемерово", street="пр. Советский", house="5")
    factories.BuildingFactory(settlement="Берёзовский", street="ул. Весенняя", house="21")
    return premises


def test_street_suggestions_match_any_case_and_part(client, flat):
    url = reverse("portal:address_streets")
    html = client.get(url, {"settlement": "Кемерово", "street": "лен"}).content.decode()
    assert "ул. Ленина" in html and "Советский" not in html
    html = client.get(url, {"settlement": "Кемерово", "street": "СОВ"}).content.decode()
    assert "пр. Советский" in html and "Ленина" not in html
    html = client.get(url, {"settlement": "Берёзовский", "street": "лен"}).content.decode()
    assert "Ленина" not in html
    assert ru("No such street in this settlement. Check the spelling or type fewer letters.") in html


def test_address_steps_work_without_javascript(client, flat):
    html = client.get(ADDRESS).content.decode()
    assert "Кемерово" in html and "Берёзовский" in html and 'name="street"' not in html
    html = client.get(ADDRESS, {"settlement": "Кемерово", "street": "лен"}).content.decode()
    assert "?settlement=%D0%9A" in html  # the suggestion is a plain link to the next step
    html = client.get(ADDRESS, {"settlement": "Кемерово", "street": "ул. ленина"}).content.decode()
    assert 'name="house"' in html and '<option value="12"' in html
    html = client.get(ADDRESS, {"settlement": "Кемерово", "street": "ул. Ленина", "house": "12"}).content.decode()
    assert f'<option value="{flat.pk}"' in html and 'type="password"' not in html
    html = client.get(
        ADDRESS, {"settlement": "Кемерово", "street": "ул. Ленина", "house": "12", "premises": flat.pk}
    ).content.decode()
    assert 'type="password"' in html and f'name="premises" value="{flat.pk}"' in html


def address_post(flat, password):
    return {"settlement": "Кемерово", "street": "ул. Ленина", "house": "12", "premises": flat.pk,
            "password": password}


def test_login_by_address(client, alice, flat, password):
    response = client.post(ADDRESS, address_post(flat, password))
    assert response.status_code == 302
    assert logged_in_as(client) == str(alice.pk)


def test_login_by_address_wrong_password(client, alice, flat):
    response = client.post(ADDRESS, address_post(flat, "wrong-password"))
    html = response.content.decode()
    assert ru("Wrong login or password.") in html
    assert 'type="password"' in html  # the chosen address stays
    assert logged_in_as(client) is None


def test_login_by_address_of_a_blocked_user(client, alice, flat, password):
    set_user_active(alice, False)
    response = client.post(ADDRESS, address_post(flat, password))
    assert ru("Your account is blocked. Please contact your organisation.") in response.content.decode()


def test_login_by_address_locks_out_after_five_failures(client, alice, flat, password):
    for _ in range(4):
        client.post(ADDRESS, address_post(flat, "wrong"))
    assert client.post(ADDRESS, address_post(flat, "wrong")).status_code == 429
    assert client.post(ADDRESS, address_post(flat, password)).status_code == 429
    assert logged_in_as(client) is None


def test_login_by_address_without_a_chosen_flat(client, alice, flat, password):
    response = client.post(ADDRESS, {"settlement": "Кемерово", "premises": "999999", "password": password})
    assert ru("Choose your address: settlement, street, house and flat.") in response.content.decode()
    assert logged_in_as(client) is None


def test_each_street_is_suggested_once(client, flat):
    factories.BuildingFactory(settlement="Кемерово", street="ул. Ленина", house="14")
    html = client.get(reverse("portal:address_streets"), {"settlement": "Кемерово", "street": "лен"}).content.decode()
    assert html.count(">ул. Ленина</a>") == 1
    html = client.get(ADDRESS, {"settlement": "Кемерово", "street": "ул. Ленина"}).content.decode()
    assert '<option value="12"' in html and '<option value="14"' in html
