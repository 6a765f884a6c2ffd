"""A local stand-in for the YooKassa API v3 (https://yookassa.ru/developers/api), enough for the adapter:
POST /v3/payments and GET /v3/payments/{id} with HTTP Basic auth (shop id : secret key), the
Idempotence-Key header, and error bodies shaped like the real ones ({"type": "error", "code", ...}).

Tests drive the payer's side with `set_status` (paid, cancelled) and build webhook bodies with
`notification`. The `fake_yookassa` fixture starts it on 127.0.0.1 with an ephemeral port and points
the adapter's environment at it.
"""

import base64
import copy
import json
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

SHOP_ID = "506751"
SECRET_KEY = "test_Fh8hUAVVBGUGbjmlzba6TB0iyUbos_lueTHE-axOwM0"
AMOUNT = re.compile(r"\d{1,13}\.\d{2}")  # roubles with exactly two decimals


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _payment_id() -> str:
    # Real ids look like "2d6d597-000f-5000-9000-145f6df21d6f": time-based, always "-000f-5000-".
    hex_ = uuid.uuid4().hex
    return f"{hex_[:8]}-000f-5000-{'89'[int(hex_[8], 16) % 2]}000-{hex_[-12:]}"


class FakeYooKassa:
    """The fake's state; the HTTP handler below reads and writes it under `lock`."""

    def __init__(self):
        self.lock = threading.Lock()
        self.payments: dict[str, dict] = {}
        self.idempotence: dict[tuple[str, str], tuple[bytes, int, dict]] = {}  # (shop, key) → answer
        self.requests: list[dict] = []  # every request as received, newest last
        self.delay = 0.0  # seconds to stall before answering (a hung API)
        self.fail_with: int | None = None  # answer every request with this HTTP status
        self.url = ""

    # --- the payer's side ----------------------------------------------------------------------------

    def set_status(self, payment_id: str, status: str) -> dict:
        """What YooKassa does when the payer pays ("succeeded") or gives up / is declined ("canceled")."""
        with self.lock:
            payment = self.payments[payment_id]
            payment["status"] = status
            if status == "succeeded":
                value = payment["amount"]["value"]
                fee = (int(value.replace(".", "")) * 35 + 500) // 1000  # 3.5 %, in kopecks
                income = int(value.replace(".", "")) - fee
                payment.update(
                    paid=True,
                    captured_at=_now(),
                    income_amount={"value": f"{income // 100}.{income % 100:02d}", "currency": "RUB"},
                    refundable=True,
                    refunded_amount={"value": "0.00", "currency": "RUB"},
                    payment_method={
                        "type": "bank_card",
                        "id": payment_id,
                        "saved": False,
                        "title": "Bank card *4444",
                        "card": {
                            "first6": "555555",
                            "last4": "4444",
                            "expiry_month": "12",
                            "expiry_year": "2030",
                            "card_type": "MasterCard",
                            "issuer_country": "RU",
                        },
                    },
                )
                payment.pop("confirmation", None)
            elif status == "canceled":
                payment.update(
                    paid=False,
                    cancellation_details={"party": "yoo_money", "reason": "expired_on_confirmation"},
                )
                payment.pop("confirmation", None)
            elif status == "waiting_for_capture":
                payment["paid"] = True
            return copy.deepcopy(payment)

    def notification(self, payment_id: str, event: str | None = None, **overrides) -> bytes:
        """A webhook body as YooKassa posts it: the payment object as it is now, `overrides` applied
        on top (to forge a body that disagrees with the API)."""
        with self.lock:
            payment = copy.deepcopy(self.payments[payment_id])
        payment.update(overrides)
        event = event or f"payment.{payment['status']}"
        return json.dumps({"type": "notification", "event": event, "object": payment}).encode()

    def created(self) -> list[dict]:
        """The POST /v3/payments requests received, oldest first."""
        return [r for r in self.requests if r["method"] == "POST" and r["path"] == "/v3/payments"]

    # --- the API --------------------------------------------------------------------------------------

    def create_payment(self, shop_id: str, key: str, raw_body: bytes) -> tuple[int, dict]:
        if not key:
            return 400, _error("invalid_request", "Idempotence-Key header is required", "Idempotence-Key")
        if len(key) > 64:
            return 400, _error("invalid_request", "Idempotence key is too long", "Idempotence-Key")
        with self.lock:  # held throughout: two requests with one key must not both create
            previous = self.idempotence.get((shop_id, key))
            if previous is not None:
                body, status, answer = previous
                if body != raw_body:  # the same key with other data is refused, not executed again
                    return 400, _error(
                        "invalid_request",
                        "Idempotence key duplicated with different request parameters",
                        "Idempotence-Key",
                    )
                return status, copy.deepcopy(answer)
            status, answer = self._new_payment(raw_body)
            self.idempotence[(shop_id, key)] = (raw_body, status, answer)
            if status == 200:
                self.payments[answer["id"]] = answer
            return status, copy.deepcopy(answer)

    def _new_payment(self, raw_body: bytes) -> tuple[int, dict]:
        try:
            data = json.loads(raw_body)
        except ValueError:
            return 400, _error("invalid_request", "Request body is not a valid JSON")
        amount = data.get("amount") or {}
        if (
            not isinstance(amount.get("value"), str)
            or not AMOUNT.fullmatch(amount["value"])
            or amount["value"] == "0.00"
        ):
            return 400, _error("invalid_request", "Invalid amount value", "amount.value")
        if amount.get("currency") != "RUB":
            return 400, _error("invalid_request", "Invalid currency", "amount.currency")
        confirmation = data.get("confirmation") or {}
        if confirmation.get("type") != "redirect" or not confirmation.get("return_url"):
            return 400, _error(
                "invalid_request", "Confirmation redirect needs return_url", "confirmation.return_url"
            )
        if len(data.get("description") or "") > 128:
            return 400, _error("invalid_request", "Description is too long", "description")
        payment_id = _payment_id()
        payment = {
            "id": payment_id,
            "status": "pending",
            "paid": False,
            "amount": {"value": amount["value"], "currency": "RUB"},
            "confirmation": {
                "type": "redirect",
                "return_url": confirmation["return_url"],
                "confirmation_url": f"https://yoomoney.ru/checkout/payments/v2/contract?orderId={payment_id}",
            },
            "created_at": _now(),
            "description": data.get("description", ""),
            "metadata": data.get("metadata") or {},
            "recipient": {"account_id": SHOP_ID, "gateway_id": "2057127"},
            "refundable": False,
            "test": True,
        }
        return 200, payment


