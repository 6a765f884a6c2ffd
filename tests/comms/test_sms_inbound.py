"""The inbound SMS webhook and the commands: signature, unknown numbers, readings with the
portal's validation, debt, help; every message and reply is logged and the reply is sent."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client

from kabinet.accounts.models import AccountLink
from kabinet.api.sms_inbound import sign
from kabinet.comms import sms
from kabinet.comms.models import InboundSms
from kabinet.comms.services.sms_commands import handle_inbound_sms
from kabinet.metering.models import Reading
from tests import factories
from tests.metering.factories import MeterFactory, ReadingFactory

SECRET = "gateway-shared-secret"
TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.KABINET_SMS_INBOUND_SECRET = SECRET


@pytest.fixture
def meter(account):
    meter = MeterFactory(account=account)
    ReadingFactory(meter=meter, value=Decimal("100"), taken_on=dt.date(2026, 10, 20))
    return meter


def post(body: dict, *, as_json=True, signature=None, client=None):
    client = client or Client()
    if as_json:
        raw = json.dumps(body).encode()
        content_type = "application/json"
    else:
        from urllib.parse import urlencode

        raw = urlencode(body).encode()
        content_type = "application/x-www-form-urlencoded"
    headers = {} if signature == "" else {"X-Kabinet-Signature": signature or "sha256=" + sign(raw, SECRET)}
    return client.post("/sms/inbound", data=raw, content_type=content_type, headers=headers)


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "forged"])
def test_forged_or_missing_signature_is_refused_and_nothing_done(alice, signature):
    response = post({"phone": alice.phone, "text": "ДОЛГ"}, signature=signature)
    assert response.status_code == 403
    assert "reply" not in response.json()
    assert not InboundSms.objects.exists() and sms.outbox == []


def test_no_secret_configured_refuses_everything(settings, alice):
    settings.KABINET_SMS_INBOUND_SECRET = ""
    assert post({"phone": alice.phone, "text": "ДОЛГ"}).status_code == 403


def test_only_post(client):
    assert client.get("/sms/inbound").status_code == 405


def test_unknown_number_gets_a_polite_refusal_revealing_nothing(django_capture_on_commit_callbacks, account):
    with django_capture_on_commit_callbacks(execute=True):
        response = post({"from": "+7 912 000-00-99", "message": f"ДОЛГ {account.number}"}, as_json=False)
    assert response.status_code == 200
    reply = response.json()["reply"]
    assert reply.startswith("Извините, этот номер телефона не подключён к Кабинету.")  # SMS replies are in Russian
    assert account.number not in reply and "задолж" not in reply.lower()
    assert sms.outbox == [("+79120000099", reply)]
    log = InboundSms.objects.get()
    assert log.outcome == "unknown_sender" and log.user is None and log.account is None


def test_unconfirmed_phone_is_unknown(db, account):
    user = factories.UserFactory(phone="+79120000055", phone_confirmed=False)
    factories.AccountLinkFactory(user=user, account=account)
    assert handle_inbound_sms("+79120000055", "ДОЛГ").outcome == "unknown_sender"


def test_debt(django_capture_on_commit_callbacks, alice, account):
    factories.BalanceFactory(account=account, period=dt.date(2026, 10, 1), charged=Decimal("1523.40"))
    with django_capture_on_commit_callbacks(execute=True):
        response = post({"phone": alice.phone, "text": "  dolg   "})
    expected = "Лицевой счёт 1000200: задолженность 1 523,40 руб."
    assert response.json() == {"reply": expected, "outcome": "ok"}
    assert sms.outbox == [(alice.phone, expected)]
    log = InboundSms.objects.get()
    assert log.account == account and log.command == "debt" and log.reply_notification.status == "sent"


def test_debt_of_an_account_not_linked_reveals_nothing(alice, other_org):
    foreign = factories.AccountFactory(organization=other_org, number="7777777")
    factories.BalanceFactory(account=foreign, charged=Decimal("99.00"))
    log = handle_inbound_sms(alice.phone, "Д 7777777")
    assert log.reply == "Account 7777777 is not linked to this phone number."
    assert log.reply == handle_inbound_sms(alice.phone, "Д 0000000").reply.replace("0000000", "7777777")


def test_help(alice):
    log = handle_inbound_sms(alice.phone, "?")
    assert log.outcome == "ok" and "ПОКАЗАНИЯ" in log.reply and "ДОЛГ" in log.reply


def test_not_a_command(alice):
    log = handle_inbound_sms(alice.phone, "привет")
    assert log.outcome == "invalid" and log.reply.startswith("Command not recognised.")


def test_readings_are_stored_with_the_portal_validation(alice, account, meter):
    log = handle_inbound_sms(alice.phone, "ПОКАЗАНИЯ 1000200 105,5", today=TODAY)
    assert log.outcome == "ok", log.reply
    assert "accepted" in log.reply and "5.5 м³" in log.reply
    reading = Reading.objects.get(source="sms")
    assert reading.value == Decimal("105.5") and reading.submitted_by == alice and reading.meter == meter
    # The account may be left out with one account.
    assert handle_inbound_sms(alice.phone, "p 106", today=TODAY).outcome == "ok"
    # Below the previous reading: refused with the portal's message, nothing stored.
    before = Reading.objects.count()
    log = handle_inbound_sms(alice.phone, "P 1000200 90", today=TODAY)
    assert log.outcome == "rejected" and log.reply.startswith("Readings not accepted:")
    assert Reading.objects.count() == before


def test_readings_count_must_match_the_zones(alice, account, meter):
    log = handle_inbound_sms(alice.phone, "P 1000200 105 200", today=TODAY)
    assert log.outcome == "rejected" and "needs these values" in log.reply


def test_readings_need_the_readings_right(bob, account, meter):
    bob.phone_confirmed = True
    bob.save()
    AccountLink.objects.create(user=bob, account=account, role="delegate", can_appeals=True)
    log = handle_inbound_sms(bob.phone, "P 1000200 105", today=TODAY)
    assert log.outcome == "refused" and not Reading.objects.filter(source="sms").exists()
    assert handle_inbound_sms(bob.phone, "D 1000200").outcome == "ok"  # viewing is allowed


def test_several_accounts_need_the_number(alice, account, meter, org):
    second = factories.AccountFactory(organization=org)
    factories.AccountLinkFactory(user=alice, account=second)
    log = handle_inbound_sms(alice.phone, "P 105", today=TODAY)
    assert log.outcome == "refused" and "Several accounts" in log.reply


def test_a_retried_delivery_is_handled_once(alice, account, meter):
    body = {"phone": alice.phone, "text": "P 105", "id": "gw-1"}
    first = post(body).json()
    assert post(body).json() == first
    assert InboundSms.objects.count() == 1


def test_overpayment_and_no_debt(alice, account):
    assert handle_inbound_sms(alice.phone, "D").reply == "Account 1000200: no debt."
    factories.BalanceFactory(account=account, charged=Decimal("0"), paid=Decimal("200"))
    assert handle_inbound_sms(alice.phone, "D").reply == "Account 1000200: overpayment 200,00 руб., nothing to pay."


def test_a_flood_from_one_phone_is_logged_but_not_answered(settings, alice):
    settings.KABINET_SMS_INBOUND_PER_HOUR = 3
    for _ in range(3):
        assert post({"phone": alice.phone, "text": "ПОМОЩЬ"}).json()["reply"]
    replies_before = len(sms.outbox)
    response = post({"phone": alice.phone, "text": "ПОМОЩЬ"})
    assert response.status_code == 200 and response.json() == {"reply": "", "outcome": "refused"}
    assert len(sms.outbox) == replies_before
    assert InboundSms.objects.filter(phone=alice.phone).count() == 4


def post_delivery(body: dict, signature=None):
    raw = json.dumps(body).encode()
    headers = {"X-Kabinet-Signature": signature or "sha256=" + sign(raw, SECRET)}
    return Client().post("/sms/delivery", data=raw, content_type="application/json", headers=headers)


def test_delivery_reports_mark_sent_messages(alice):
    from kabinet.comms.models import Notification

    reply = Notification.objects.create(channel="sms", recipient=alice.phone, template_key="sms_reply",
                                        body="ok", status=Notification.Status.SENT, gateway_id="gw-42")
    assert post_delivery({"id": reply.gateway_id, "status": "failed"}, signature="forged").status_code == 403
    reply.refresh_from_db()
    assert reply.status == Notification.Status.SENT
    assert post_delivery({"id": reply.gateway_id, "status": "delivered"}).json() == {"updated": 1}
    reply.refresh_from_db()
    assert reply.status == Notification.Status.DELIVERED
    assert post_delivery({"status": "delivered"}).status_code == 400
