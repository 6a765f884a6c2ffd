"""Callbacks are verified and idempotent: forged, unknown, replayed, wrong amount, out of order, and the
same callback 20 times at once never credit twice and never lose a payment."""

import json
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.urls import reverse

from kabinet.billing.models import Payment
from kabinet.payments import services
from kabinet.payments.acquirers.sandbox import SIGNATURE_HEADER, sign
from kabinet.payments.models import CallbackLog, PaymentOrder, SandboxPayment

D = Decimal


def checkout(debtor, amount="300"):
    order = services.create_order(debtor.user, [(debtor.account.pk, debtor.org.pk, amount)])
    services.start_checkout(order, return_url="http://testserver/back", callback_url="http://testserver/cb")
    order.refresh_from_db()
    return order


def body_for(order, status="succeeded", amount=None):
    return json.dumps({"payment_id": order.external_id, "order_id": str(order.uuid), "status": status,
                       "amount": amount or f"{order.total:.2f}"}).encode()


def post(client, body, signature=None):
    return client.post(reverse("payments:callback", kwargs={"acquirer": "sandbox"}), body,
                       content_type="application/json",
                       headers={SIGNATURE_HEADER: sign(body) if signature is None else signature})


@pytest.mark.django_db
def test_a_signed_success_credits_once_and_a_replay_is_a_duplicate(debtor, client):
    order = checkout(debtor)
    body = body_for(order)
    assert post(client, body).json() == {"outcome": "credited"}
    assert post(client, body).json() == {"outcome": "duplicate"}
    order.refresh_from_db()
    assert order.status == "succeeded" and Payment.objects.filter(account=debtor.account).count() == 1
    assert list(CallbackLog.objects.order_by("pk").values_list("outcome", flat=True)) == ["credited", "duplicate"]


@pytest.mark.django_db
def test_a_forged_or_missing_signature_is_refused_and_logged(debtor, client):
    order = checkout(debtor)
    body = body_for(order)
    assert post(client, body, signature="0" * 64).status_code == 400
    assert post(client, body, signature="").status_code == 400
    tampered = body_for(order, amount="1.00")
    assert post(client, tampered, signature=sign(body)).status_code == 400
    assert not Payment.objects.exists()
    assert set(CallbackLog.objects.values_list("outcome", flat=True)) == {"rejected"}
    assert client.get(reverse("payments:callback", kwargs={"acquirer": "sandbox"})).status_code == 405


@pytest.mark.django_db
def test_unknown_payment_malformed_body_and_unknown_acquirer(debtor, client):
    body = json.dumps({"payment_id": "sbx_nope", "order_id": "x", "status": "succeeded", "amount": "1.00"}).encode()
    assert post(client, body).status_code == 404
    assert post(client, b"{not json").status_code == 400
    assert client.post("/payments/callback/nobank/", b"{}", content_type="application/json").status_code == 404
    assert not Payment.objects.exists()
    assert list(CallbackLog.objects.order_by("pk").values_list("outcome", flat=True)) == ["unknown_order", "rejected"]


@pytest.mark.django_db
def test_an_amount_mismatch_is_not_credited(debtor, client):
    order = checkout(debtor)
    assert post(client, body_for(order, amount="3.00")).json() == {"outcome": "amount_mismatch"}
    order.refresh_from_db()
    assert order.status == "pending" and not Payment.objects.exists()


@pytest.mark.django_db
def test_out_of_order_callbacks_never_undo_or_lose_a_payment(debtor, client):
    order = checkout(debtor)
    assert post(client, body_for(order, "pending")).json() == {"outcome": "pending"}
    assert post(client, body_for(order, "succeeded")).json() == {"outcome": "credited"}
    assert post(client, body_for(order, "failed")).json() == {"outcome": "out_of_order"}
    assert post(client, body_for(order, "pending")).json() == {"outcome": "out_of_order"}
    order.refresh_from_db()
    assert order.status == "succeeded" and Payment.objects.count() == 1


@pytest.mark.django_db
def test_a_success_after_a_failure_is_still_credited(debtor, client):
    order = checkout(debtor)
    assert post(client, body_for(order, "failed")).json() == {"outcome": "failed"}
    assert post(client, body_for(order, "succeeded")).json() == {"outcome": "credited"}
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_the_recheck_job_completes_a_payment_whose_callback_was_lost(debtor, settings):
    import datetime as dt

    from django.utils import timezone

    order = checkout(debtor)
    SandboxPayment.objects.filter(token=order.external_id).update(
        status="pending", succeed_after=timezone.now() - dt.timedelta(seconds=1))
    PaymentOrder.objects.filter(pk=order.pk).update(created_at=timezone.now() - dt.timedelta(minutes=10))
    assert services.recheck_pending() == 1
    order.refresh_from_db()
    assert order.status == "succeeded" and Payment.objects.count() == 1
    assert services.recheck_pending() == 0


@pytest.mark.django_db(transaction=True)
def test_the_same_callback_twenty_times_at_once_credits_once(debtor):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks; this runs on PostgreSQL and MariaDB in CI")
    order = checkout(debtor)
    body = body_for(order)
    headers = {SIGNATURE_HEADER: sign(body)}
    barrier = threading.Barrier(20)
    outcomes, errors = [], []

    def hit():
        try:
            barrier.wait()
            outcomes.append(services.handle_callback("sandbox", body, headers).outcome)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hit) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(outcomes) == ["credited"] + ["duplicate"] * 19
    assert Payment.objects.filter(account=debtor.account).count() == 1
    order.refresh_from_db()
    assert order.status == "succeeded" and order.lines.get().payment.amount == D("300.00")
