import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from kabinet.accounts.models import AccountLink, User
from kabinet.comms import sms
from tests import factories
from tests.portal.conftest import ru

pytestmark = pytest.mark.django_db

REGISTER = reverse("portal:register")
CONFIRM = reverse("portal:register_confirm")
RESEND = reverse("portal:register_resend")
PASSWORD = reverse("portal:register_password")
PHONE = "+79123456789"


def last_code():
    return re.search(r"\d{6}", sms.outbox[-1][1]).group()


def start(client, **overrides):
    data = {"number": "1000200", "receipt_code": "123456", "phone": "8 (912) 345-67-89",
            "full_name": "Петров Пётр", "email": "petrov@example.com", **overrides}
    return client.post(REGISTER, data)


@pytest.fixture
def traveller():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_full_registration(client, account):
    assert "Регистрация" in client.get(REGISTER).content.decode()
    response = start(client)
    assert response["Location"] == CONFIRM
    assert sms.outbox[-1][0] == PHONE
    page = client.get(CONFIRM).content.decode()
    assert "+7 *** ***-67-89" in page and "Отправить код повторно" in page
    response = client.post(CONFIRM, {"code": last_code()})
    assert response["Location"] == PASSWORD
    response = client.post(PASSWORD, {"new_password1": "Sunny-garden-77", "new_password2": "Sunny-garden-77"})
    assert response["Location"] == reverse("portal:dashboard")
    user = User.objects.get(phone=PHONE)
    assert user.full_name == "Петров Пётр" and user.email == "petrov@example.com" and user.phone_confirmed
    assert user.check_password("Sunny-garden-77")
    assert AccountLink.objects.get(user=user, account=account).is_owner
    assert client.session["_auth_user_id"] == str(user.pk)
    dashboard = client.get(reverse("portal:dashboard")).content.decode()
    assert "1000200" in dashboard and ru("Welcome to Kabinet! Your account is ready.") in dashboard


@pytest.mark.parametrize("overrides", [{"number": "9999999"}, {"receipt_code": "000000"}])
def test_wrong_number_or_receipt_code_gives_one_message(client, account, overrides):
    response = start(client, **overrides)
    assert response.status_code == 200
    html = response.content.decode()
    assert ru("No account with this number and receipt code was found. Check both on your latest bill "
              "or contact your management company.") in html
    assert 'value="Петров Пётр"' in html  # entered values stay
    assert not sms.outbox


def test_invalid_phone_and_missing_fields(client, account):
    html = start(client, phone="12345", number="").content.decode()
    assert ru("Enter a mobile phone number, for example +7 912 345-67-89.") in html
    assert 'id="id_number_error"' in html
    assert not sms.outbox


def test_wrong_code_counts_attempts_then_burns_the_code(client, account):
    start(client)
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    html = client.post(CONFIRM, {"code": wrong}).content.decode()
    assert ru("The code is wrong. Attempts left: %(left)s.", left=4) in html
    for _ in range(4):
        html = client.post(CONFIRM, {"code": wrong}).content.decode()
    assert ru("Too many wrong attempts. Request a new code.") in html
    html = client.post(CONFIRM, {"code": code}).content.decode()  # even the right code is refused now
    assert ru("Too many wrong attempts. Request a new code.") in html
    assert not User.objects.filter(phone=PHONE).exists()


def test_expired_code(client, account, traveller):
    start(client)
    traveller.shift(dt.timedelta(minutes=11))
    html = client.post(CONFIRM, {"code": last_code()}).content.decode()
    assert ru("The code has expired. Request a new one.") in html


def test_reused_code(client, account):
    start(client)
    code = last_code()
    assert client.post(CONFIRM, {"code": code})["Location"] == PASSWORD
    html = client.post(CONFIRM, {"code": code}).content.decode()
    assert ru("This code has already been used or replaced by a newer one. Request a new code.") in html


def test_resend_is_throttled_and_shows_the_wait(client, account, traveller):
    start(client)
    first = last_code()
    page = client.get(CONFIRM).content.decode()
    assert "Отправить код повторно (через 60 с)" in page and "disabled" in page
    response = client.post(RESEND, follow=True)
    assert ru("A new code can be requested in %(seconds)s s.", seconds=60) in response.content.decode()
    assert len(sms.outbox) == 1
    traveller.shift(dt.timedelta(seconds=61))
    response = client.post(RESEND, follow=True)
    assert len(sms.outbox) == 2
    assert ru("A new code has been sent to %(phone)s.", phone="+7 *** ***-67-89") in response.content.decode()
    if first != last_code():  # the new code replaced the first one
        html = client.post(CONFIRM, {"code": first}).content.decode()
        assert ru("The code is wrong. Attempts left: %(left)s.", left=4) in html
    assert client.post(CONFIRM, {"code": last_code()})["Location"] == PASSWORD


def test_start_is_throttled_too(client, account):
    start(client)
    html = start(client).content.decode()
    assert ru("A new code can be requested in %(seconds)s s.", seconds=60) in html
    assert len(sms.outbox) == 1


def test_password_must_match_and_be_strong(client, account):
    start(client)
    client.post(CONFIRM, {"code": last_code()})
    html = client.post(PASSWORD, {"new_password1": "Sunny-garden-77", "new_password2": "Sunny-garden-78"}).content
    assert ru("The passwords do not match. Type the same password twice.") in html.decode()
    html = client.post(PASSWORD, {"new_password1": "12345678", "new_password2": "12345678"}).content.decode()
    assert "пароль" in html.lower() and 'id="id_new_password2_error"' in html
    assert not User.objects.filter(phone=PHONE).exists()


def test_steps_cannot_be_skipped(client, account):
    assert client.get(CONFIRM)["Location"] == REGISTER
    assert client.get(PASSWORD)["Location"] == REGISTER
    assert client.post(RESEND)["Location"] == REGISTER
    start(client)
    assert client.get(PASSWORD)["Location"] == REGISTER  # the code is not confirmed yet


def test_existing_phone_holder_gets_the_account_linked(client, account, org):
    user = factories.UserFactory(phone=PHONE)
    start(client)
    response = client.post(CONFIRM, {"code": last_code()})
    assert response["Location"] == reverse("portal:login")
    assert AccountLink.objects.get(user=user, account=account).is_owner
    assert user.check_password(factories.PASSWORD)  # the password is kept


def test_logged_in_user_is_sent_to_link_accounts(login, alice):
    assert login(alice).get(REGISTER)["Location"] == reverse("portal:account_link")
