"""The sandbox bank's card page: validation, test cards, signed callbacks, back to the shop."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.billing.models import Payment
from kabinet.payments import services, tasks
from kabinet.payments.acquirers.sandbox import SIGNATURE_HEADER, sign
from kabinet.payments.models import SandboxPayment

pytestmark = pytest.mark.django_db


@pytest.fixture
def delivered(monkeypatch, client):
    """Deliver the sandbox's HTTP callbacks to the test client instead of the network."""
    calls = []

    def post(url, body, signature):
        calls.append(json.loads(body))
        response = client.post(url.replace("http://testserver", ""), body, content_type="application/json",
                               headers={SIGNATURE_HEADER: signature})
        return response.status_code

    monkeypatch.setattr(tasks, "post_callback", post)
    return calls


def start(debtor, amount="250"):
    order = services.create_order(debtor.user, [(debtor.account.pk, debtor.org.pk, amount)])
    url = services.start_checkout(order, return_url="http://testserver/back/",
                                  callback_url="http://testserver" + reverse("payments:callback", args=["sandbox"]))
    order.refresh_from_db()
    return order, url


def card(number, expiry=None, cvc="123"):
    expiry = expiry or (dt.date.today() + dt.timedelta(days=400)).strftime("%m/%y")
    return {"number": number, "expiry": expiry, "cvc": cvc, "action": "pay"}


def test_the_card_page_shows_the_amount_and_the_test_cards(debtor, client):
    order, url = start(debtor)
    page = client.get(url).content.decode()
    assert "250,00" in page and "4111 1111 1111 1111" in page and "ПЕСОЧНИЦА" in page  # Russian first


@pytest.mark.parametrize(("data", "field"), [
    (card("4111 1111 1111 1112"), "number"),  # Luhn
    (card("4111111111111111", expiry="01/20"), "expiry"),
    (card("4111111111111111", expiry="13/30"), "expiry"),
    (card("4111111111111111", cvc="12"), "cvc"),
])
def test_bad_card_data_is_shown_again_with_the_error(debtor, client, delivered, data, field):
    order, url = start(debtor)
    response = client.post(url, data)
    assert response.status_code == 400 and response.context["form"].errors[field]
    assert delivered == [] and SandboxPayment.objects.get(token=order.external_id).status == "new"


def test_the_success_card_sends_a_signed_callback_and_returns_to_the_shop(debtor, client, delivered):
    order, url = start(debtor)
    response = client.post(url, card("4111 1111 1111 1111"))
    assert response.status_code == 302 and response["Location"] == "http://testserver/back/"
    assert delivered == [{"payment_id": order.external_id, "order_id": str(order.uuid), "status": "succeeded",
                          "amount": "250.00"}]
    order.refresh_from_db()
    assert order.status == "succeeded" and Payment.objects.get().amount == Decimal("250.00")
    assert client.get(url)["Location"] == "http://testserver/back/"  # a used page does not take a card again


def test_the_decline_card_and_cancel_fail_the_order_without_money(debtor, client, delivered):
    order, url = start(debtor)
    client.post(url, card("4000 0000 0000 0002"))
    order.refresh_from_db()
    assert order.status == "failed" and not Payment.objects.exists()
    other, url = start(debtor, "10")
    client.post(url, {"action": "cancel"})
    other.refresh_from_db()
    assert other.status == "failed"


def test_pending_then_success(debtor, client, delivered, settings):
    from django.utils import timezone

    settings.KABINET_SANDBOX_PENDING_SECONDS = 60
    order, url = start(debtor)
    client.post(url, card("4000000000000077"))
    assert [call["status"] for call in delivered] == ["pending"]
    order.refresh_from_db()
    assert order.status == "pending" and not Payment.objects.exists()
    assert services.refresh_order(order).status == "pending"  # the bank still says pending
    SandboxPayment.objects.filter(token=order.external_id).update(succeed_after=timezone.now())  # time passes
    tasks.settle_sandbox_payment(order.external_id)  # the delayed job: succeed and notify
    order.refresh_from_db()
    assert [call["status"] for call in delivered] == ["pending", "succeeded"]
    assert order.status == "succeeded" and Payment.objects.count() == 1


def test_callback_signature_is_over_the_raw_body(debtor):
    order, _url = start(debtor)
    body = json.dumps({"payment_id": order.external_id, "status": "succeeded", "amount": "250.00"}).encode()
    assert services.handle_callback("sandbox", body, {SIGNATURE_HEADER: sign(body)}).outcome == "credited"
    assert services.handle_callback("sandbox", body + b" ", {SIGNATURE_HEADER: sign(body)}).outcome == "rejected"
