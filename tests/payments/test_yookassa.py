"""The YooKassa adapter through the official SDK against a local fake of the API v3 (fake_yookassa.py):
payments are created once per order, amounts leave as exact strings, and a webhook is believed only
as far as the API confirms it."""

import base64
import json
import socket
import threading
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from kabinet.billing.models import Payment as BillingPayment
from kabinet.payments import services
from kabinet.payments.acquirers.base import (
    FAILED,
    PENDING,
    SUCCEEDED,
    AcquirerError,
    CallbackRejected,
    CheckoutRequest,
)
from kabinet.payments.acquirers.yookassa import YooKassaAcquirer, format_amount
from kabinet.payments.models import CallbackLog, PaymentOrder
from tests.payments.fake_yookassa import SECRET_KEY, SHOP_ID, fake_yookassa  # noqa: F401 (fixture)


def checkout_request(amount="1234.50", order_id=None, description="Оплата ЖКУ: л/с 1000200"):
    return CheckoutRequest(
        order_id=order_id or str(uuid.uuid4()),
        amount=Decimal(amount),
        description=description,
        return_url="https://kabinet.example/pay/return/",
        callback_url="https://kabinet.example/payments/callback/yookassa/",
    )


@pytest.fixture
def acquirer(fake_yookassa):  # noqa: F811
    return YooKassaAcquirer()


@pytest.fixture
def payment(acquirer):
    """A payment created at the fake for a known order, still pending."""
    request = checkout_request(amount="1500.00")
    checkout = acquirer.create(request)
    return checkout.external_id, request.order_id


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- create ---------------------------------------------------------------------------------------------


def test_create_sends_the_payment_and_returns_the_confirmation_page(acquirer, fake_yookassa):  # noqa: F811
    request = checkout_request(amount="1234.50")
    checkout = acquirer.create(request)

    (payment,) = fake_yookassa.payments.values()
    assert checkout.external_id == payment["id"]
    assert checkout.redirect_url == payment["confirmation"]["confirmation_url"]
    assert checkout.redirect_url.startswith("https://yoomoney.ru/checkout/")
    (sent,) = fake_yookassa.created()
    assert sent["headers"]["Idempotence-Key"] == request.order_id
    assert (
        sent["headers"]["Authorization"]
        == "Basic " + base64.b64encode(f"{SHOP_ID}:{SECRET_KEY}".encode()).decode()
    )
    body = json.loads(sent["body"])
    assert body["amount"] == {"value": "1234.50", "currency": "RUB"}  # a string, never a JSON number
    assert b'"value": "1234.50"' in sent["body"]
    assert body["confirmation"] == {"type": "redirect", "return_url": "https://kabinet.example/pay/return/"}
    assert body["capture"] is True
    assert body["description"] == "Оплата ЖКУ: л/с 1000200"
    assert body["metadata"]["order_id"] == request.order_id


def test_a_retried_create_does_not_charge_twice(acquirer, fake_yookassa):  # noqa: F811
    request = checkout_request()
    first = acquirer.create(request)
    again = YooKassaAcquirer().create(request)  # e.g. after a timeout, from another worker

    assert again == first
    assert len(fake_yookassa.created()) == 2
    assert len(fake_yookassa.payments) == 1
    other = acquirer.create(checkout_request())
    assert other.external_id != first.external_id
    assert len(fake_yookassa.payments) == 2


@pytest.mark.parametrize(
    "amount, sent",
    [("100", "100.00"), ("0.10", "0.10"), ("99999.9", "99999.90"), ("1234567.89", "1234567.89")],
)
def test_amount_is_sent_as_a_string_with_two_decimals(acquirer, fake_yookassa, amount, sent):  # noqa: F811
    acquirer.create(checkout_request(amount=amount))
    (request,) = fake_yookassa.created()
    assert json.loads(request["body"])["amount"]["value"] == sent


@pytest.mark.parametrize(
    "amount", [Decimal("0"), Decimal("-5.00"), Decimal("10.005"), Decimal("NaN"), 10.5, "10.50"]
)
def test_amounts_that_cannot_be_sent_exactly_are_refused(amount):
    with pytest.raises(AcquirerError):
        format_amount(amount)


def test_a_bad_amount_never_reaches_the_api(acquirer, fake_yookassa):  # noqa: F811
    with pytest.raises(AcquirerError, match="fractions of a kopeck"):
        acquirer.create(checkout_request(amount="10.001"))
    assert fake_yookassa.requests == []