def _error(code: str, description: str, parameter: str | None = None) -> dict:
    error = {"type": "error", "id": str(uuid.uuid4()), "code": code, "description": description}
    if parameter:
        error["parameter"] = parameter
    return error


class _Handler(BaseHTTPRequestHandler):
    fake: FakeYooKassa  # set on the per-server subclass

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        shop_id = self._authorised(body)
        if shop_id is None:
            return
        if self.path != "/v3/payments":
            return self._answer(404, _error("not_found", "Unknown endpoint"))
        self._answer(*self.fake.create_payment(shop_id, self.headers.get("Idempotence-Key", ""), body))

    def do_GET(self):  # noqa: N802
        if self._authorised(b"") is None:
            return
        match = re.fullmatch(r"/v3/payments/([^/?]+)", self.path)
        with self.fake.lock:
            payment = self.fake.payments.get(match.group(1)) if match else None
            payment = copy.deepcopy(payment)
        if payment is None:
            return self._answer(
                404,
                _error(
                    "not_found", "Incorrect payment_id. Payment doesn't exist or access denied.", "payment_id"
                ),
            )
        self._answer(200, payment)

    def _authorised(self, body: bytes) -> str | None:
        """Record the request; answer an error and return None unless it may go on."""
        with self.fake.lock:
            self.fake.requests.append(
                {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
            )
        if self.fake.delay:
            time.sleep(self.fake.delay)
        if self.fake.fail_with:
            self._answer(self.fake.fail_with, _error("internal_server_error", "Internal server error"))
            return None
        expected = "Basic " + base64.b64encode(f"{SHOP_ID}:{SECRET_KEY}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self._answer(
                401,
                _error(
                    "invalid_credentials",
                    "Error in shopId or secret key. Check their validity. You can reissue the key in the "
                    "Merchant Profile",
                ),
            )
            return None
        return SHOP_ID

    def _answer(self, status: int, payload: dict):
        data = json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_yookassa(monkeypatch):
    """The fake API on an ephemeral port, and the adapter's environment pointing at it."""
    fake = FakeYooKassa()
    handler = type("Handler", (_Handler,), {"fake": fake})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_port}/v3"
    monkeypatch.setenv("KABINET_YOOKASSA_SHOP_ID", SHOP_ID)
    monkeypatch.setenv("KABINET_YOOKASSA_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("KABINET_YOOKASSA_API_URL", fake.url)
    yield fake
    server.shutdown()
    server.server_close()
