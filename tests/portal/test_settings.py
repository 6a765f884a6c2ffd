"""The settings page (seed 001, «Настройки»): each form, bad input, codes, sessions after a password change."""

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from kabinet.accounts.models import User
from kabinet.comms import sms
from kabinet.comms.services.notifications import get_preferences
from tests.factories import PASSWORD
from tests.portal.conftest import BACKEND, ru

URL = reverse("portal:settings")
NEW_PASSWORD = "a-new-long-secret-7"


def mailed_code() -> str:
    return mail.outbox[-1].body.split(": ")[1][:6]


def sms_code() -> str:
    return sms.outbox[-1][1].split(": ")[1][:6]


def wrong(code: str) -> str:
    return "000000" if code != "000000" else "111111"


@pytest.fixture
def alice_client(login, alice):
    return login(alice)


def test_it_requires_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("portal:login") in response["Location"]
    assert client.post(reverse("portal:settings_name"), {"full_name": "X"}).status_code == 302


def test_page_shows_every_section_and_is_linked_from_the_menu(alice_client, alice):
    body = alice_client.get(URL).content.decode()
    for anchor in ("name", "email", "phone", "notifications", "password"):
        assert f'id="{anchor}"' in body
    assert alice.email in body and ru("not confirmed") in body
    assert body.count("csrfmiddlewaretoken") >= 6
    assert f'href="{URL}"' in alice_client.get(reverse("portal:dashboard")).content.decode()


def test_name_is_saved(alice_client, alice):
    response = alice_client.post(reverse("portal:settings_name"), {"full_name": "Алиса Петровна"}, follow=True)
    assert ru("Your name has been saved.") in response.content.decode()
    alice.refresh_from_db()
    assert alice.full_name == "Алиса Петровна"


def test_an_empty_name_is_refused_next_to_the_field(alice_client, alice):
    response = alice_client.post(reverse("portal:settings_name"), {"full_name": "  "})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_full_name_error"' in body and ru("Enter your name.") in body
    assert alice.full_name == User.objects.get(pk=alice.pk).full_name


def test_email_change_by_code(alice_client, alice):
    response = alice_client.post(reverse("portal:settings_email"), {"email": "new@example.com"})
    assert response["Location"] == reverse("portal:settings_email_confirm")
    assert mail.outbox[-1].to == ["new@example.com"]
    page = alice_client.get(reverse("portal:settings_email_confirm")).content.decode()
    assert "new@example.com" in page
    response = alice_client.post(reverse("portal:settings_email_confirm"), {"code": mailed_code()}, follow=True)
    assert ru("Your email %(value)s is confirmed.", value="new@example.com") in response.content.decode()
    alice.refresh_from_db()
    assert (alice.email, alice.email_confirmed) == ("new@example.com", True)


def test_a_wrong_code_is_shown_next_to_the_field_and_changes_nothing(alice_client, alice):
    alice_client.post(reverse("portal:settings_email"), {"email": "new@example.com"})
    response = alice_client.post(reverse("portal:settings_email_confirm"), {"code": wrong(mailed_code())})
    body = response.content.decode()
    assert 'id="id_code_error"' in body
    assert ru("The code is wrong. Attempts left: %(left)s.", left=4) in body
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_an_expired_code_is_refused(alice_client, alice, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC), tick=False)
    alice_client.post(reverse("portal:settings_email"), {"email": "new@example.com"})
    code = mailed_code()
    time_machine.shift(dt.timedelta(minutes=11))
    body = alice_client.post(reverse("portal:settings_email_confirm"), {"code": code}).content.decode()
    assert ru("The code has expired. Request a new one.") in body
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


def test_a_taken_email_is_refused_next_to_the_field(alice_client, alice, bob):
    response = alice_client.post(reverse("portal:settings_email"), {"email": "bob@example.com"})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_email_error"' in body
    assert ru("This email is already used by another profile. Enter a different address.") in body
    assert 'value="bob@example.com"' in body  # the entered value stays
    assert mail.outbox == []


def test_a_bad_email_is_refused(alice_client):
    body = alice_client.post(reverse("portal:settings_email"), {"email": "not-an-email"}).content.decode()
    assert ru("Enter an email address, for example name@example.ru.") in body


def test_resend_is_throttled_with_a_message(alice_client):
    alice_client.post(reverse("portal:settings_email"), {"email": "new@example.com"})
    response = alice_client.post(reverse("portal:settings_email_resend"), follow=True)
    assert "60" in response.content.decode()
    assert len(mail.outbox) == 1