def test_a_long_description_is_cut_to_the_api_limit(acquirer, fake_yookassa):  # noqa: F811
    acquirer.create(checkout_request(description="Оплата " + "л/с 1000200, " * 20))
    (request,) = fake_yookassa.created()
    assert len(json.loads(request["body"])["description"]) == 128


def test_bad_credentials_are_an_acquirer_error(fake_yookassa, monkeypatch):  # noqa: F811
    monkeypatch.setenv("KABINET_YOOKASSA_SECRET_KEY", "test_wrong")
    with pytest.raises(AcquirerError, match="invalid_credentials"):
        YooKassaAcquirer().create(checkout_request())
    assert fake_yookassa.payments == {}


def test_missing_credentials_are_named(monkeypatch):
    monkeypatch.setenv("KABINET_YOOKASSA_SHOP_ID", "506751")
    monkeypatch.delenv("KABINET_YOOKASSA_SECRET_KEY", raising=False)
    with pytest.raises(AcquirerError, match="KABINET_YOOKASSA_SECRET_KEY") as error:
        YooKassaAcquirer()
    assert "KABINET_YOOKASSA_SHOP_ID" not in str(error.value)


def test_the_official_api_is_the_default(monkeypatch):
    monkeypatch.setenv("KABINET_YOOKASSA_SHOP_ID", "506751")
    monkeypatch.setenv("KABINET_YOOKASSA_SECRET_KEY", "live_x")
    monkeypatch.delenv("KABINET_YOOKASSA_API_URL", raising=False)
    assert YooKassaAcquirer().settings.api_url == "https://api.yookassa.ru/v3"


def test_server_down_is_an_acquirer_error(monkeypatch, fake_yookassa):  # noqa: F811
    monkeypatch.setenv("KABINET_YOOKASSA_API_URL", f"http://127.0.0.1:{unused_port()}/v3")
    with pytest.raises(AcquirerError, match="could not be reached"):
        YooKassaAcquirer().create(checkout_request())


def test_a_hung_api_times_out(acquirer, fake_yookassa, monkeypatch):  # noqa: F811
    monkeypatch.setenv("KABINET_YOOKASSA_TIMEOUT", "0.3")
    fake_yookassa.delay = 1.5
    with pytest.raises(AcquirerError, match="could not be reached"):
        YooKassaAcquirer().create(checkout_request())


def test_a_server_error_is_an_acquirer_error(acquirer, fake_yookassa):  # noqa: F811
    fake_yookassa.fail_with = 500
    with pytest.raises(AcquirerError, match="HTTP 500"):
        acquirer.create(checkout_request())


