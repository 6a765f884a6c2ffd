import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse

from kabinet.comms import sms
from tests.portal.conftest import ru

pytestmark = pytest.mark.django_db

RESET = reverse("portal:password_reset")
CONFIRM = reverse("portal:password_reset_confirm")
SAME_ANSWER = "If this email or phone is registered in Kabinet, we have sent a confirmation code to it."
NEW = "Brand-new-pass-81"


def code_in(text):
    return re.search(r"\d{6}", text).group()


def test_reset_by_email_logs_in(client, alice):
    response = client.post(RESET, {"contact": "Alice@Example.com"}, follow=True)
    assert ru(SAME_ANSWER) in response.content.decode()
    code = code_in(mail.outbox[-1].body)
    response = client.post(CONFIRM, {"code": code, "new_password1": NEW, "new_password2": NEW})
    assert response["Location"] == reverse("portal:dashboard")
    assert client.session["_auth_user_id"] == str(alice.pk)
    alice.refresh_from_db()
    assert alice.check_password(NEW)


def test_reset_by_sms(client, alice):
    client.post(RESET, {"contact": "8 912 000-00-01"})
    assert sms.outbox[-1][0] == "+79120000001"
    response = client.post(CONFIRM, {"code": code_in(sms.outbox[-1][1]), "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW)


def test_unknown_contact_gets_the_same_answer_and_no_code(client, db):
    response = client.post(RESET, {"contact": "nobody@example.com"}, follow=True)
    assert ru(SAME_ANSWER) in response.content.decode()
    assert not mail.outbox and not sms.outbox
    html = client.post(CONFIRM, {"code": "123456", "new_password1": NEW, "new_password2": NEW}).content.decode()
    assert ru("The code is wrong. Request a new one.") in html


def test_weak_password_does_not_burn_the_code(client, alice, password):
    client.post(RESET, {"contact": "alice@example.com"})
    code = code_in(mail.outbox[-1].body)
    html = client.post(CONFIRM, {"code": code, "new_password1": "alice123", "new_password2": "alice123"})
    assert 'id="id_new_password2_error"' in html.content.decode()
    assert client.post(CONFIRM, {"code": code, "new_password1": NEW, "new_password2": NEW}).status_code == 302


def test_wrong_code_keeps_the_password(client, alice, password):
    client.post(RESET, {"contact": "alice@example.com"})
    code = code_in(mail.outbox[-1].body)
    wrong = "000000" if code != "000000" else "111111"
    html = client.post(CONFIRM, {"code": wrong, "new_password1": NEW, "new_password2": NEW}).content.decode()
    assert ru("The code is wrong. Attempts left: %(left)s.", left=4) in html
    alice.refresh_from_db()
    assert alice.check_password(password)


def test_asking_again_too_soon_keeps_the_first_code_valid(client, alice):
    client.post(RESET, {"contact": "alice@example.com"})
    code = code_in(mail.outbox[-1].body)
    response = client.post(RESET, {"contact": "alice@example.com"}, follow=True)
    assert ru(SAME_ANSWER) in response.content.decode() and len(mail.outbox) == 1
    assert client.post(CONFIRM, {"code": code, "new_password1": NEW, "new_password2": NEW}).status_code == 302


def test_confirm_without_a_request_goes_back(client, db):
    assert client.get(CONFIRM)["Location"] == RESET


def test_reset_lifts_the_login_lockout(client, alice):
    for _ in range(5):
        client.post(reverse("portal:login"), {"username": "alice@example.com", "password": "wrong"})
    client.post(RESET, {"contact": "alice@example.com"})
    assert AccessAttempt.objects.filter(username="email:alice@example.com").exists()
    client.post(CONFIRM, {"code": code_in(mail.outbox[-1].body), "new_password1": NEW, "new_password2": NEW})
    assert not AccessAttempt.objects.exists()
    client.logout()
    response = client.post(reverse("portal:login"), {"username": "alice@example.com", "password": NEW})
    assert response.status_code == 302