def test_a_second_request_too_soon_is_throttled_next_to_the_field(alice_client):
    alice_client.post(reverse("portal:settings_phone"), {"phone": "+79125550011"})
    alice_client.post(reverse("portal:settings_phone_cancel"))
    body = alice_client.post(reverse("portal:settings_phone"), {"phone": "+79125550011"}).content.decode()
    assert 'id="id_phone_error"' in body
    assert ru("A new code can be requested in %(seconds)s s.", seconds=60) in body


def test_the_code_step_without_a_pending_change_goes_back(alice_client):
    response = alice_client.get(reverse("portal:settings_phone_confirm"))
    assert response["Location"] == URL + "#phone"


def test_phone_change_by_sms_code(alice_client, alice):
    response = alice_client.post(reverse("portal:settings_phone"), {"phone": "8 912 555-00-11"})
    assert response["Location"] == reverse("portal:settings_phone_confirm")
    assert sms.outbox[-1][0] == "+79125550011"
    alice_client.post(reverse("portal:settings_phone_confirm"), {"code": sms_code()})
    alice.refresh_from_db()
    assert (alice.phone, alice.phone_confirmed) == ("+79125550011", True)


def test_a_bad_or_taken_phone_is_refused(alice_client, bob):
    body = alice_client.post(reverse("portal:settings_phone"), {"phone": "123"}).content.decode()
    assert ru("Enter a mobile phone number, for example +7 912 345-67-89.") in body
    body = alice_client.post(reverse("portal:settings_phone"), {"phone": bob.phone}).content.decode()
    assert ru("This phone number is already used by another profile. Enter a different number.") in body
    assert sms.outbox == []


def test_notification_preferences_are_saved(alice_client, alice):
    data = {"readings_reminder": "on", "news": "on", "quiet_from": "22:00", "quiet_to": "07:30"}
    response = alice_client.post(reverse("portal:settings_notifications"), data, follow=True)
    assert ru("Your notification settings have been saved.") in response.content.decode()
    pref = get_preferences(alice)
    assert (pref.readings_reminder, pref.payment_reminder, pref.news, pref.appeal_replies, pref.e_receipt) == (
        True, False, True, False, False)
    assert (pref.quiet_from, pref.quiet_to) == (dt.time(22, 0), dt.time(7, 30))
    body = alice_client.get(URL).content.decode()
    assert 'value="22:00"' in body and 'value="07:30"' in body


def test_half_of_the_quiet_hours_is_refused(alice_client, alice):
    response = alice_client.post(reverse("portal:settings_notifications"), {"news": "on", "quiet_from": "22:00"})
    body = response.content.decode()
    assert ru("Give both the start and the end of the quiet hours, or leave both empty.") in body
    assert 'value="22:00"' in body
    assert get_preferences(alice).pk is None  # nothing saved


def test_password_change_keeps_this_session_and_logs_out_the_others(alice, db):
    here, there = Client(), Client()
    here.force_login(alice, backend=BACKEND)
    there.force_login(alice, backend=BACKEND)
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    response = here.post(reverse("portal:settings_password"), data, follow=True)
    assert ru("Your password has been changed. On other devices you need to log in again.") in (
        response.content.decode())
    assert here.get(URL).status_code == 200
    assert there.get(URL).status_code == 302  # the other session is logged out
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_a_wrong_old_password_is_refused(alice_client, alice):
    data = {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    body = alice_client.post(reverse("portal:settings_password"), data).content.decode()
    assert 'id="id_old_password_error"' in body
    assert ru("The current password is wrong. Check the keyboard layout and Caps Lock.") in body
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_a_weak_or_mismatched_new_password_is_refused(alice_client, alice):
    data = {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    body = alice_client.post(reverse("portal:settings_password"), data).content.decode()
    assert 'id="id_new_password2_error"' in body
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    body = alice_client.post(reverse("portal:settings_password"), data).content.decode()
    assert ru("The passwords do not match. Type the same password twice.") in body
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_another_users_pending_change_is_not_used(login, alice, bob):
    client = login(alice)
    client.post(reverse("portal:settings_email"), {"email": "new@example.com"})
    code = mailed_code()
    client.force_login(bob, backend=BACKEND)  # same browser, another user
    response = client.post(reverse("portal:settings_email_confirm"), {"code": code})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.email == "bob@example.com"
