"""What every acquirer (the bank or payment service that takes the card) offers the payment centre.

The payment centre never trusts a callback body by itself: an acquirer either verifies a signature
(the sandbox: HMAC-SHA256) or re-reads the status from its own API (YooKassa), and only then reports.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

PENDING = "pending"
SUCCEEDED = "succeeded"
FAILED = "failed"  # declined or cancelled: the money was not taken


class AcquirerError(Exception):
    """The acquirer could not be reached or answered with an error; nothing was charged."""


class CallbackRejected(Exception):
    """A callback that must not be acted on: bad signature, malformed body, unknown event.

    `reason` is a short machine word for the callback log (e.g. "signature", "malformed")."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class CheckoutRequest:
    """A payment to start: `order_id` is our idempotency key (the PaymentOrder's uuid, as text)."""

    order_id: str
    amount: Decimal  # total charged to the payer, roubles with kopecks
    description: str
    return_url: str  # where the acquirer sends the payer back (absolute URL)
    callback_url: str  # where it sends server-to-server notifications (absolute URL)


@dataclass(frozen=True)
class Checkout:
    external_id: str  # the payment's id at the acquirer
    redirect_url: str  # the acquirer's page for the payer


@dataclass(frozen=True)
class StatusReport:
    """The acquirer's verified word about one payment."""

    external_id: str
    status: str  # PENDING, SUCCEEDED or FAILED
    amount: Decimal  # the amount the acquirer says was (or will be) charged
    order_id: str = ""  # our order id if the acquirer echoes it back (metadata)
    raw: dict = field(default_factory=dict)


class Acquirer(Protocol):
    code: str  # "sandbox", "yookassa": stored on the order, names the callback URL

    def create(self, request: CheckoutRequest) -> Checkout:
        """Register the payment at the acquirer; raises AcquirerError."""

    def parse_callback(self, body: bytes, headers: dict) -> StatusReport:
        """Verify a callback and return the verified status; raises CallbackRejected."""

    def fetch_status(self, external_id: str) -> StatusReport:
        """Ask the acquirer for the payment's current status (re-check job); raises AcquirerError."""
