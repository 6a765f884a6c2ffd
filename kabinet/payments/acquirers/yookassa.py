"""YooKassa (ЮKassa) through its official SDK: create a payment, send the payer to its confirmation
page, and turn webhooks into verified status reports (docs/yookassa.md).

YooKassa does not sign its notifications, so the body is never believed: it only names a payment,
whose status, amount and order id are then read back from the API with the shop's credentials.

Settings (environment): KABINET_YOOKASSA_SHOP_ID, KABINET_YOOKASSA_SECRET_KEY, optional
KABINET_YOOKASSA_API_URL (tests point it at a local fake) and KABINET_YOOKASSA_TIMEOUT (seconds).
"""

import functools
import json
import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import requests
from yookassa import Configuration, Payment
from yookassa.client import ApiClient
from yookassa.domain.exceptions import ApiError, NotFoundError
from yookassa.domain.notification import WebhookNotificationEventType, WebhookNotificationFactory
from yookassa.domain.request import PaymentRequest

from .base import (
    FAILED,
    PENDING,
    SUCCEEDED,
    AcquirerError,
    CallbackRejected,
    Checkout,
    CheckoutRequest,
    StatusReport,
)

DEFAULT_API_URL = "https://api.yookassa.ru/v3"
DEFAULT_TIMEOUT = 15.0  # seconds per HTTP request: a stuck API must not hold a web worker forever
CURRENCY = "RUB"
DESCRIPTION_MAX = 128  # the API's limit for `description`
KOPECK = Decimal("0.01")

# A payment's status at YooKassa → ours. We create payments with capture=true, so waiting_for_capture
# is only a moment before succeeded; the money is not ours until then.
STATUSES = {
    "pending": PENDING,
    "waiting_for_capture": PENDING,
    "succeeded": SUCCEEDED,
    "canceled": FAILED,
}
PAYMENT_EVENTS = {
    WebhookNotificationEventType.PAYMENT_SUCCEEDED,
    WebhookNotificationEventType.PAYMENT_CANCELED,
    WebhookNotificationEventType.PAYMENT_WAITING_FOR_CAPTURE,
}
# Payment ids are UUID-like; anything else must not reach a URL path ("../refunds/…").
PAYMENT_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{0,63}")

# The SDK keeps credentials and the API URL in class attributes of `Configuration` and copies them
# into each ApiClient when the client is built; setting them and building the client under one lock
# keeps shops and threads apart, while the HTTP call itself runs outside the lock.
_configuration_lock = threading.Lock()


class UnknownPayment(AcquirerError):
    """YooKassa has no payment with this id for this shop."""


@dataclass(frozen=True)
class YooKassaSettings:
    shop_id: str
    secret_key: str
    api_url: str = DEFAULT_API_URL
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def from_env(cls) -> "YooKassaSettings":
        shop_id = os.environ.get("KABINET_YOOKASSA_SHOP_ID", "").strip()
        secret_key = os.environ.get("KABINET_YOOKASSA_SECRET_KEY", "").strip()
        missing = [
            name
            for name, value in (
                ("KABINET_YOOKASSA_SHOP_ID", shop_id),
                ("KABINET_YOOKASSA_SECRET_KEY", secret_key),
            )
            if not value
        ]
        if missing:
            raise AcquirerError(
                f"YooKassa is not configured: set {' and '.join(missing)} "
                "(the shop id and a secret key from the YooKassa merchant profile)."
            )
        api_url = os.environ.get("KABINET_YOOKASSA_API_URL", "").strip().rstrip("/") or DEFAULT_API_URL
        try:
            timeout = float(os.environ.get("KABINET_YOOKASSA_TIMEOUT") or DEFAULT_TIMEOUT)
        except ValueError:
            raise AcquirerError("KABINET_YOOKASSA_TIMEOUT must be a number of seconds.") from None
        return cls(shop_id, secret_key, api_url, timeout)


class _ShopClient(ApiClient):
    """The SDK's API client built for one shop's settings, with a timeout on every request."""

    def __init__(self, settings: YooKassaSettings):
        with _configuration_lock:
            Configuration.configure(settings.shop_id, settings.secret_key, api_url=settings.api_url)
            super().__init__()
        self.request_timeout = settings.timeout

    def get_session(self):
        # The SDK sends without a timeout; its session is otherwise kept as it is (retries on 202).
        session = super().get_session()
        session.request = functools.partial(session.request, timeout=self.request_timeout)
        return session


def _payment_api(settings: YooKassaSettings) -> type[Payment]:
    """The SDK's Payment whose calls use this shop's client (Payment.create/find_one build `cls()`)."""

    class ShopPayment(Payment):
        def __init__(self):
            self.client = _ShopClient(settings)

    return ShopPayment