def test_shops_in_parallel_threads_keep_their_own_credentials(fake_yookassa, monkeypatch):  # noqa: F811
    """The SDK's configuration is global; one shop's calls must never go out with another's key."""
    good = YooKassaAcquirer()
    monkeypatch.setenv("KABINET_YOOKASSA_SECRET_KEY", "test_wrong")
    bad = YooKassaAcquirer()
    outcomes = {"good": [], "bad": []}

    def run(name, acquirer):
        for _ in range(8):
            try:
                acquirer.create(checkout_request())
                outcomes[name].append("created")
            except AcquirerError:
                outcomes[name].append("refused")

    threads = [threading.Thread(target=run, args=pair) for pair in [("good", good), ("bad", bad)] * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == {"good": ["created"] * 16, "bad": ["refused"] * 16}
    assert len(fake_yookassa.payments) == 16


# --- status and webhooks ---------------------------------------------------------------------------------


def test_fetch_status_reads_the_payment(acquirer, fake_yookassa, payment):  # noqa: F811
    external_id, order_id = payment
    report = acquirer.fetch_status(external_id)
    assert (report.external_id, report.status, report.amount, report.order_id) == (
        external_id,
        PENDING,
        Decimal("1500.00"),
        order_id,
    )

    fake_yookassa.set_status(external_id, "succeeded")
    report = acquirer.fetch_status(external_id)
    assert report.status == SUCCEEDED
    assert isinstance(report.amount, Decimal) and report.amount == Decimal("1500.00")
    assert json.loads(json.dumps(report.raw))["payment_method"]["type"] == "bank_card"


def test_fetch_status_of_an_unknown_payment_is_an_acquirer_error(acquirer):
    with pytest.raises(AcquirerError, match="no such payment"):
        acquirer.fetch_status("2d6d5970-000f-5000-9000-145f6df21d6f")
    with pytest.raises(AcquirerError):
        acquirer.fetch_status("../refunds/x")


def test_waiting_for_capture_is_still_pending(acquirer, fake_yookassa, payment):  # noqa: F811
    external_id, _ = payment
    fake_yookassa.set_status(external_id, "waiting_for_capture")
    assert acquirer.fetch_status(external_id).status == PENDING


def test_webhook_is_verified_by_the_api(acquirer, fake_yookassa, payment):  # noqa: F811
    external_id, order_id = payment
    fake_yookassa.set_status(external_id, "succeeded")
    report = acquirer.parse_callback(fake_yookassa.notification(external_id), {})
    assert (report.external_id, report.status, report.amount, report.order_id) == (
        external_id,
        SUCCEEDED,
        Decimal("1500.00"),
        order_id,
    )
    assert fake_yookassa.requests[-1]["path"] == f"/v3/payments/{external_id}"


def test_a_succeeded_webhook_while_the_api_says_pending_reports_pending(acquirer, fake_yookassa, payment):  # noqa: F811
    external_id, order_id = payment
    forged = fake_yookassa.notification(
        external_id,
        "payment.succeeded",
        status="succeeded",
        paid=True,
        amount={"value": "999999.00", "currency": "RUB"},
        metadata={"order_id": "someone-else"},
    )
    report = acquirer.parse_callback(forged, {})
    assert (report.status, report.amount, report.order_id) == (PENDING, Decimal("1500.00"), order_id)


def test_a_canceled_payment_is_failed(acquirer, fake_yookassa, payment):  # noqa: F811
    external_id, _ = payment
    fake_yookassa.set_status(external_id, "canceled")
    report = acquirer.parse_callback(fake_yookassa.notification(external_id, "payment.canceled"), {})
    assert report.status == FAILED
    assert report.raw["cancellation_details"]["reason"] == "expired_on_confirmation"
    assert report.raw["reason"] == "expired_on_confirmation"  # what the payment centre records


def test_a_webhook_about_an_unknown_payment_is_rejected(acquirer, fake_yookassa, payment):  # noqa: F811
    external_id, _ = payment
    body = fake_yookassa.notification(
        external_id, "payment.succeeded", id="2d6d5970-000f-5000-9000-145f6df21d6f"
    )
    with pytest.raises(CallbackRejected) as rejected:
        acquirer.parse_callback(body, {})
    assert rejected.value.reason == "unknown"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b'{"type": "notification", "event": "payment.succeeded"}',
        b'{"type": "notification", "event": "payment.succeeded", "object": {}}',
        b'{"type": "notification", "event": "payment.succeeded", "object": "2d6d5970"}',
        b'{"type": "something", "event": "payment.succeeded", "object": {"id": "2d6d5970"}}',
        b'{"type": "notification", "event": "payment.succeeded", "object": {"id": "../refunds/1"}}',
        b'{"type": "notification", "event": "payment.succeeded", "object": {"id": 42}}',
    ],
)
def test_malformed_webhooks_are_rejected_without_asking_the_api(acquirer, fake_yookassa, body):  # noqa: F811
    with pytest.raises(CallbackRejected) as rejected:
        acquirer.parse_callback(body, {})
    assert rejected.value.reason == "malformed"
    assert fake_yookassa.requests == []


def test_other_events_are_rejected(acquirer, fake_yookassa):  # noqa: F811
    body = {
        "type": "notification",
        "event": "refund.succeeded",
        "object": {
            "id": "216749f7-0016-50be-b000-078d43a63ae4",
            "payment_id": "216749da-000f-50be-b000-096747fad91e",
            "status": "succeeded",
            "amount": {"value": "1.00", "currency": "RUB"},
            "created_at": "2017-10-04T19:27:51.407Z",
        },
    }
    with pytest.raises(CallbackRejected) as rejected:
        acquirer.parse_callback(json.dumps(body).encode(), {})
    assert rejected.value.reason == "unsupported"
    assert fake_yookassa.requests == []


def test_a_webhook_that_cannot_be_verified_now_is_rejected(acquirer, fake_yookassa, payment):  # noqa: F811
    external_id, _ = payment
    fake_yookassa.set_status(external_id, "succeeded")
    fake_yookassa.fail_with = 503
    with pytest.raises(CallbackRejected) as rejected:
        acquirer.parse_callback(fake_yookassa.notification(external_id), {})
    assert rejected.value.reason == "unverified"


