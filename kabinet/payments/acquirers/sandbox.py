"""The built-in sandbox acquirer: a bank's card page on our own URL prefix (`/sandbox-acquirer/`), test
cards, and server-to-server callbacks signed with HMAC-SHA256 — the whole flow without real money.

Test cards (any future expiry, any 3-digit CVC):
  4111 1111 1111 1111  success
  4000 0000 0000 0002  declined
  4000 0000 0000 0077  pending, then success after KABINET_SANDBOX_PENDING_SECONDS
"""

import hashlib
import hmac
import json
import secrets
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from kabinet.payments import conf
from kabinet.payments.acquirers.base import (
    FAILED,
    PENDING,
    SUCCEEDED,
    AcquirerError,
    CallbackRejected,
    Checkout,
    CheckoutRequest,
    StatusReport,
)

SIGNATURE_HEADER = "X-Sandbox-Signature"
SUCCESS_CARD, DECLINE_CARD, PENDING_CARD = "4111111111111111", "4000000000000002", "4000000000000077"
STATUSES = {"new": PENDING, "pending": PENDING, "succeeded": SUCCEEDED, "failed": FAILED}


def sign(body: bytes) -> str:
    return hmac.new(conf.sandbox_secret(), body, hashlib.sha256).hexdigest()


def callback_body(payment) -> bytes:
    return json.dumps({"payment_id": payment.token, "order_id": payment.order_id, "status": payment.status,
                       "amount": f"{payment.amount:.2f}"}, sort_keys=True).encode()


def _header(headers: dict, name: str) -> str:
    wanted = name.lower()
    for key, value in (headers or {}).items():
        if key.lower() == wanted or key.lower() == "http_" + wanted.replace("-", "_"):
            return value
    return ""


def settle_if_due(payment):
    """A "pending then success" payment becomes succeeded once its time has come."""
    if payment.status == "pending" and payment.succeed_after and payment.succeed_after <= timezone.now():
        payment.status = "succeeded"
        payment.save(update_fields=["status"])
    return payment


class SandboxAcquirer:
    code = "sandbox"

    def create(self, request: CheckoutRequest) -> Checkout:
        from kabinet.payments.models import SandboxPayment

        if request.amount <= 0:
            raise AcquirerError("The amount must be positive.")
        payment = SandboxPayment.objects.create(
            token=f"sbx_{secrets.token_urlsafe(24)}", order_id=request.order_id, amount=request.amount,
            description=request.description[:255], return_url=request.return_url, callback_url=request.callback_url)
        return Checkout(payment.token, reverse("payments:sandbox_pay", kwargs={"token": payment.token}))

    def parse_callback(self, body: bytes, headers: dict) -> StatusReport:
        signature = _header(headers, SIGNATURE_HEADER)
        if not signature or not hmac.compare_digest(signature, sign(body)):
            raise CallbackRejected("signature", "missing or wrong HMAC-SHA256 signature")
        try:
            data = json.loads(body)
            status = STATUSES[data["status"]]
            return StatusReport(str(data["payment_id"]), status, Decimal(str(data["amount"])),
                                str(data.get("order_id", "")), data)
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            raise CallbackRejected("malformed", str(exc)) from exc

    def fetch_status(self, external_id: str) -> StatusReport:
        from kabinet.payments.models import SandboxPayment

        payment = SandboxPayment.objects.filter(token=external_id).first()
        if payment is None:
            raise AcquirerError(f"No sandbox payment {external_id}.")
        settle_if_due(payment)
        return StatusReport(payment.token, STATUSES[payment.status], payment.amount, payment.order_id,
                            {"status": payment.status})