@contextmanager
def _api_errors(action: str):
    """Translate whatever the SDK raises into AcquirerError (UnknownPayment for a 404)."""
    try:
        yield
    except NotFoundError as exc:
        raise UnknownPayment(f"YooKassa has no such payment ({action}): {_describe(exc)}") from exc
    except ApiError as exc:
        raise AcquirerError(f"YooKassa refused to {action}: {_describe(exc)}") from exc
    except requests.RequestException as exc:
        raise AcquirerError(f"YooKassa could not be reached to {action}: {exc}") from exc
    except AttributeError as exc:
        # SDK 3.13 handles a connection failure by reading `.response` of the exception, which is None
        # for a refused or timed-out connection; the real cause is the exception being handled.
        if isinstance(exc.__context__, requests.RequestException):
            raise AcquirerError(f"YooKassa could not be reached to {action}: {exc.__context__}") from exc
        raise
    except ValueError as exc:  # the SDK's own validation of a request or an answer
        raise AcquirerError(f"YooKassa SDK could not {action}: {exc}") from exc


def _describe(exc: ApiError) -> str:
    content = exc.content or {}
    code = f"HTTP {exc.HTTP_CODE} " if exc.HTTP_CODE else ""
    return f"{code}{content.get('code', 'error')}: {content.get('description', '')}".strip()


def format_amount(amount: Decimal) -> str:
    """Roubles as the API wants them: a string with two decimals ("1500.00"); never rounds."""
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        raise AcquirerError(f"A payment amount must be a positive Decimal, not {amount!r}.")
    if amount != amount.quantize(KOPECK):
        raise AcquirerError(f"A payment amount cannot have fractions of a kopeck: {amount}.")
    return f"{amount.quantize(KOPECK):f}"


class YooKassaAcquirer:
    code = "yookassa"

    def __init__(self):
        self.settings = YooKassaSettings.from_env()
        self._payments = _payment_api(self.settings)

    def create(self, request: CheckoutRequest) -> Checkout:
        value = format_amount(request.amount)
        params = {
            "amount": {"value": value, "currency": CURRENCY},
            "confirmation": {"type": "redirect", "return_url": request.return_url},
            "capture": True,  # one step: the money is taken when the payer confirms
            "description": request.description[:DESCRIPTION_MAX],
            "metadata": {"order_id": request.order_id},
        }
        with _api_errors("create the payment"):
            payment_request = PaymentRequest(params)
            # The SDK's Amount passes the value through float(); refuse rather than send a changed sum.
            if f"{payment_request.amount.value:f}" != value:
                raise AcquirerError(
                    f"The YooKassa SDK would send {payment_request.amount.value} for {value}."
                )
            # The order id as the idempotence key: a retried create returns the same payment.
            payment = self._payments.create(payment_request, request.order_id)
        confirmation_url = getattr(payment.confirmation, "confirmation_url", None)
        if not payment.id or not confirmation_url:
            raise AcquirerError(
                f"YooKassa answered without a payment id or a confirmation URL: {payment.json()}"
            )
        return Checkout(external_id=payment.id, redirect_url=confirmation_url)

    def fetch_status(self, external_id: str) -> StatusReport:
        if not isinstance(external_id, str) or not PAYMENT_ID.fullmatch(external_id):
            raise UnknownPayment(f"Not a YooKassa payment id: {external_id!r}.")
        with _api_errors("read the payment"):
            payment = self._payments.find_one(external_id)
        return _report(external_id, payment)

    def parse_callback(self, body: bytes, headers: dict) -> StatusReport:
        """Read which payment a notification is about, then report what the API says about it."""
        try:
            notification = WebhookNotificationFactory().create(json.loads(body))
            event, payment_id = notification.event, notification.object.id
        except (ValueError, TypeError, AttributeError, KeyError) as exc:
            raise CallbackRejected("malformed", str(exc)) from None
        if event not in PAYMENT_EVENTS:
            raise CallbackRejected("unsupported", f"event {event!r}")
        if not isinstance(payment_id, str) or not PAYMENT_ID.fullmatch(payment_id):
            raise CallbackRejected("malformed", f"payment id {payment_id!r}")
        try:
            return self.fetch_status(payment_id)
        except UnknownPayment:
            raise CallbackRejected("unknown", f"YooKassa has no payment {payment_id}") from None
        except AcquirerError as exc:
            # Not verified now; the pending order is re-checked later by the scheduled job.
            raise CallbackRejected("unverified", str(exc)) from None


def _report(external_id: str, payment) -> StatusReport:
    """The API's answer about one payment as a StatusReport; anything unexpected is an AcquirerError."""
    if payment.id != external_id:
        raise AcquirerError(f"YooKassa answered about payment {payment.id} when asked about {external_id}.")
    status = STATUSES.get(payment.status)
    if status is None:
        raise AcquirerError(f"YooKassa payment {external_id} has an unknown status {payment.status!r}.")
    amount = payment.amount
    if amount is None or amount.currency != CURRENCY:
        raise AcquirerError(f"YooKassa payment {external_id} is not in roubles.")
    metadata = payment.metadata or {}
    raw = json.loads(payment.json())
    if status == FAILED:  # why, in the words the payment centre records for a failed order
        raw["reason"] = (raw.get("cancellation_details") or {}).get("reason", "")
    return StatusReport(
        external_id=external_id,
        status=status,
        amount=Decimal(amount.value).quantize(KOPECK),
        order_id=str(metadata.get("order_id", "")),
        raw=raw,
    )