# --- through the payment centre -----------------------------------------------------------------------------


def test_a_yookassa_webhook_credits_the_order_once(alice, account, org, fake_yookassa):  # noqa: F811

    order = services.create_order(alice, [(account, org, Decimal("1500.00"))], acquirer_code="yookassa")
    redirect_url = services.start_checkout(
        order,
        return_url="https://kabinet.example/pay/return/",
        callback_url="https://kabinet.example/payments/callback/yookassa/",
    )
    order.refresh_from_db()
    (payment,) = fake_yookassa.payments.values()
    assert (order.status, order.external_id, redirect_url) == (
        PaymentOrder.Status.PENDING,
        payment["id"],
        payment["confirmation"]["confirmation_url"],
    )
    assert payment["amount"]["value"] == f"{order.total:.2f}"
    assert payment["metadata"]["order_id"] == str(order.uuid)

    # A "succeeded" posted before the payer has paid: YooKassa still says pending, nothing is credited.
    early = fake_yookassa.notification(order.external_id, "payment.succeeded", status="succeeded", paid=True)
    assert services.handle_callback("yookassa", early, {}).outcome == CallbackLog.Outcome.PENDING
    assert not BillingPayment.objects.filter(account=account).exists()

    fake_yookassa.set_status(order.external_id, "succeeded")
    body = fake_yookassa.notification(order.external_id)
    first = services.handle_callback("yookassa", body, {})
    replay = services.handle_callback("yookassa", body, {})

    assert (first.outcome, replay.outcome) == (CallbackLog.Outcome.CREDITED, CallbackLog.Outcome.DUPLICATE)
    assert first.order == replay.order == order
    (credited,) = BillingPayment.objects.filter(account=account)
    assert credited.amount == Decimal("1500.00")
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.SUCCEEDED


def test_a_webhook_about_a_payment_yookassa_does_not_know_is_logged_as_rejected(db, fake_yookassa):  # noqa: F811

    body = json.dumps(
        {
            "type": "notification",
            "event": "payment.succeeded",
            "object": {
                "id": "2d6d5970-000f-5000-9000-145f6df21d6f",
                "status": "succeeded",
                "amount": {"value": "1500.00", "currency": "RUB"},
            },
        }
    ).encode()
    log = services.handle_callback("yookassa", body, {})
    assert log.outcome == CallbackLog.Outcome.REJECTED
    assert log.detail.startswith("unknown")


def test_a_canceled_yookassa_payment_fails_the_order_with_the_reason(alice, account, org, fake_yookassa):  # noqa: F811
    order = services.create_order(alice, [(account, org, Decimal("700.00"))], acquirer_code="yookassa")
    services.start_checkout(
        order, return_url="https://kabinet.example/r/", callback_url="https://kabinet.example/c/"
    )
    order.refresh_from_db()
    fake_yookassa.set_status(order.external_id, "canceled")

    log = services.handle_callback("yookassa", fake_yookassa.notification(order.external_id), {})

    assert log.outcome == CallbackLog.Outcome.FAILED
    order.refresh_from_db()
    assert (order.status, order.failure_reason) == (PaymentOrder.Status.FAILED, "expired_on_confirmation")
    assert not BillingPayment.objects.filter(account=account).exists()


def test_the_webhook_url_of_the_docs_credits_once(client, alice, account, org, fake_yookassa):  # noqa: F811
    url = reverse("payments:callback", args=["yookassa"])
    assert url == "/payments/callback/yookassa/"  # what docs/yookassa.md says to register at YooKassa
    order = services.create_order(alice, [(account, org, Decimal("250.00"))], acquirer_code="yookassa")
    services.start_checkout(
        order, return_url="https://kabinet.example/r/", callback_url="https://kabinet.example/c/"
    )
    order.refresh_from_db()
    fake_yookassa.set_status(order.external_id, "succeeded")
    body = fake_yookassa.notification(order.external_id)

    answers = [client.post(url, body, content_type="application/json") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 200]  # YooKassa stops resending on 200
    assert [a.json()["outcome"] for a in answers] == ["credited", "duplicate", "duplicate"]
    assert BillingPayment.objects.filter(account=account).count() == 1
    assert client.post(url, b"{not json", content_type="application/json").status_code == 400
